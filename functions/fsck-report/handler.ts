// Lambda "Report fsck" (Fsck state machine).
import { reportFsck } from '../../shared/workflow/storage-tools/fsck.js';
import { registryStorageFromEnv } from '../../shared/workflow/storage-tools/storage-env.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../powertools.js';

/** The task, for tests: event in, the findings out. */
export async function run(event: unknown) {
  const result = await reportFsck(event, dependencies().artifacts(), registryStorageFromEnv().location);
  logger.info('fsck-report', { status: result.status, missingImages: result.report?.missingImages.length, missingBlobs: result.report?.missingBlobs.length, lostManifests: result.report?.lostManifests.length });
  return result;
}

export const handler = wrapHandler(run);
