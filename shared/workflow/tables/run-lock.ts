// The run lock's own task (../run-lock.ts), one row for the three state
// machines: releases the lock an execution holds. The success and failure
// paths of each state machine invoke it with `$$.Execution.Id`; on AWS an
// EventBridge rule invokes the same function for executions that end aborted,
// timed out or failed without reaching those states (infra/run-lock.ts).
import { parseEvent } from '../schemas/parse.js';
import { nonEmptyString, object } from '../schemas/primitives.js';
import { defineTask, RETRY_RUN_LOCK } from '../task.js';

/** Input of the release task: the execution whose lock is released. */
export const releaseEventSchema = object({ executionId: nonEmptyString });

/** Releases the lock if the execution holds it; a no-op otherwise (both the failure path and the rule may release). */
export const releaseRunLockTask = defineTask({
  id: 'release-run-lock',
  summary: 'Release the run lock if the execution holds it',
  parse: (event: unknown) => parseEvent(releaseEventSchema, event),
  run: async (e, p) => ({ released: await p.lock.release(e.executionId) }),
  ports: ['lock'],
  // Not 256: a fresh task process is ~150 MB (see SMALL_TASK_MEMORY_MB in ./prune.ts).
  memoryMb: 512,
  timeoutMinutes: 1,
  retry: [RETRY_RUN_LOCK],
});

export const RUN_LOCK_TASKS = {
  release: releaseRunLockTask,
} as const;
