// "Re-check the plan" as a task: its lists, the files it writes, the state it
// returns (keys and counts only) and the report section built from it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getJson } from '../../shared/adapters/artifacts/artifact-store.js';
import { writeSnapshotChunks } from '../../shared/workflow/snapshot-chunks.js';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import { computePrunePlan } from '../../shared/workflow/compute-plan.js';
import type { CollectResult, PlanResult, RunContext } from '../../shared/workflow/contracts.js';
import { runKeys } from '../../shared/workflow/contracts.js';
import { parseRecheckEvent } from '../../shared/workflow/events.js';
import type { SparedFile } from '../../shared/workflow/recheck-plan.js';
import { recheckLists, recheckPlan } from '../../shared/workflow/recheck-plan.js';
import { recheckReport } from '../../shared/workflow/recheck-report.js';
import { byDigest, digest, image, list, NOW, pod, stream, type Item } from '../builders.js';

const RUN: RunContext = {
  runId: 'r1',
  executionId: 'local:r1',
  options: { confirm: true, keepTagRevisions: 1, keepYoungerThan: '60m', all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: false, pruneRegistry: true, numWorkers: 10, now: NOW.toISOString() },
};
// Twenty old images in one tag; keeping one revision plans nineteen.
const SEEDS = Array.from({ length: 20 }, (_, i) => `img-${String(i).padStart(2, '0')}`);
const IMAGES = SEEDS.map((s) => image(s, { layers: [s.replace('img', 'layer')] }));
const STREAM = stream('ns', 'app', { latest: SEEDS });

describe('Re-check the plan, the task', () => {
  let dir: string;
  let store: LocalFolderArtifacts;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recheck-task-'));
    store = new LocalFolderArtifacts(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes each group's list where a collect would and returns its results. */
  async function collect(groups: Record<string, Item[]>, again: boolean): Promise<CollectResult[]> {
    const out: CollectResult[] = [];
    for (const [group, items] of Object.entries(groups)) {
      const g = group as CollectResult['group'];
      const key = again ? runKeys.recheckSnapshot(RUN.runId, g) : runKeys.snapshot(RUN.runId, g);
      const { chunks } = await writeSnapshotChunks(store, key, list(...items).items);
      out.push({ group: g, key, chunks, count: items.length });
    }
    return out;
  }

  it('plans with the first Images list and the lists read again; writes the files to carry out and spared.json; only counts go back', async () => {
    const collected = await collect({ images: IMAGES, imagestreams: [STREAM], pods: [], workloads: [], builds: [] }, false);
    const plan = await computePrunePlan({ run: RUN, collected }, store);
    expect(plan.counts.images).toBe(19);
    // Meanwhile three pods started on planned images; an Image list read again would be ignored.
    const taken = SEEDS.slice(5, 8);
    const recollected = await collect({ imagestreams: [STREAM], pods: taken.map((s, i) => pod('ns', `late-${i}`, [byDigest(s)])), workloads: [], builds: [] }, true);
    const event = parseRecheckEvent({ run: RUN, collected, recollected, plan, extra: 'the whole state is passed' });
    const result: PlanResult = await recheckPlan(event, store);

    expect(result.counts.images).toBe(16);
    expect(result.keys.images).toBe(runKeys.recheckPlan(RUN.runId, 'images'));
    expect(result.recheck).toEqual({
      firstPlan: plan.counts,
      spared: expect.objectContaining({ images: 3, blobs: 6 }),
      recheckOnly: { layerLinks: 0, blobs: 0, manifests: 0, streamUpdates: 0, images: 0 },
      sparedKey: runKeys.spared(RUN.runId),
    });
    expect(JSON.stringify(result).length).toBeLessThan(2000);
    const carried = await getJson<{ name: string }[]>(store, result.keys.images);
    for (const s of taken) expect(carried).not.toContainEqual({ name: digest(s) });
    // The first plan's files are kept as they were.
    expect(await getJson<unknown[]>(store, plan.keys.images)).toHaveLength(19);
    const spared = await getJson<SparedFile>(store, result.recheck!.sparedKey);
    expect(spared.items.images.map((i) => i.name).sort()).toEqual(taken.map(digest).sort());

    // The report lists them up to the cap, and counts them all.
    const section = await recheckReport(result.recheck!, store, 2);
    expect(section.items.images).toHaveLength(2);
    expect(section.spared.images).toBe(3);
    expect(section.sparedTotal).toBe(Object.values(result.recheck!.spared).reduce((a, b) => a + b, 0));
  });

  it('counts a stream split into parts (items over 64 KiB) as one stream, as the first plan does', async () => {
    // 700 revisions of one tag: its update is well over one 64 KiB item.
    const seeds = Array.from({ length: 700 }, (_, i) => `big-${String(i).padStart(3, '0')}`);
    const big = stream('ns', 'big', { latest: seeds });
    const collected = await collect({ images: seeds.map((s) => image(s)), imagestreams: [big], pods: [], workloads: [], builds: [] }, false);
    const plan = await computePrunePlan({ run: RUN, collected }, store);
    expect((await getJson<unknown[]>(store, plan.keys.streamUpdates)).length).toBeGreaterThan(1);
    expect(plan.counts.streamUpdates).toBe(1);
    const recollected = await collect({ imagestreams: [big], pods: [], workloads: [], builds: [] }, true);
    const result = await recheckPlan(parseRecheckEvent({ run: RUN, collected, recollected, plan }), store);
    expect(result.counts).toEqual(plan.counts);
    expect(result.recheck?.spared).toEqual({ layerLinks: 0, blobs: 0, manifests: 0, streamUpdates: 0, images: 0 });
    // What is carried out is cut into items like the first plan's, each within the item limit.
    const carried = await getJson<unknown[]>(store, result.keys.streamUpdates);
    expect(carried).toEqual(await getJson<unknown[]>(store, plan.keys.streamUpdates));
    for (const item of carried) expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThanOrEqual(64 * 1024);
  });

  it('refuses lists that were not all read again, naming them, and a run without images', () => {
    const r = (group: CollectResult['group']): CollectResult => ({ group, key: `k/${group}`, chunks: 0, count: 0 });
    expect(() => recheckLists([r('images'), r('pods'), r('builds')], [r('pods')])).toThrow('event.recollected: builds not read again');
    expect(() => recheckLists([r('pods')], [r('pods')])).toThrow(/event\.collected: has no images group/);
    expect(recheckLists([r('images'), r('pods')], [r('pods'), r('images')]).map((c) => c.key)).toEqual(['k/images', 'k/pods']);
  });
});
