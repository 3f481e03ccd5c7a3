// Lambda "Report hard prune" (HardPrune state machine).
import { reportHardPrune } from '../../shared/workflow/storage-tools/hard-prune.js';
import { registryStorageFromEnv } from '../../shared/workflow/storage-tools/storage-env.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../powertools.js';

/** The task, for tests: event in, the report out. */
export async function run(event: unknown) {
  const result = await reportHardPrune(event, dependencies().artifacts(), registryStorageFromEnv().location);
  logger.info('hard-prune-report', { status: result.status, mode: result.mode, blobs: result.report?.blobs, failures: result.report?.failures.length });
  return result;
}

export const handler = wrapHandler(run);
