// "Refuse to run twice": the first state. Validates the execution input,
// fills in defaults, names the run, and takes the run lock (./run-lock.ts);
// when another execution holds it, the run is skipped, not failed.
import type { RunContext, RunOptions, StartEvent } from './contracts.js';
import { makeRunId, resolveRunOptions } from './contracts.js';
import type { RunLock, Skipped } from './run-lock.js';
import { skippedRun } from './run-lock.js';

/**
 * Returns `{ run }`, the run context every later state reads at `$.run`, or
 * `{ skipped }` when another execution holds the run lock. The input is
 * validated first, so a bad input is named even while another run holds the lock.
 */
export async function refuseSecondRun(event: StartEvent, lock: RunLock, defaults: Partial<Omit<RunOptions, 'now'>>): Promise<{ run: RunContext } | Skipped> {
  const options = resolveRunOptions(event.input, defaults, event.startTime);
  const run: RunContext = { runId: makeRunId(event.startTime, event.executionName), executionId: event.executionId, options };
  const taken = await lock.acquire(event.executionId);
  if (!taken.acquired) return skippedRun(taken.heldBy);
  return { run };
}
