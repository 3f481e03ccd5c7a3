// Lambda "Recover lost manifests" (Fsck state machine, with confirm): tags lost manifests as lost-found-<hex> through the cluster API.
import { recoverLostManifests } from '../../shared/workflow/storage-tools/fsck-recover.js';
import { registryStorageFromEnv } from '../../shared/workflow/storage-tools/storage-env.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../common/powertools.js';

/** The task, for tests: event in, recovery counts out. */
export async function run(event: unknown) {
  const deps = dependencies();
  const result = await recoverLostManifests(event, deps.artifacts(), registryStorageFromEnv(), () => deps.clusterCreator());
  logger.info('fsck-recover', { recovered: result.recovered, failed: result.failed });
  return result;
}

export const handler = wrapHandler(run);
