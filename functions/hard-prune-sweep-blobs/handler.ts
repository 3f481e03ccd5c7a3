// Lambda "Sweep a batch of blob prefixes" (HardPrune state machine).
import { sweepBlobPrefixes } from '../../shared/workflow/storage-tools/hard-prune.js';
import { registryStorageFromEnv } from '../../shared/workflow/storage-tools/storage-env.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../powertools.js';

/** The task, for tests: event in, counts out. */
export async function run(event: unknown) {
  const result = await sweepBlobPrefixes(event, dependencies().artifacts(), registryStorageFromEnv());
  logger.info('hard-prune-sweep-blobs', { ...result });
  return result;
}

export const handler = wrapHandler(run);
