// The race guard's arithmetic: what both plans delete is carried out, with the
// re-check's stream positions; what the first plan deleted and the cluster took
// up meanwhile is spared, with why. Plans come from the real rules.
import { describe, expect, it } from 'vitest';
import { computePlan } from '../../shared/core/plan.js';
import type { Plan } from '../../shared/core/plan-types.js';
import { planItems } from '../../shared/workflow/compute-plan.js';
import type { PlanFiles } from '../../shared/workflow/recheck-intersect.js';
import { intersectPlans, WHY } from '../../shared/workflow/recheck-intersect.js';
import { byDigest, digest, image, layer, options, pod, rev, snapshot, stream, YOUNG, type Item } from '../builders.js';

// Four old images of ns/app, newest first d, c, b, a; each has its own layer and shares "base".
const IMAGES = ['a', 'b', 'c', 'd'].map((s, i) => image(s, { layers: [layer('base', 500), layer(`layer-${s}`, 1000 + i)] }));
const HISTORY = ['d', 'c', 'b', 'a'];
const OPTS = options({ keepTagRevisions: 2 });

function planOf(items: Item[]): Plan {
  return computePlan(snapshot(...items), OPTS);
}
function filesOf(plan: Plan): PlanFiles {
  const i = planItems(plan);
  return { layerLinks: i.layerLinks, blobs: i.blobs, manifests: i.manifests, streamUpdates: i.streamUpdates, images: i.images } as PlanFiles;
}
function recheck(firstItems: Item[], secondItems: Item[]) {
  const first = planOf(firstItems);
  const s2 = snapshot(...secondItems);
  return { first, second: computePlan(s2, OPTS), result: intersectPlans(filesOf(first), computePlan(s2, OPTS), s2) };
}

describe('the race guard\'s intersection', () => {
  const before: Item[] = [...IMAGES, stream('ns', 'app', { latest: HISTORY })];

  it('plans something (the fixture is meaningful): a and b go with their own layers', () => {
    const p = planOf(before);
    expect(p.images).toEqual([digest('a'), digest('b')].sort());
    expect(p.blobs).toContain(digest('layer-a'));
    expect(p.blobs).not.toContain(digest('base'));
  });

  it('an untouched cluster: the same plan is carried out, nothing spared', () => {
    const { first, result } = recheck(before, before);
    expect(result.carried).toEqual(filesOf(first));
    expect(result.bytesReclaimed).toBe(first.bytesReclaimed);
    for (const items of Object.values(result.spared)) expect(items).toEqual([]);
    expect(Object.values(result.recheckOnly)).toEqual([0, 0, 0, 0, 0]);
  });

  it('a pod that started on a planned image: the image, its own blobs and its manifest link are spared, the rest goes', () => {
    const { first, second, result } = recheck(before, [...before, pod('ns', 'late', [byDigest('b')])]);
    expect(first.images).toContain(digest('b'));
    expect(second.images).not.toContain(digest('b'));
    expect(result.carried.images).toEqual([{ name: digest('a') }]);
    expect(result.spared.images).toEqual([{ name: digest('b'), why: [WHY.image] }]);
    expect(result.carried.blobs.map((b) => b.digest)).not.toContain(digest('layer-b'));
    expect(result.carried.blobs.map((b) => b.digest)).toContain(digest('layer-a'));
    expect(result.spared.blobs).toContainEqual({ digest: digest('layer-b'), why: [WHY.imageUses(digest('b'))] });
    // Bytes count only what is carried out: a's layer (1000), not b's (1001).
    expect(result.bytesReclaimed).toBe(1000);
    // Every carried item is in both plans.
    const firstFiles = filesOf(first);
    for (const b of result.carried.blobs) expect(firstFiles.blobs).toContainEqual(b);
    for (const l of result.carried.manifests) expect(second.manifestLinks).toContainEqual(l);
  });

  it('revisions are matched by tag and image, not position: pushes since the plan move them, the re-check\'s positions are carried out', () => {
    // A young revision of d on top: c moves to index 2 (only the re-check removes it), b to 3, a to 4.
    const after: Item[] = [...IMAGES, stream('ns', 'app', { latest: [rev('d', YOUNG), ...HISTORY] })];
    const { first, result } = recheck(before, after);
    expect(first.streamUpdates[0].removed.map((r) => [r.index, r.image])).toEqual([[2, digest('b')], [3, digest('a')]]);
    expect(result.carried.streamUpdates).toEqual([
      { namespace: 'ns', name: 'app', removed: [{ tag: 'latest', index: 3, image: digest('b') }, { tag: 'latest', index: 4, image: digest('a') }], removedTags: [] },
    ]);
    // c: planned by the re-check only, not carried out; its links in ns/app stay.
    expect(result.recheckOnly.streamUpdates).toBe(1);
    expect(result.carried.images.map((i) => i.name)).toEqual([digest('a'), digest('b')].sort());
    expect(result.carried.manifests.map((l) => l.digest)).not.toContain(digest('c'));
    expect(Object.values(result.spared).flat()).toEqual([]);
  });

  it('a stream that gained an old revision of a planned image: the image, its blobs and links in that repository are spared', () => {
    const after: Item[] = [...IMAGES, stream('ns', 'app', { latest: HISTORY, restored: ['d', 'c', 'a'] })];
    const { second, result } = recheck(before, after);
    // The re-check alone would remove the new revision and still delete a.
    expect(second.images).toContain(digest('a'));
    expect(second.streamUpdates[0].removed).toContainEqual({ tag: 'restored', index: 2, image: digest('a') });
    const why = WHY.pinned('ns', 'app', 'restored', digest('a'));
    expect(result.carried.images).toEqual([{ name: digest('b') }]);
    expect(result.spared.images).toEqual([{ name: digest('a'), why: [why] }]);
    expect(result.carried.streamUpdates[0].removed.map((r) => r.tag)).toEqual(['latest', 'latest']);
    expect(result.carried.blobs.map((b) => b.digest)).not.toContain(digest('layer-a'));
    expect(result.spared.blobs).toContainEqual({ digest: digest('layer-a'), why: [why] });
    expect(result.spared.manifests).toContainEqual({ repository: 'ns/app', digest: digest('a'), why: [why] });
    expect(result.carried.layerLinks).not.toContainEqual({ repository: 'ns/app', digest: digest('layer-a') });
    expect(result.carried.layerLinks).toContainEqual({ repository: 'ns/app', digest: digest('layer-b') });
  });

  it('a stream that gained an old revision of a planned manifest list: the list, its images and their blobs all stay', () => {
    const lists: Item[] = [image('m', { children: ['m1', 'm2'] }), image('m1', { layers: ['layer-m1'] }), image('m2', { layers: ['layer-m2'] })];
    const { first, second, result } = recheck([...before, ...lists], [...IMAGES, ...lists, stream('ns', 'app', { latest: HISTORY, restored: ['d', 'c', 'm'] })]);
    for (const s of ['m', 'm1', 'm2']) {
      expect(first.images).toContain(digest(s));
      expect(second.images).toContain(digest(s));
      expect(result.carried.images).not.toContainEqual({ name: digest(s) });
    }
    expect(result.spared.images.map((i) => i.name).sort()).toEqual([digest('m'), digest('m1'), digest('m2')].sort());
    expect(result.carried.blobs.map((b) => b.digest)).not.toContain(digest('layer-m1'));
    expect(result.carried.manifests).not.toContainEqual({ repository: 'ns/app', digest: digest('m2') });
    // What the first plan and the re-check agree on still goes.
    expect(result.carried.images.map((i) => i.name).sort()).toEqual([digest('a'), digest('b')].sort());
  });

  it('a revision gone since the plan, and a stream deleted since: reported as spared, saying so', () => {
    const trimmed: Item[] = [...IMAGES, stream('ns', 'app', { latest: ['d', 'c', 'b'] })];
    const gone = recheck(before, trimmed).result.spared.streamUpdates;
    expect(gone).toEqual([{ namespace: 'ns', name: 'app', tag: 'latest', image: digest('a'), index: 3, why: [WHY.revisionGone('ns', 'app', 'latest')] }]);
    const deleted = recheck(before, [...IMAGES]).result.spared.streamUpdates;
    expect(deleted.map((r) => r.why)).toEqual([[WHY.streamGone('ns', 'app')], [WHY.streamGone('ns', 'app')]]);
  });

  it('uses the re-check\'s own reasons for a spared image when the plan carries them', () => {
    const s2 = snapshot(...before, pod('ns', 'late', [byDigest('b')]));
    const second = computePlan(s2, OPTS);
    second.reasons = { images: [{ image: digest('b'), verdict: 'stays', reasons: ['stays: Pod ns/late spec.containers[0].image references it by digest'] }], revisions: [] };
    const result = intersectPlans(filesOf(planOf(before)), second, s2);
    expect(result.spared.images).toEqual([{ name: digest('b'), why: ['stays: Pod ns/late spec.containers[0].image references it by digest'] }]);
  });
});
