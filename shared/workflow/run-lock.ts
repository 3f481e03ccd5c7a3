// The run lock: one run at a time on a registry, over the three state
// machines that act on it (ImagePruner, HardPrune, Fsck). The first task of
// each takes the lock for its execution with a lease at least as long as the
// state machine's timeout; a start that finds the lock held by another
// execution whose lease has not expired ends "skipped" (a result, not a
// failure). The lock is released on the success and the failure paths, and,
// for executions that end aborted, timed out or failed without reaching those
// states, by the release task an EventBridge rule invokes (AWS) or by the
// local engine when the run ends (locally). See docs/workflow.md, "The run lock".
import { PrunerError } from '../errors.js';
import { ERROR } from './errors.js';

/** Who holds the lock, as the lock records it. */
export interface LockHolder {
  /** The holder's execution ARN (`$$.Execution.Id`). */
  execution: string;
  /** The state machine the execution belongs to (from its ARN). */
  stateMachine: string;
  /** When the holder took the lock (ISO-8601). */
  acquiredAt: string;
  /** When the lease ends unless released before (ISO-8601); after it anyone may take the lock. */
  expiresAt: string;
}

/** What an acquire found: the lock is now this execution's, or another holds it. */
export type AcquireOutcome = { acquired: true; lease: LockHolder } | { acquired: false; heldBy: LockHolder };

/**
 * The lock port. Implementations: a DynamoDB conditional put on AWS
 * (functions/dynamodb-run-lock.ts), lease files in the artifacts folder
 * locally (cli/local-run/run-lock.ts). Both are race-free: of two executions
 * that ask at once, exactly one gets the lock.
 */
export interface RunLock {
  /**
   * Takes the lock for `execution` when nobody holds it, its lease has
   * expired, or `execution` already holds it (a retried start task).
   * Throws {@link RunLockError} when the lock's store cannot be asked.
   */
  acquire(execution: string): Promise<AcquireOutcome>;
  /**
   * Releases the lock if `execution` holds it; true when it did. A release by
   * an execution that does not hold the lock changes nothing (the failure
   * path and the EventBridge rule may both release; a lease taken over after
   * it expired is not the old holder's to release).
   */
  release(execution: string): Promise<boolean>;
}

/** The execution output of a start the lock refused (the execution succeeds with it). */
export interface SkippedRun {
  status: 'skipped';
  /** One line: who holds the lock and since when. */
  reason: string;
  heldBy: LockHolder;
}

/** What a start task returns when the lock is held: the state machine's Choice sends `$.skipped` to the Skipped state. */
export interface Skipped {
  skipped: SkippedRun;
}

/** The skipped result for a lock `heldBy` another execution. */
export function skippedRun(heldBy: LockHolder): Skipped {
  return { skipped: { status: 'skipped', reason: `another run holds the lock: ${heldBy.execution}, since ${heldBy.acquiredAt}`, heldBy } };
}

/** True for a start task's result that says the run was skipped. */
export function isSkipped(result: unknown): result is Skipped {
  return typeof result === 'object' && result !== null && 'skipped' in result;
}

/** True for an execution output that is a skipped run (history, start --wait). */
export function isSkippedRun(output: unknown): output is SkippedRun {
  return typeof output === 'object' && output !== null && (output as { status?: unknown }).status === 'skipped' && typeof (output as { reason?: unknown }).reason === 'string';
}

/** The state machine an execution ARN belongs to: `arn:...:execution:<machine>:<name>` gives `<machine>`. */
export function stateMachineOf(executionArn: string): string {
  const m = /:execution:([^:]+):/.exec(executionArn);
  return m ? m[1] : executionArn;
}

/** Each state machine's timeout: the lease of its lock is this and {@link LEASE_MARGIN_SECONDS}. */
export const RUN_TIMEOUT_SECONDS = {
  prune: 12 * 3600,
  storageTools: 24 * 3600,
} as const;

/**
 * Added to the timeout: the lease must outlast the execution even when the
 * clocks of the Lambda that took it and the one that asks differ a little.
 */
export const LEASE_MARGIN_SECONDS = 15 * 60;

/** The lease of a state machine whose timeout is `timeoutSeconds`. */
export function leaseSecondsFor(timeoutSeconds: number): number {
  return timeoutSeconds + LEASE_MARGIN_SECONDS;
}

/** The states every state machine adds for its lock (names are per machine, so all three use these). */
export const LOCK_STATE = {
  /** The Choice after the start task: skipped or go on. */
  held: 'Another run going?',
  /** Succeed state of a skipped start; its output is the {@link SkippedRun}. */
  skipped: 'Skipped',
  /** After the report: the lock is released before the execution succeeds. */
  release: 'Release the run lock',
  /** After the failure report, before the Fail state. */
  releaseAfterFailure: 'Release the run lock after the failure',
} as const;

/** The lock's store could not be asked (DynamoDB or the lock folder): retried, then the run fails. */
export class RunLockError extends PrunerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`run lock: ${message}`, options);
    this.name = ERROR.runLock;
  }
}
