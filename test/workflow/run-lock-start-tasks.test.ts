// One run at a time on a registry, over the three state machines: the start
// task of each (through its Lambda handler) takes the same run lock (here the
// local lock of shared/workflow/run-lock.ts's port; the DynamoDB one is
// tested in test/functions/dynamodb-run-lock.test.ts). A start that finds the
// lock held ends skipped, naming the holder, before any run id or artifact
// exists; the release task frees it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PRUNE_TASKS } from '../../shared/workflow/tables/prune.js';
import { RUN_LOCK_TASKS } from '../../shared/workflow/tables/run-lock.js';
import { FSCK_TASKS, HARD_PRUNE_TASKS } from '../../shared/workflow/tables/storage-tools.js';
import { ERROR } from '../../shared/workflow/contracts.js';
import type { Skipped } from '../../shared/workflow/run-lock.js';
import { fakeContext, harness, type Harness } from '../functions/harness.js';

const arn = (machine: string, name: string) => `arn:aws:states:eu-west-1:1:execution:${machine}:${name}`;
const startEvent = (machine: string, name: string, input: unknown = {}) => ({ input, executionId: arn(machine, name), executionName: name, startTime: '2026-11-24T00:00:00.000Z' });

const STARTS = [
  ['ImagePruner', PRUNE_TASKS.refuseSecondRun],
  ['HardPrune', HARD_PRUNE_TASKS.start],
  ['Fsck', FSCK_TASKS.start],
] as const;

describe.each(STARTS)('the %s start task', (machine, task) => {
  let h: Harness;
  const start = (event: unknown) => h.handler(task)(event, fakeContext()) as Promise<{ run?: { executionId: string } } & Partial<Skipped>>;
  const release = (executionId: string) => h.handler(RUN_LOCK_TASKS.release)({ executionId }, fakeContext()) as Promise<{ released: boolean }>;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it('starts when nobody holds the lock', async () => {
    const r = await start(startEvent(machine, 'first'));
    expect(r.run?.executionId).toBe(arn(machine, 'first'));
    expect(r.skipped).toBeUndefined();
  });

  it('skips a second execution while the first holds the lock, naming the first', async () => {
    await start(startEvent(machine, 'first'));
    const second = await start(startEvent(machine, 'second'));
    expect(second.run).toBeUndefined();
    expect(second.skipped).toMatchObject({ status: 'skipped', heldBy: { execution: arn(machine, 'first'), stateMachine: machine } });
    expect(second.skipped?.reason).toMatch(new RegExp(`^another run holds the lock: ${arn(machine, 'first')}, since \\d{4}-\\d{2}-\\d{2}T`));
    // Nothing of the second run exists.
    expect(await h.artifacts.list('runs/')).toEqual([]);
  });

  it('skips it whichever of the three state machines holds the lock', async () => {
    for (const [other, otherTask] of STARTS) {
      if (other === machine) continue;
      await h.handler(otherTask)(startEvent(other, 'holder'), fakeContext());
      expect((await start(startEvent(machine, 'mine'))).skipped?.heldBy.stateMachine).toBe(other);
      expect(await release(arn(other, 'holder'))).toEqual({ released: true });
    }
  });

  it('starts again once the first released the lock; a release by another execution changes nothing', async () => {
    await start(startEvent(machine, 'first'));
    expect(await release(arn(machine, 'someone-else'))).toEqual({ released: false });
    expect((await start(startEvent(machine, 'second'))).skipped).toBeDefined();
    expect(await release(arn(machine, 'first'))).toEqual({ released: true });
    expect(await release(arn(machine, 'first'))).toEqual({ released: false });
    expect((await start(startEvent(machine, 'second'))).run?.executionId).toBe(arn(machine, 'second'));
  });

  it('takes the lock again for the execution that holds it (a retried start task)', async () => {
    await start(startEvent(machine, 'first'));
    expect((await start(startEvent(machine, 'first'))).run?.executionId).toBe(arn(machine, 'first'));
  });

  it('names a bad input field before asking for the lock', async () => {
    await start(startEvent(machine, 'first'));
    await expect(start(startEvent(machine, 'second', { confrim: true }))).rejects.toMatchObject({ name: ERROR.invalidInput, message: expect.stringContaining('"confrim"') });
  });
});
