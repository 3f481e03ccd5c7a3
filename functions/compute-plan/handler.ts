// Lambda "Compute prune plan": snapshot files -> plan files and summary.
import { computePrunePlan } from '../../shared/workflow/compute-plan.js';
import type { PlanResult } from '../../shared/workflow/contracts.js';
import { parsePlanEvent } from '../../shared/workflow/events.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../common/powertools.js';

/** The task, for tests: event in, plan keys and counts out. */
export async function run(event: unknown): Promise<PlanResult> {
  const result = await computePrunePlan(parsePlanEvent(event), dependencies().artifacts());
  logger.info('planned', { ...result.counts });
  return result;
}

export const handler = wrapHandler(run);
