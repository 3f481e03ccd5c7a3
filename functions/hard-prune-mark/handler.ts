// Lambda "Mark blobs in use" (HardPrune state machine).
import { markBlobsInUse } from '../../shared/workflow/storage-tools/hard-prune.js';
import { registryStorageFromEnv } from '../../shared/workflow/storage-tools/storage-env.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../powertools.js';

/** The task, for tests: event in, artifact keys and counts out. */
export async function run(event: unknown) {
  const result = await markBlobsInUse(event, dependencies().artifacts(), registryStorageFromEnv());
  logger.info('hard-prune-mark', result.counts);
  return result;
}

export const handler = wrapHandler(run);
