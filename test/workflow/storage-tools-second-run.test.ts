// HardPrune and Fsck refuse to run twice, like the prune workflow: the start
// task of each, through its Lambda handler, asks whether another execution of
// its state machine is running (here the local run lock, the same
// RunningExecutions port the Step Functions lister implements) and stops with
// ConcurrentRunError, before any run id or artifact exists.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FSCK_TASKS, HARD_PRUNE_TASKS } from '../../shared/workflow/tables/storage-tools.js';
import { ERROR } from '../../shared/workflow/contracts.js';
import type { StartResult } from '../../shared/workflow/storage-tools/contracts.js';
import { fakeContext, harness, type Harness } from '../functions/harness.js';

const startEvent = (name: string, input: unknown = {}) => ({ input, executionId: `arn:aws:states:eu-west-1:1:execution:Tool:${name}`, executionName: name, startTime: '2026-11-24T00:00:00.000Z' });
const call = (h: (e: unknown, c: never) => Promise<unknown>, e: unknown) => h(e, fakeContext() as never) as Promise<StartResult>;

describe.each([
  ['HardPrune', HARD_PRUNE_TASKS.start],
  ['Fsck', FSCK_TASKS.start],
] as const)('the %s start task', (_machine, task) => {
  let h: Harness;
  const start = (event: unknown, context: never) => h.handler(task)(event, context);
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.lock.release();
    await h.stop();
  });

  it('starts when no other execution is running', async () => {
    const r = await call(start, startEvent('first'));
    expect(r.run.executionId).toBe(startEvent('first').executionId);
  });

  it('refuses a second execution while the first runs, naming the first', async () => {
    await call(start, startEvent('first'));
    const second = call(start, startEvent('second'));
    await expect(second).rejects.toMatchObject({ name: ERROR.concurrentRun });
    await expect(second).rejects.toThrow(/execution:Tool:first/);
  });

  it('starts again once the first execution ended', async () => {
    await call(start, startEvent('first'));
    await h.lock.release();
    await expect(call(start, startEvent('second'))).resolves.toMatchObject({ run: { executionId: startEvent('second').executionId } });
  });

  it('names a bad input field before asking about other executions', async () => {
    await call(start, startEvent('first'));
    await expect(call(start, startEvent('second', { confrim: true }))).rejects.toMatchObject({ name: ERROR.invalidInput, message: expect.stringContaining('"confrim"') });
  });
});
