// Lambda "Check a batch of repositories" (Fsck state machine).
import { checkRepositories } from '../../shared/workflow/storage-tools/fsck.js';
import { registryStorageFromEnv } from '../../shared/workflow/storage-tools/storage-env.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../powertools.js';

/** The task, for tests: event in, counts out. */
export async function run(event: unknown) {
  const result = await checkRepositories(event, dependencies().artifacts(), registryStorageFromEnv());
  logger.info('fsck-check-repositories', { ...result });
  return result;
}

export const handler = wrapHandler(run);
