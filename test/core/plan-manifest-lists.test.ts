// "Which images stay", rule 5: manifest lists keep their children; a fully pruned list takes its
// children's manifests, links and blobs with it.
import { describe, expect, it } from 'vitest';
import { byDigest, image, layer, manifestList, pod, stream, type Item } from '../builders.js';
import { digests, link, links, planOf } from './plan-helpers.js';

/** A list L over children c1 and c2 (sharing layer `shared`), tagged weakly in ns/multi when keepTagRevisions is 0. */
function cluster(o: { listAge?: string; c1Managed?: boolean | null } = {}): Item[] {
  return [
    image('L', { children: ['c1', 'c2'], manifest: manifestList(['c1', 'c2']), age: o.listAge }),
    image('c1', { layers: [layer('a1', 100), layer('shared', 5)], metadataId: `sha256:${'c'.repeat(64)}`, managed: o.c1Managed }),
    image('c2', { layers: [layer('a2', 200), layer('shared', 5)] }),
    stream('ns', 'multi', { latest: ['L'] }),
  ];
}
const CFG = `sha256:${'c'.repeat(64)}`;

describe('manifest lists', () => {
  it('a list a pod runs keeps every child, although no child is referenced itself', () => {
    const plan = planOf([...cluster(), pod('ns', 'p', [byDigest('L', 'ns/multi')])], { keepTagRevisions: 0 });
    expect(plan.images).toEqual([]);
    expect(plan.blobs).toEqual([]);
    expect(plan.streamUpdates).toEqual([]);
  });

  it('a list kept by its stream history keeps every child', () => {
    expect(planOf(cluster()).images).toEqual([]);
  });

  it('a young list keeps its old children', () => {
    expect(planOf(cluster({ listAge: '10m' }), { keepTagRevisions: 0 }).images).toEqual([]);
  });

  it('a fully pruned list goes with its children: links, manifests and blobs', () => {
    const plan = planOf(cluster(), { keepTagRevisions: 0 });
    expect(plan.images).toEqual(digests('L', 'c1', 'c2'));
    expect(plan.streamUpdates).toEqual([
      { namespace: 'ns', name: 'multi', removed: [{ tag: 'latest', index: 0, image: digests('L')[0] }], removedTags: ['latest'] },
    ]);
    expect(plan.manifestLinks).toEqual(links(link('ns/multi', 'L'), link('ns/multi', 'c1'), link('ns/multi', 'c2')));
    // The list has no layers of its own; its deleted children's manifest links
    // go, and so do their layer and config links (docs/rules.md, "The plan").
    expect(plan.layerLinks).toEqual(links(link('ns/multi', 'a1'), link('ns/multi', 'a2'), link('ns/multi', 'shared'), { repository: 'ns/multi', digest: CFG }));
    expect(plan.blobs).toEqual([...digests('L', 'c1', 'c2', 'a1', 'a2', 'shared'), CFG].sort());
    expect(plan.bytesReclaimed).toBe(305);
  });

  it('a child that stays for its own reason keeps its manifest link and blobs', () => {
    const plan = planOf([...cluster(), pod('ns', 'p', [byDigest('c1')])], { keepTagRevisions: 0 });
    expect(plan.images).toEqual(digests('L', 'c2'));
    expect(plan.manifestLinks).toEqual(links(link('ns/multi', 'L'), link('ns/multi', 'c2')));
    // c1 keeps its manifest link in ns/multi, so the layer it shares with c2 stays linked there.
    expect(plan.layerLinks).toEqual([link('ns/multi', 'a2')]);
    expect(plan.blobs).toEqual(digests('L', 'c2', 'a2'));
    expect(plan.bytesReclaimed).toBe(200);
  });

  it('an unmanaged child is not deleted with its list', () => {
    const plan = planOf(cluster({ c1Managed: null }), { keepTagRevisions: 0 });
    expect(plan.images).toEqual(digests('L', 'c2'));
    expect(plan.manifestLinks).toEqual(links(link('ns/multi', 'L'), link('ns/multi', 'c2')));
  });

  it('children are kept transitively (a list of lists)', () => {
    const nested = (): Item[] => [
      image('outer', { children: ['inner'], manifest: manifestList(['inner'], 'ociIndex') }),
      image('inner', { children: ['leaf'], manifest: manifestList(['leaf'], 'ociIndex') }),
      image('leaf', { layers: ['l'] }),
    ];
    expect(planOf([...nested(), pod('ns', 'p', [byDigest('outer')])]).images).toEqual([]);
    expect(planOf(nested()).images).toEqual(digests('outer', 'inner', 'leaf'));
  });
});
