// Lambda "Check a batch of blob prefixes" (Fsck state machine).
import { checkBlobPrefixes } from '../../shared/workflow/storage-tools/fsck.js';
import { registryStorageFromEnv } from '../../shared/workflow/storage-tools/storage-env.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../powertools.js';

/** The task, for tests: event in, counts out. */
export async function run(event: unknown) {
  const result = await checkBlobPrefixes(event, dependencies().artifacts(), registryStorageFromEnv());
  logger.info('fsck-check-blobs', { prefixes: result.repositories, missing: result.changed });
  return result;
}

export const handler = wrapHandler(run);
