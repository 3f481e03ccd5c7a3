// The run lock on AWS: one DynamoDB item per registry, taken with a
// conditional put. DynamoDB evaluates the condition and writes atomically, so
// of two executions that start at the same moment exactly one gets the lock
// (ListExecutions, which the lock used before, is eventually consistent: two
// near-simultaneous starts both saw nobody running). The table's TTL on
// `expiresAt` only tidies up; expiry is decided here, by the condition, since
// DynamoDB deletes expired items days late.
import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AcquireOutcome, LockHolder, RunLock } from '../shared/workflow/run-lock.js';
import { RunLockError, stateMachineOf } from '../shared/workflow/run-lock.js';

/** The key of the one lock item: one table per registry (infra/run-lock.ts), so one constant key. */
export const LOCK_ID = 'registry';

export interface DynamoDbRunLockOptions {
  tableName: string;
  /** How long a lock lasts unless released: at least the state machine's timeout. Needed to acquire, not to release. */
  leaseSeconds?: number;
  /** The clock, in ms (tests move it). */
  now?: () => number;
}

function holderOf(item: Record<string, AttributeValue>): LockHolder {
  const execution = item.holder?.S ?? '(unknown)';
  const expiresAt = Number(item.expiresAt?.N ?? 0);
  return {
    execution,
    stateMachine: item.stateMachine?.S ?? stateMachineOf(execution),
    acquiredAt: item.acquiredAt?.S ?? '(unknown)',
    expiresAt: new Date(expiresAt * 1000).toISOString(),
  };
}

function isConditionFailed(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}

/** {@link RunLock} as one DynamoDB item `{lockId, holder, stateMachine, acquiredAt, expiresAt}`. */
export class DynamoDbRunLock implements RunLock {
  private readonly now: () => number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: DynamoDbRunLockOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async acquire(execution: string): Promise<AcquireOutcome> {
    const lease = this.options.leaseSeconds;
    if (lease === undefined || !(lease > 0)) throw new RunLockError(`no lease configured for ${this.options.tableName} (the construct sets it on the start tasks)`);
    // The lock may be released between a refused put and the read of its
    // holder; then the put is tried again, a few times at most.
    for (let attempt = 0; attempt < 3; attempt++) {
      const nowMs = this.now();
      // Whole seconds: the TTL attribute must be epoch seconds, and a lease is hours.
      const nowS = Math.floor(nowMs / 1000);
      const holder: LockHolder = {
        execution,
        stateMachine: stateMachineOf(execution),
        acquiredAt: new Date(nowMs).toISOString(),
        expiresAt: new Date((nowS + lease) * 1000).toISOString(),
      };
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.options.tableName,
            Item: {
              lockId: { S: LOCK_ID },
              holder: { S: execution },
              stateMachine: { S: holder.stateMachine },
              acquiredAt: { S: holder.acquiredAt },
              expiresAt: { N: String(nowS + lease) },
            },
            // Free, expired, or already ours (a retried start task).
            ConditionExpression: 'attribute_not_exists(lockId) OR expiresAt < :now OR holder = :holder',
            ExpressionAttributeValues: { ':now': { N: String(nowS) }, ':holder': { S: execution } },
          }),
        );
        return { acquired: true, lease: holder };
      } catch (err) {
        if (!isConditionFailed(err)) throw new RunLockError(`cannot take the lock in table ${this.options.tableName}: ${(err as Error).message}`, { cause: err });
      }
      const current = await this.read();
      // Gone, expired or ours by now: the put is tried again.
      const stillHeld = current && Number(current.expiresAt?.N ?? 0) >= Math.floor(this.now() / 1000) && current.holder?.S !== execution;
      if (stillHeld) return { acquired: false, heldBy: holderOf(current) };
    }
    throw new RunLockError(`the lock in table ${this.options.tableName} keeps changing hands; try again`);
  }

  async release(execution: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: { lockId: { S: LOCK_ID } },
          // Only the holder releases: a lease taken over after it expired is not the old holder's.
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': { S: execution } },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw new RunLockError(`cannot release the lock in table ${this.options.tableName}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The lock item, read strongly consistent; undefined when nobody holds it. */
  private async read(): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const res = await this.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: { lockId: { S: LOCK_ID } }, ConsistentRead: true }));
      return res.Item;
    } catch (err) {
      throw new RunLockError(`cannot read the lock in table ${this.options.tableName}: ${(err as Error).message}`, { cause: err });
    }
  }
}
