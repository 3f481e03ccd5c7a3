// "Refuse to run twice": the first state. Validates the execution input,
// fills in defaults, names the run, and stops when another run is going.
import type { RunContext, RunOptions, StartEvent } from './contracts.js';
import { ConcurrentRunError, makeRunId, resolveRunOptions } from './contracts.js';

/** Lists the other executions of the same workflow that are still running. */
export interface RunningExecutions {
  othersRunning(executionId: string): Promise<string[]>;
}

/** Returns the run context every later state reads at `$.run`; throws {@link ConcurrentRunError}. */
export async function refuseSecondRun(event: StartEvent, running: RunningExecutions, defaults: Partial<Omit<RunOptions, 'now'>>): Promise<RunContext> {
  const options = resolveRunOptions(event.input, defaults, event.startTime);
  const others = await running.othersRunning(event.executionId);
  if (others.length > 0) throw new ConcurrentRunError(others);
  return { runId: makeRunId(event.startTime, event.executionName), executionId: event.executionId, options };
}
