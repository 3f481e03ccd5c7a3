// Each handler through middy with a fake context: event in, small output out,
// artifacts written; a malformed event is a named error, not a crash inside.
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PRUNE_TASKS as T } from '../../shared/workflow/tables/prune.js';
import { SnapshotClusterReader } from '../../cli/local-run/snapshot-reader.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import { RESOURCE_GROUPS } from '../../shared/core/kinds.js';
import type { CollectResult, PlanResult, Report, RunContext } from '../../shared/workflow/contracts.js';
import { fakeContext, handlersOf, harness, runContext, type Harness } from './harness.js';

const example = snapshotFromList(JSON.parse(await readFile(new URL('../../examples/cluster.json', import.meta.url), 'utf8')));

describe('Lambda handlers with a fake context', () => {
  let h: Harness;
  const lambda = handlersOf(T, () => h);
  beforeEach(async () => {
    h = await harness();
    h.bind({ cluster: new SnapshotClusterReader(example) });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('refuse-second-run validates the input, fills defaults from the stack, names the run and takes the run lock', async () => {
    const out = (await lambda.refuseSecondRun(
      { input: { confirm: true }, executionId: 'arn:aws:states:eu-west-1:1:execution:sm:first', executionName: 'first', startTime: '2026-11-24T07:00:00.123Z' },
      fakeContext(),
    )) as { run: RunContext };
    expect(out).toEqual({
      run: {
        runId: '20261124T070000Z-first',
        executionId: 'arn:aws:states:eu-west-1:1:execution:sm:first',
        options: { confirm: true, keepTagRevisions: 5, keepYoungerThan: '60m', all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: false, pruneRegistry: true, numWorkers: 10, now: '2026-11-24T07:00:00.123Z' },
      },
    });
  });

  it.each([
    [{ input: { confrim: true }, executionId: 'e', executionName: 'n', startTime: '2026-11-24T07:00:00Z' }, /unknown field "confrim"/],
    [{ input: { keepTagRevisions: -1 }, executionId: 'e', executionName: 'n', startTime: '2026-11-24T07:00:00Z' }, /^execution input.keepTagRevisions: must be a whole number >= 0$/],
    [{ input: { keepYoungerThan: 'soon' }, executionId: 'e', executionName: 'n', startTime: '2026-11-24T07:00:00Z' }, /keepYoungerThan/],
    [{ input: {}, executionName: 'n', startTime: '2026-11-24T07:00:00Z' }, /event.executionId/],
  ])('refuse-second-run rejects a malformed event naming the field (%#)', async (event, message) => {
    await expect(lambda.refuseSecondRun(event, fakeContext())).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(message) });
  });

  it('collect, plan and report carry a dry run through artifacts with only keys and counts in between', async () => {
    const run = runContext();
    const collected: CollectResult[] = [];
    for (const group of RESOURCE_GROUPS) collected.push((await lambda.collect({ run, group }, fakeContext())) as CollectResult);
    expect(Object.fromEntries(collected.map((c) => [c.group, c.count]))).toEqual({ images: 31, imagestreams: 6, pods: 7, workloads: 4, builds: 3 });
    const plan = (await lambda.computePlan({ run, collected }, fakeContext())) as PlanResult;
    expect(plan.keys.images).toBe(`runs/${run.runId}/plan/images.json`);
    const images = JSON.parse((await h.artifacts.get(plan.keys.images)).toString()) as { name: string }[];
    expect(images.length).toBe(plan.counts.images);
    expect(images.length).toBeGreaterThan(0);
    const report = (await lambda.report({ run, collected, plan }, fakeContext())) as Report;
    expect(report).toMatchObject({ status: 'succeeded', mode: 'dry-run', plan: plan.counts, reportKey: `runs/${run.runId}/report.json` });
    expect(JSON.parse((await h.artifacts.get(report.reportKey)).toString())).toEqual(report);
  });

  it('a batch handler carries out every item and returns counts', async () => {
    const out = await lambda.deleteImages({ Items: [{ name: 'sha256:aa' }, { name: 'sha256:bb' }], BatchInput: { runId: 'r1', kind: 'images' } }, fakeContext());
    expect(out).toEqual({ kind: 'images', done: 2, gone: 0 });
    expect(h.lines).toEqual(['would delete image sha256:aa', 'would delete image sha256:bb']);
  });

  it.each([
    [{ Items: [{ digest: 'sha256:aa' }], BatchInput: { runId: 'r1', kind: 'images' } }, /BatchInput.kind: expected "blobs"/],
    [{ Items: 'x', BatchInput: { runId: 'r1', kind: 'blobs' } }, /event.Items: must be a list/],
    [{ Items: [{ name: 'x' }], BatchInput: { runId: 'r1', kind: 'blobs' } }, /event.Items\[0\].digest/],
  ])('a batch handler rejects a malformed batch naming the field (%#)', async (event, message) => {
    await expect(lambda.deleteBlobs(event, fakeContext())).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(message) });
  });

  it('check-health needs a run context', async () => {
    await expect(lambda.checkHealth({}, fakeContext())).rejects.toMatchObject({ name: 'InvalidInputError' });
    await expect(lambda.checkHealth({ run: runContext() }, fakeContext())).resolves.toEqual({ healthy: true });
  });

  it('check-health asks nothing of a registry with pruneRegistry false (docs/rules.md, "Carrying it out")', async () => {
    const asked: string[] = [];
    const refuse = (what: string) => () => {
      asked.push(what);
      return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1'));
    };
    h.bind({ registry: { checkHealth: refuse('health'), deleteManifest: refuse('manifest'), deleteLayerLink: refuse('layer link') }, blobs: { checkBlobDelete: refuse('blob delete'), deleteBlob: refuse('blob') } });
    await expect(lambda.checkHealth({ run: runContext({ pruneRegistry: false }) }, fakeContext())).resolves.toEqual({ skipped: true });
    expect(asked).toEqual([]);
    // The same ports fail the check when the registry is pruned: the skip is the option's doing.
    await expect(lambda.checkHealth({ run: runContext() }, fakeContext())).rejects.toMatchObject({ name: 'RegistryUnhealthyError' });
    expect(asked).toEqual(['health']);
  });
});
