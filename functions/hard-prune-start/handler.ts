// Lambda "Start hard prune": validates the execution input into $.run and $.tool and refuses a second concurrent HardPrune.
import { startStorageToolRun } from '../../shared/workflow/storage-tools/common.js';
import type { StartResult } from '../../shared/workflow/storage-tools/contracts.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../powertools.js';

/** The task, for tests: the execution's context in, run and tool options out. */
export async function run(event: unknown): Promise<StartResult> {
  const result = await startStorageToolRun(event, 'hard-prune', dependencies().runningExecutions());
  logger.info('start', { runId: result.run.runId, confirm: result.tool.confirm });
  return result;
}

export const handler = wrapHandler(run);
