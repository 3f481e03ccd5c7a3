// `pruneRegistry` false (docs/rules.md, "The plan"): only the cluster's objects
// change; the plan holds no manifest link, layer link or blob, and reclaims 0 bytes.
import { describe, expect, it } from 'vitest';
import { image, layer, manifestList, stream } from '../builders.js';
import { limitRange, planOf, sized, type PlanItem } from './plan-helpers.js';

const clusters: Array<[string, () => PlanItem[], Record<string, unknown>]> = [
  [
    'a trimmed history with deleted images',
    () => [image('a', { layers: [layer('l1', 10)] }), image('b', { layers: [layer('l2', 20)] }), image('c', { layers: [layer('l2', 20), layer('l3', 30)] }), stream('ns', 'app', { latest: ['a', 'b', 'c'] })],
    { keepTagRevisions: 1 },
  ],
  [
    'a manifest list and its children',
    () => [image('L', { children: ['c1'], manifest: manifestList(['c1']) }), image('c1', { layers: [layer('x', 5)] }), stream('ns', 'multi', { latest: ['L'] })],
    { keepTagRevisions: 0 },
  ],
  [
    'over-size mode',
    () => [sized(image('big', { layers: [layer('huge', 900)] }), 900), stream('ns', 'app', { latest: ['big'] }), limitRange('ns', 'l', ['100'])],
    { pruneOverSizeLimit: true },
  ],
];

describe('pruneRegistry false', () => {
  it.each(clusters)('%s: same images and stream updates, nothing for the registry', (_why, items, o) => {
    const withRegistry = planOf(items(), o);
    // the cluster must give the registry something to do, or the test proves nothing
    expect(withRegistry.manifestLinks.length + withRegistry.layerLinks.length + withRegistry.blobs.length).toBeGreaterThan(0);
    expect(withRegistry.bytesReclaimed).toBeGreaterThan(0);
    const without = planOf(items(), { ...o, pruneRegistry: false });
    expect(without).toEqual({ ...withRegistry, manifestLinks: [], layerLinks: [], blobs: [], bytesReclaimed: 0 });
  });
});
