// `namespace` (docs/rules.md): only that namespace's streams are trimmed, no
// image is deleted (rule 6 of "Which images stay"), and references are still
// read from every namespace.
import { describe, expect, it } from 'vitest';
import { byDigest, image, layer, pod, stream, workload } from '../builders.js';
import { InvalidInputError } from '../../shared/core/errors.js';
import { resolvePlanOptions } from '../../shared/core/plan.js';
import { link, links, planOf, removed, type PlanItem } from './plan-helpers.js';

const cluster = (): PlanItem[] => [
  image('a1', { layers: [layer('base', 10), layer('a1-only', 20)] }),
  image('a2', { layers: [layer('base', 10), layer('a2-only', 30)] }),
  image('b1'),
  image('b2'),
  image('orphan', { layers: [layer('orphan-only', 40)] }),
  stream('a', 'app', { latest: ['a1', 'a2'] }),
  stream('b', 'app', { latest: ['b1', 'b2'] }),
];

describe('namespace mode', () => {
  it('trims only the streams of that namespace, and deletes no image, not even one no stream holds', () => {
    const plan = planOf(cluster(), { namespace: 'a', keepTagRevisions: 1 });
    expect(plan.streamUpdates).toEqual([{ namespace: 'a', name: 'app', removed: [removed('latest', 1, 'a2')], removedTags: [] }]);
    expect(plan.images).toEqual([]);
    expect(plan.blobs).toEqual([]);
    expect(plan.bytesReclaimed).toBe(0);
  });

  it("unlinks from that namespace's repositories what their histories lose", () => {
    const plan = planOf(cluster(), { namespace: 'a', keepTagRevisions: 1 });
    expect(plan.manifestLinks).toEqual([link('a/app', 'a2')]);
    expect(plan.layerLinks).toEqual([link('a/app', 'a2-only')]);
  });

  it('without it, the same cluster trims every namespace and deletes images', () => {
    const plan = planOf(cluster(), { keepTagRevisions: 1 });
    expect(plan.streamUpdates.map((u) => `${u.namespace}/${u.name}`)).toEqual(['a/app', 'b/app']);
    expect(plan.images.length).toBe(3);
  });

  const elsewhere: Array<[string, PlanItem]> = [
    ['a pod in another namespace, by digest through the stream', pod('b', 'p', [byDigest('a2', 'a/app')])],
    ['a Deployment in another namespace, by digest through the stream', workload('Deployment', 'b', 'd', [byDigest('a2', 'a/app')])],
  ];
  it.each(elsewhere)('reads references from every namespace: %s keeps the revision (oc reads only the namespace\'s own)', (_why, referrer) => {
    const plan = planOf([...cluster(), referrer], { namespace: 'a', keepTagRevisions: 1 });
    expect(plan.streamUpdates).toEqual([]);
    expect(plan.manifestLinks).toEqual([]);
  });

  it('reads tag references from every namespace too', () => {
    const plan = planOf([...cluster(), pod('b', 'p', ['a/app:latest'])], { namespace: 'a', keepTagRevisions: 0 });
    expect(plan.streamUpdates).toEqual([{ namespace: 'a', name: 'app', removed: [removed('latest', 1, 'a2')], removedTags: [] }]);
  });

  it('still keeps young streams', () => {
    const plan = planOf([image('y1'), image('y2'), stream('a', 'young', { latest: ['y1', 'y2'] }, { age: '5m' })], { namespace: 'a', keepTagRevisions: 0 });
    expect(plan.streamUpdates).toEqual([]);
  });

  it('a namespace without streams changes nothing', () => {
    const plan = planOf(cluster(), { namespace: 'empty', keepTagRevisions: 0 });
    expect(plan).toEqual({ images: [], streamUpdates: [], manifestLinks: [], layerLinks: [], blobs: [], bytesReclaimed: 0, warnings: [] });
  });

  it('two streams of the namespace are both trimmed, each in its own repository', () => {
    const plan = planOf([...cluster(), stream('a', 'web', { latest: ['b1', 'a2'] })], { namespace: 'a', keepTagRevisions: 1 });
    expect(plan.manifestLinks).toEqual(links(link('a/app', 'a2'), link('a/web', 'a2')));
  });

  it('refuses an empty namespace: it would trim nothing and say nothing', () => {
    expect(() => resolvePlanOptions({ namespace: '' })).toThrow(InvalidInputError);
  });
});
