// The storage tools' Lambda handlers through middy with a fake context: each
// passes its event to its task function with the container's adapters (here a
// local artifacts folder, a snapshot cluster and filesystem storage), and a
// malformed event is an InvalidInputError naming the field.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FSCK_TASKS as F, HARD_PRUNE_TASKS as H } from '../../shared/workflow/tables/storage-tools.js';
import { SnapshotClusterReader } from '../../cli/local-run/snapshot-reader.js';
import { openRegistryStorage } from '../../shared/adapters/storage/index.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import type { StartResult } from '../../shared/workflow/storage-tools/contracts.js';
import { STORAGE_TOOL_GROUPS } from '../../shared/workflow/storage-tools/contracts.js';
import type { HardPruneRunReport } from '../../shared/workflow/storage-tools/hard-prune.js';
import type { FsckRunReport } from '../../shared/workflow/storage-tools/fsck.js';
import { fakeContext, handlersOf, harness, type Harness } from '../functions/harness.js';

const example = snapshotFromList(JSON.parse(await readFile(new URL('../../examples/cluster.json', import.meta.url), 'utf8')));
const startEvent = (input: unknown) => ({ input, executionId: 'arn:aws:states:eu-west-1:1:execution:HardPrune:h1', executionName: 'h1', startTime: '2026-11-24T00:00:00.000Z' });
const call = <R>(h: (e: unknown, c: never) => Promise<unknown>, e: unknown) => h(e, fakeContext() as never) as Promise<R>;

describe('storage-tool handlers with a fake context', () => {
  let h: Harness;
  const hp = handlersOf(H, () => h);
  const fk = handlersOf(F, () => h);
  beforeEach(async () => {
    h = await harness();
    // An empty registry root: the handlers' wiring is under test, the sweep's decisions are tested elsewhere.
    const root = join(h.dir, 'registry');
    await mkdir(join(root, 'docker/registry/v2/blobs/sha256'), { recursive: true });
    h.bind({ cluster: new SnapshotClusterReader(example), storage: openRegistryStorage(`file://${root}`) });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('carry a hard prune from start to report, writing the report into the run folder', async () => {
    const start = await call<StartResult>(hp.start, startEvent({}));
    const collected = await Promise.all(STORAGE_TOOL_GROUPS.map((group) => call(hp.collect, { run: start.run, group })));
    const mark = await call<{ keys: { prefixes: string }; counts: { images: number } }>(hp.mark, { ...start, collected });
    expect(mark.counts.images).toBeGreaterThan(0);
    const prefixes = JSON.parse((await h.artifacts.get(mark.keys.prefixes)).toString()) as { prefix: string }[];
    expect(prefixes).toHaveLength(256);
    const batchInput = { run: start.run, tool: start.tool };
    expect(await call(hp.sweepBlobs, { Items: prefixes.slice(0, 8), BatchInput: batchInput })).toEqual({ prefixes: 8, deleted: 0, young: 0, failed: 0 });
    const listed = await call<{ count: number }>(hp.listRepositories, batchInput);
    expect(listed.count).toBe(0);
    const report = await call<HardPruneRunReport>(hp.report, { ...start, collected, mark, repositories: listed });
    expect(report).toMatchObject({ status: 'succeeded', mode: 'dry-run', report: { confirm: false, blobs: { deleted: 0 }, marked: { images: mark.counts.images } } });
    expect(JSON.parse((await h.artifacts.get(report.reportKey)).toString())).toMatchObject({ status: 'succeeded' });
  });

  it('carry an fsck from start to report', async () => {
    const start = await call<StartResult>(fk.start, startEvent({}));
    const collected = await Promise.all(STORAGE_TOOL_GROUPS.map((group) => call(hp.collect, { run: start.run, group })));
    const expected = await call<{ keys: { prefixes: string }; counts: { prefixes: number } }>(fk.expect, { ...start, collected });
    const prefixes = JSON.parse((await h.artifacts.get(expected.keys.prefixes)).toString()) as { prefix: string }[];
    expect(prefixes.length).toBe(expected.counts.prefixes);
    await call(fk.checkBlobs, { Items: prefixes, BatchInput: { ...start, collected } });
    const report = await call<FsckRunReport>(fk.report, { ...start, collected, expected });
    // Empty storage: every blob the managed images need is missing.
    expect(report.report?.missingBlobs.length).toBeGreaterThan(0);
  });

  it('carry an fsck with confirm through the recover task to a report that says it recovered', async () => {
    const creations: string[] = [];
    h.bind({
      clusterCreator: {
        createImage: async (i: { metadata: { name: string } }) => (creations.push(i.metadata.name), 'created'),
        createImageStream: async (ns: string, n: string) => (creations.push(`${ns}/${n}`), 'created'),
        createImageStreamMapping: async () => undefined,
      },
    });
    const start = await call<StartResult>(fk.start, startEvent({ confirm: true }));
    expect(start.tool.confirm).toBe(true);
    const collected = await Promise.all(STORAGE_TOOL_GROUPS.map((group) => call(hp.collect, { run: start.run, group })));
    const expected = await call<{ keys: { prefixes: string } }>(fk.expect, { ...start, collected });
    // Empty storage holds no repository, so nothing is lost and nothing is written.
    const recovered = await call<{ key: string; recovered: number; failed: number }>(fk.recover, { ...start, collected });
    expect(recovered).toMatchObject({ recovered: 0, failed: 0 });
    expect(creations).toEqual([]);
    // The one missing Image's manifest is not in storage either: reported, nothing recreated.
    expect(JSON.parse((await h.artifacts.get(recovered.key)).toString())).toEqual({
      lostManifests: [],
      missingImages: [expect.objectContaining({ kind: 'missing-image', manifestInStorage: false })],
      missingLinks: [],
    });
    const report = await call<FsckRunReport>(fk.report, { ...start, collected, expected, recovered });
    expect(report.report?.recover).toBe(true);
  });

  it('the recover task refuses a run without confirm', async () => {
    const start = await call<StartResult>(fk.start, startEvent({}));
    const collected = await Promise.all(STORAGE_TOOL_GROUPS.map((group) => call(hp.collect, { run: start.run, group })));
    await expect(call(fk.recover, { ...start, collected })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(/event.tool.confirm/) });
  });

  it.each([
    ['start', hp.start, { input: {} }, /event.executionId/],
    ['mark', hp.mark, {}, /event.run/],
    ['sweep blobs', hp.sweepBlobs, { Items: 'all' }, /event.Items: must be a list/],
    ['list repositories', hp.listRepositories, { run: 1 }, /event.run/],
    ['sweep repositories', hp.sweepRepositories, { Items: [] }, /event.BatchInput/],
    ['report', hp.report, {}, /event.run/],
    ['fsck start', fk.start, { input: { recover: true }, executionId: 'x', executionName: 'x', startTime: '2026-01-01T00:00:00Z' }, /unknown field "recover"/],
    ['fsck expectations', fk.expect, {}, /event.run/],
    ['fsck blobs', fk.checkBlobs, { Items: [] }, /event.BatchInput/],
    ['fsck repositories', fk.checkRepositories, { Items: [{ repository: '' }], BatchInput: {} }, /event.BatchInput.run/],
    ['fsck report', fk.report, { run: {} }, /event.run.runId/],
    ['fsck recover', fk.recover, { tool: {} }, /event.run/],
  ] as const)('%s names the field of a malformed event', async (_, handler, event, message) => {
    await expect(call(handler as never, event)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(message) });
  });
});
