// Lambda "List repositories" (HardPrune state machine).
import { listRepositoriesForSweep } from '../../shared/workflow/storage-tools/hard-prune.js';
import { registryStorageFromEnv } from '../../shared/workflow/storage-tools/storage-env.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../powertools.js';

/** The task, for tests: event in, artifact keys and the count out. */
export async function run(event: unknown) {
  const result = await listRepositoriesForSweep(event, dependencies().artifacts(), registryStorageFromEnv());
  logger.info('hard-prune-list-repositories', { count: result.count });
  return result;
}

export const handler = wrapHandler(run);
