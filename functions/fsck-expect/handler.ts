// Lambda "Compute expectations" (Fsck state machine).
import { computeFsckExpectations } from '../../shared/workflow/storage-tools/fsck.js';
import { registryStorageFromEnv } from '../../shared/workflow/storage-tools/storage-env.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../powertools.js';

/** The task, for tests: event in, artifact keys and counts out. */
export async function run(event: unknown) {
  const result = await computeFsckExpectations(event, dependencies().artifacts(), registryStorageFromEnv());
  logger.info('fsck-expect', result.counts);
  return result;
}

export const handler = wrapHandler(run);
