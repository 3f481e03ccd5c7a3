// The run lock on AWS (functions/dynamodb-run-lock.ts) against a real
// DynamoDB protocol server (dynalite): the conditional put lets exactly one of
// many simultaneous starts in, an expired lease is taken over, and only the
// holder releases.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbRunLock, LOCK_ID } from '../../functions/dynamodb-run-lock.js';
import { startDynamoDbServer, type DynamoDbServer } from '../support/dynamodb-server.js';

const exec = (machine: string, name: string) => `arn:aws:states:eu-west-1:123456789012:execution:${machine}:${name}`;
const T0 = Date.parse('2026-11-30T03:00:00.000Z');

describe('the DynamoDB run lock', () => {
  let db: DynamoDbServer;
  let table: string;
  let n = 0;
  beforeAll(async () => {
    db = await startDynamoDbServer();
  });
  afterAll(async () => {
    await db?.stop();
  });
  beforeEach(async () => {
    table = await db.createLockTable(`locks-${++n}`);
  });
  /** A lock as one Lambda container has it: its own client, its own clock. */
  const lock = (clock: () => number = () => T0, leaseSeconds = 3600) => new DynamoDbRunLock(db.client(), { tableName: table, leaseSeconds, now: clock });
  const item = async () => (await db.client().send(new GetItemCommand({ TableName: table, Key: { lockId: { S: LOCK_ID } }, ConsistentRead: true }))).Item;

  it('lets exactly one of many simultaneous starts take the lock; the others are told who holds it', async () => {
    const names = Array.from({ length: 12 }, (_, i) => exec(i % 3 === 0 ? 'ImagePruner' : i % 3 === 1 ? 'HardPrune' : 'Fsck', `run-${i}`));
    const outcomes = await Promise.all(names.map((name) => lock().acquire(name)));
    const winners = outcomes.flatMap((o, i) => (o.acquired ? [names[i]] : []));
    expect(winners).toHaveLength(1);
    for (const o of outcomes) if (!o.acquired) expect(o.heldBy.execution).toBe(winners[0]);
    expect(await item()).toMatchObject({ lockId: { S: LOCK_ID }, holder: { S: winners[0] } });
  });

  it('records holder, state machine, when it was taken and when the lease ends (epoch seconds, the TTL attribute)', async () => {
    const first = await lock(() => T0, 600).acquire(exec('HardPrune', 'a'));
    expect(first).toEqual({
      acquired: true,
      lease: { execution: exec('HardPrune', 'a'), stateMachine: 'HardPrune', acquiredAt: '2026-11-30T03:00:00.000Z', expiresAt: '2026-11-30T03:10:00.000Z' },
    });
    expect(await item()).toEqual({
      lockId: { S: LOCK_ID },
      holder: { S: exec('HardPrune', 'a') },
      stateMachine: { S: 'HardPrune' },
      acquiredAt: { S: '2026-11-30T03:00:00.000Z' },
      expiresAt: { N: String(T0 / 1000 + 600) },
    });
    const second = await lock(() => T0 + 1000).acquire(exec('ImagePruner', 'b'));
    expect(second).toEqual({ acquired: false, heldBy: { execution: exec('HardPrune', 'a'), stateMachine: 'HardPrune', acquiredAt: '2026-11-30T03:00:00.000Z', expiresAt: '2026-11-30T03:10:00.000Z' } });
  });

  it('keeps the lock until its lease ends, then lets another take it over', async () => {
    await lock(() => T0, 600).acquire(exec('ImagePruner', 'old'));
    // The last second of the lease: still held.
    expect(await lock(() => T0 + 600_000).acquire(exec('ImagePruner', 'early'))).toMatchObject({ acquired: false });
    expect(await lock(() => T0 + 601_000).acquire(exec('Fsck', 'late'))).toMatchObject({ acquired: true });
    expect((await item())?.holder).toEqual({ S: exec('Fsck', 'late') });
    // The old holder's release (its execution ended at last) does not free the new holder's lock.
    expect(await lock(() => T0 + 602_000).release(exec('ImagePruner', 'old'))).toBe(false);
    expect((await item())?.holder).toEqual({ S: exec('Fsck', 'late') });
  });

  it('releases only for the holder; a release by another execution is a no-op', async () => {
    await lock().acquire(exec('ImagePruner', 'a'));
    expect(await lock().release(exec('ImagePruner', 'b'))).toBe(false);
    expect(await lock().acquire(exec('HardPrune', 'c'))).toMatchObject({ acquired: false });
    expect(await lock().release(exec('ImagePruner', 'a'))).toBe(true);
    expect(await item()).toBeUndefined();
    // Twice (the failure path and the EventBridge rule): the second finds nothing to release.
    expect(await lock().release(exec('ImagePruner', 'a'))).toBe(false);
    expect(await lock().acquire(exec('HardPrune', 'c'))).toMatchObject({ acquired: true });
  });

  it('gives the lock again to the execution holding it (a retried start task)', async () => {
    await lock(() => T0).acquire(exec('ImagePruner', 'a'));
    expect(await lock(() => T0 + 5000).acquire(exec('ImagePruner', 'a'))).toMatchObject({ acquired: true, lease: { execution: exec('ImagePruner', 'a') } });
  });

  it('refuses to take the lock without a lease, and names a table it cannot reach', async () => {
    await expect(new DynamoDbRunLock(db.client(), { tableName: table }).acquire(exec('ImagePruner', 'a'))).rejects.toMatchObject({ name: 'RunLockError', message: expect.stringMatching(/no lease/) });
    await expect(new DynamoDbRunLock(db.client(), { tableName: 'no-such-table', leaseSeconds: 60 }).acquire(exec('ImagePruner', 'a'))).rejects.toMatchObject({
      name: 'RunLockError',
      message: expect.stringMatching(/^run lock: cannot take the lock in table no-such-table: /),
    });
  });
});
