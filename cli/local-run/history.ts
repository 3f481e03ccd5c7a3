// Step Functions' quota of 25,000 events in one execution's history, enforced
// on the local run: AWS fails the execution with States.Runtime, "The
// execution reached the maximum number of history events (25000).", which no
// Catch catches. aws-local-stepfunctions logs its own events, not AWS's; this
// counts, from them, the events AWS would write into the parent execution's
// history: per Task state entered, scheduled, started and succeeded or failed,
// exited; per Pass or Choice entered and exited; per Parallel or Map entered,
// started, ended, exited; plus the execution's first and last. The states of a
// Distributed Map's child executions (the local rewrite's iterations) and the
// local stand-ins for its ItemReader are in no parent history, so they count
// nothing.
import { PrunerError } from '../../shared/errors.js';

/** The quota: events in one execution's history. */
export const HISTORY_EVENT_LIMIT = 25_000;

/** The execution passed {@link HISTORY_EVENT_LIMIT} events: named and worded as AWS fails it. */
export class HistoryLimitExceededError extends PrunerError {
  constructor() {
    super(`The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT}).`);
    this.name = 'States.Runtime';
  }
}

/** One event of aws-local-stepfunctions' log, as far as the count reads it. */
export interface LoggedEvent {
  type: string;
  index?: number;
  state?: { name: string; type: string };
}

/** The events AWS would write into the parent execution's history for `ev`. */
export function historyEventsOf(ev: LoggedEvent, skipStates: ReadonlySet<string>): number {
  if (ev.type === 'ExecutionStarted' || ev.type === 'ExecutionSucceeded' || ev.type === 'ExecutionFailed') return 1;
  // Inside an iteration: a child execution's history, or a local stand-in.
  if (!ev.state || ev.index !== undefined || skipStates.has(ev.state.name)) return 0;
  const task = ev.state.type === 'Task';
  const wraps = ev.state.type === 'Parallel' || ev.state.type === 'Map';
  switch (ev.type) {
    case 'StateEntered':
      return task ? 3 : wraps ? 2 : 1;
    case 'StateExited':
      return task || wraps ? 2 : 1;
    case 'StateFailed':
      return 1;
    case 'StateRetried':
      // The next attempt's scheduled and started.
      return task ? 2 : 0;
    default:
      return 0;
  }
}
