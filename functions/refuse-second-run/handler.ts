// Lambda "Refuse to run twice": validates the execution input and stops a second concurrent run.
import { parseStartEvent } from '../../shared/workflow/events.js';
import { refuseSecondRun } from '../../shared/workflow/refuse-second-run.js';
import type { RunContext } from '../../shared/workflow/contracts.js';
import { dependencies } from '../common/dependencies.js';
import { wrapHandler } from '../common/powertools.js';

/** The task, for tests: event in, run context out. */
export async function run(event: unknown): Promise<RunContext> {
  const deps = dependencies();
  return refuseSecondRun(parseStartEvent(event), deps.runningExecutions(), deps.defaults());
}

export const handler = wrapHandler(run);
