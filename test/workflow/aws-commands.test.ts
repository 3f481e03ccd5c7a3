// `start` and `history` up to the point where they would call AWS: flags, the
// state machine ARN, and how one history line reads.
import { describe, expect, it } from 'vitest';
import { historyLine } from '../../cli/commands/history.js';
import { stateMachineArn } from '../../cli/commands/start.js';
import { cli } from './fixture.js';

describe('image-pruner start and history', () => {
  it.each([
    [['start'], /no state machine: pass --state-machine ARN or set IMAGE_PRUNER_STATE_MACHINE_ARN/],
    [['start', '--state-machine', 'arn:aws:lambda:eu-west-1:123456789012:function:x'], /is not a state machine ARN/],
    [['start', '--state-machine', 'arn:aws:states:eu-west-1:123456789012:stateMachine:P', '--keep-tag-revisions', 'x'], /--keep-tag-revisions: "x"/],
    [['history', '--limit', '0', '--state-machine', 'arn:aws:states:eu-west-1:123456789012:stateMachine:P'], /--limit: "0"/],
    [['history'], /no state machine/],
  ])('refuses %j with exit status 2 before calling AWS', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('takes the ARN from the environment when the flag is absent', () => {
    const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:ImagePruner-1';
    expect(stateMachineArn(undefined, { IMAGE_PRUNER_STATE_MACHINE_ARN: arn })).toBe(arn);
  });

  it('a history line shows status, start, duration and the report totals', () => {
    const line = historyLine(
      { name: 'nightly', status: 'SUCCEEDED', startDate: new Date('2026-11-01T03:00:00Z'), stopDate: new Date('2026-11-01T03:04:05Z') },
      {
        runId: 'r',
        executionId: 'e',
        status: 'succeeded',
        mode: 'confirmed',
        options: { confirm: true, keepTagRevisions: 3, keepYoungerThan: '60m', all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: false, pruneRegistry: true, numWorkers: 10, now: '2026-11-01T03:00:00Z' },
        collected: {},
        plan: { images: 12, streamUpdates: 2, removedRevisions: 12, manifestLinks: 12, layerLinks: 30, blobs: 40, bytesReclaimed: 1234, warnings: 0 },
        carriedOut: { images: { done: 11, gone: 1 } },
        reportKey: 'runs/r/report.json',
      },
    );
    expect(line).toBe('SUCCEEDED  2026-11-01T03:00:00.000Z      4m5s  nightly  confirmed: plan 12 images, 40 blobs, 1.2 KiB; deleted 12 images');
  });
});
