// "All lists are sorted and free of duplicates, so the same snapshot, options
// and now always give the same plan, byte for byte" (docs/rules.md, "The plan").
import { describe, expect, it } from 'vitest';
import { computePlan } from '../../shared/core/plan.js';
import type { Plan } from '../../shared/core/plan-types.js';
import { SnapshotBuilder } from '../../shared/core/snapshot.js';
import { image, layer, options, stream, type Item } from '../builders.js';
import { planOf } from './plan-helpers.js';

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Many deletions across namespaces, streams and tags, given in reverse order on purpose. */
function cluster(): Item[] {
  const items: Item[] = [];
  for (const ns of ['zz', 'Zed', 'mm', 'aa']) {
    for (const name of ['web', 'api', 'App']) {
      const seeds = Array.from({ length: 5 }, (_, i) => `${ns}-${name}-${i}`);
      for (const s of seeds.reverse()) items.push(image(s, { layers: [layer(`${s}-l`, 7), layer(`base-${ns}`, 11)], metadataId: undefined }));
      items.push(stream(ns, name, { v2: [seeds[0], seeds[1], seeds[2]], latest: [seeds[3], seeds[4], seeds[0]], Old: ['ghost-' + ns + name] }));
    }
  }
  return items.reverse();
}

function expectSortedUnique(values: string[]): void {
  expect(values).toEqual([...new Set(values)].sort(cmp));
}

describe('every list of the plan is sorted by the contract and has no duplicates', () => {
  const plan: Plan = planOf(cluster(), { keepTagRevisions: 1 });

  it('the input gives something to sort in every list', () => {
    for (const key of ['images', 'streamUpdates', 'manifestLinks', 'layerLinks', 'blobs'] as const) expect(plan[key].length).toBeGreaterThan(3);
    expect(plan.streamUpdates.some((u) => u.removedTags.length > 0)).toBe(true);
  });

  it('images and blobs by value', () => {
    expectSortedUnique(plan.images);
    expectSortedUnique(plan.blobs);
  });

  it('stream updates by namespace, then name; removed by tag, then index; removedTags by value', () => {
    const keys = plan.streamUpdates.map((u) => [u.namespace, u.name] as const);
    expect(keys).toEqual([...keys].sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1])));
    expect(new Set(keys.map((k) => k.join('/'))).size).toBe(keys.length);
    for (const u of plan.streamUpdates) {
      expect(u.removed).toEqual([...u.removed].sort((a, b) => cmp(a.tag, b.tag) || a.index - b.index));
      expect(new Set(u.removed.map((r) => `${r.tag}:${r.index}`)).size).toBe(u.removed.length);
      expectSortedUnique(u.removedTags);
    }
    // plain string order: upper case before lower case
    expect(plan.streamUpdates[0].namespace).toBe('Zed');
    expect(plan.streamUpdates[0].name).toBe('App');
  });

  it('links by repository, then digest', () => {
    for (const links of [plan.manifestLinks, plan.layerLinks]) {
      const keys = links.map((l) => `${l.repository}\u0000${l.digest}`);
      expectSortedUnique(keys);
    }
  });

  it('objects of kinds the rules do not read are counted in a warning, kind by kind', () => {
    const b = new SnapshotBuilder();
    [image('a'), { kind: 'ConfigMap', metadata: { name: 'c1' } }, { kind: 'Secret', metadata: { name: 's' } }, { kind: 'ConfigMap', metadata: { name: 'c2' } }].forEach((item, i) =>
      b.add(item, i),
    );
    const plan = computePlan(b.build(), options());
    expect(plan.images).toEqual([image('a').metadata.name]);
    expect(plan.warnings).toHaveLength(2);
    expect(plan.warnings.find((w) => w.includes('ConfigMap'))).toContain('2');
    expect(plan.warnings.find((w) => w.includes('Secret'))).toContain('1');
  });

  it('warnings are sorted and unique', () => {
    const withWarnings = planOf([image('a', { manifest: '{' }), image('b', { manifest: 'nope' }), image('c', { manifest: '[' })]);
    expect(withWarnings.warnings).toHaveLength(3);
    expectSortedUnique(withWarnings.warnings);
  });
});

describe('the plan is the same byte for byte', () => {
  it('when computed twice', () => {
    expect(JSON.stringify(planOf(cluster(), { keepTagRevisions: 1 }))).toBe(JSON.stringify(planOf(cluster(), { keepTagRevisions: 1 })));
  });

  it('when the items come in the opposite order', () => {
    expect(JSON.stringify(planOf(cluster().reverse(), { keepTagRevisions: 1 }))).toBe(JSON.stringify(planOf(cluster(), { keepTagRevisions: 1 })));
  });

  it('when two images disagree about the size of one blob', () => {
    const x = image('x', { layers: [layer('s', 100)] });
    const y = image('y', { layers: [layer('s', 900)] });
    expect(planOf([x, y]).bytesReclaimed).toBe(planOf([y, x]).bytesReclaimed);
  });

  it('has exactly the fields of the JSON contract', () => {
    expect(Object.keys(planOf(cluster())).sort()).toEqual(['blobs', 'bytesReclaimed', 'images', 'layerLinks', 'manifestLinks', 'streamUpdates', 'warnings']);
  });
});
