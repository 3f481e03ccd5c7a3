// Over-size mode (`pruneOverSizeLimit`, docs/rules.md): a revision whose image
// exceeds an `openshift.io/Image` limit of its stream's namespace goes, whatever
// its position or age; the others stay. The first five cases are oc's own
// (pkg/cli/admin/prune/imageprune, "image exceeding limits" and the next four).
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/core/errors.js';
import { computePlan } from '../../shared/core/plan.js';
import type { PlanOptions } from '../../shared/core/plan-types.js';
import { emptySnapshot } from '../../shared/core/snapshot.js';
import { byDigest, image, layer, options, pod, rev, stream } from '../builders.js';
import { digests, limitRange, link, planOf, sized, type PlanItem } from './plan-helpers.js';

interface Case {
  name: string;
  items: () => PlanItem[];
  options?: Partial<PlanOptions>;
  removed: string[];
  deleted: string[];
}

function run(cases: Case[]): void {
  it.each(cases)('$name', (c) => {
    const plan = planOf(c.items(), { pruneOverSizeLimit: true, ...c.options });
    expect(plan.streamUpdates.flatMap((u) => u.removed.map((r) => `${u.namespace}/${u.name}:${r.tag}#${r.index}`))).toEqual(c.removed);
    expect(plan.images).toEqual(digests(...c.deleted));
  });
}

const ext = () => image('ext', { managed: null }); // unmanaged, no size: oc's "otherregistry" image
const img = (seed: string, bytes: number, age?: string) => sized(image(seed, { age }), bytes);

describe("oc's over-size cases", () => {
  run([
    {
      name: 'image exceeding limits',
      items: () => [ext(), img('i2', 100), img('i3', 200), stream('foo', 'bar', { latest: ['ext', 'i2', 'i3'] }), limitRange('foo', 'limits', ['100', '200'])],
      removed: ['foo/bar:latest#2'],
      deleted: ['i3'],
    },
    {
      name: 'young image exceeding limits: age does not count',
      items: () => [
        img('i1', 300, '5m'),
        img('i2', 100, '5m'),
        img('i3', 200, '5m'),
        stream('foo', 'bar', { latest: [rev('i1', '1m'), rev('i2', '1m'), rev('i3', '1m')] }, { age: '5m' }),
        limitRange('foo', 'limits', ['100']),
      ],
      removed: ['foo/bar:latest#0', 'foo/bar:latest#2'],
      deleted: ['i1', 'i3'],
    },
    {
      name: 'multiple images in different namespaces exceeding different limits',
      items: () => [
        img('i1', 100),
        img('i2', 200),
        img('i3', 500),
        img('i4', 600),
        stream('foo', 'bar', { latest: ['i1', 'i2'] }),
        stream('bar', 'foo', { latest: ['i3', 'i4'] }),
        limitRange('foo', 'limits', ['150']),
        limitRange('bar', 'limits', ['550']),
      ],
      removed: ['bar/foo:latest#1', 'foo/bar:latest#1'],
      deleted: ['i2', 'i4'],
    },
    {
      name: 'image within allowed limits',
      items: () => [ext(), img('i2', 100), img('i3', 200), stream('foo', 'bar', { latest: ['ext', 'i2', 'i3'] }), limitRange('foo', 'limits', ['300'])],
      removed: [],
      deleted: [],
    },
    {
      name: 'image exceeding limits with namespace specified: the revision goes, no image is deleted',
      items: () => [ext(), img('i2', 100), img('i3', 200), stream('foo', 'bar', { latest: ['ext', 'i2', 'i3'] }), limitRange('foo', 'limits', ['100', '200'])],
      options: { namespace: 'foo' },
      removed: ['foo/bar:latest#2'],
      deleted: [],
    },
  ]);

  it('unlinks what the over-size revision held, and deletes its blobs (oc: manifest link and blob of the image)', () => {
    const plan = planOf(
      [sized(image('small', { layers: [layer('base', 10)] }), 100), sized(image('big', { layers: [layer('base', 10), layer('huge', 900)] }), 910), stream('foo', 'bar', { latest: ['big', 'small'] }), limitRange('foo', 'l', ['500'])],
      { pruneOverSizeLimit: true },
    );
    expect(plan.manifestLinks).toEqual([link('foo/bar', 'big')]);
    expect(plan.layerLinks).toEqual([link('foo/bar', 'huge')]);
    expect(plan.blobs).toEqual(digests('big', 'huge'));
    expect(plan.bytesReclaimed).toBe(900);
  });
});

describe('which limit applies', () => {
  const cluster = (...limits: PlanItem[]) => [img('a', 1024), img('b', 1025), img('c', 5000), stream('ns', 'app', { latest: ['a', 'b', 'c'] }), ...limits];
  run([
    { name: 'no LimitRange in the namespace: nothing exceeds', items: () => cluster(), removed: [], deleted: [] },
    { name: "another namespace's LimitRange does not apply", items: () => cluster(limitRange('other', 'l', ['1'])), removed: [], deleted: [] },
    { name: 'a limit of another type does not apply', items: () => cluster(limitRange('ns', 'l', [['Container', '1'], ['openshift.io/ImageStream', '1']])), removed: [], deleted: [] },
    { name: 'a limit without max.storage does not apply', items: () => cluster(limitRange('ns', 'l', [['openshift.io/Image', undefined]])), removed: [], deleted: [] },
    { name: 'exceeding means larger: 1Ki keeps 1024 bytes, not 1025', items: () => cluster(limitRange('ns', 'l', ['1Ki'])), removed: ['ns/app:latest#1', 'ns/app:latest#2'], deleted: ['b', 'c'] },
    { name: 'a decimal suffix: 1k', items: () => cluster(limitRange('ns', 'l', ['1k'])), removed: ['ns/app:latest#0', 'ns/app:latest#1', 'ns/app:latest#2'], deleted: ['a', 'b', 'c'] },
    { name: 'an exponent: 5e3', items: () => cluster(limitRange('ns', 'l', ['5e3'])), removed: [], deleted: [] },
    { name: 'a fraction: 1.001Ki is 1025.024 bytes', items: () => cluster(limitRange('ns', 'l', ['1.001Ki'])), removed: ['ns/app:latest#2'], deleted: ['c'] },
    { name: 'the smallest of several LimitRanges applies', items: () => cluster(limitRange('ns', 'big', ['1Mi']), limitRange('ns', 'small', ['2k'])), removed: ['ns/app:latest#2'], deleted: ['c'] },
    { name: 'the smallest of several limits of one LimitRange applies', items: () => cluster(limitRange('ns', 'l', ['1Mi', '1024', '1G'])), removed: ['ns/app:latest#1', 'ns/app:latest#2'], deleted: ['b', 'c'] },
  ]);
});

describe('over-size mode and the other rules', () => {
  const limit = () => limitRange('ns', 'l', ['100']);
  run([
    {
      name: 'an image without dockerImageMetadata.Size never exceeds',
      items: () => [image('nosize'), stream('ns', 'app', { latest: ['nosize'] }), limit()],
      removed: [],
      deleted: [],
    },
    {
      name: 'position and keepTagRevisions do not count: a deep revision within the limit stays',
      items: () => [img('a', 500), img('b', 50), img('c', 60), stream('ns', 'app', { latest: ['a', 'b', 'c'] }), limit()],
      options: { keepTagRevisions: 0 },
      removed: ['ns/app:latest#0'],
      deleted: ['a'],
    },
    {
      name: 'a young stream does not keep its revisions (rule 1 is off)',
      items: () => [img('a', 500), stream('ns', 'app', { latest: ['a'] }, { age: '1m' }), limit()],
      removed: ['ns/app:latest#0'],
      deleted: ['a'],
    },
    {
      name: 'position 0 of a tag referenced by tag stays (rule 2), and so does its image',
      items: () => [img('a', 500), stream('ns', 'app', { latest: ['a'] }), limit(), pod('ns', 'p', ['ns/app:latest'])],
      removed: [],
      deleted: [],
    },
    {
      name: 'a revision referenced by digest through its stream stays (rule 5)',
      items: () => [img('a', 50), img('b', 500), stream('ns', 'app', { latest: ['a', 'b'] }), limit(), pod('ns', 'p', [byDigest('b', 'ns/app')])],
      removed: [],
      deleted: [],
    },
    {
      name: 'a pod elsewhere keeps the image, not the revision',
      items: () => [img('a', 50), img('b', 500), stream('ns', 'app', { latest: ['a', 'b'] }), limit(), pod('ns', 'p', [byDigest('b', 'x/y')])],
      removed: ['ns/app:latest#1'],
      deleted: [],
    },
    {
      name: 'an unmanaged image over the limit loses its revision but stays (all is not set)',
      items: () => [sized(image('u', { managed: null }), 500), stream('ns', 'app', { latest: ['u'] }), limit()],
      removed: ['ns/app:latest#0'],
      deleted: [],
    },
    {
      name: 'an absent image is removed (rule 3)',
      items: () => [stream('ns', 'app', { latest: [rev('missing', '1m')] }), limit()],
      removed: ['ns/app:latest#0'],
      deleted: [],
    },
    {
      name: 'a young image that no stream holds is deleted: age does not count for images either',
      items: () => [img('young', 10, '1m'), limit()],
      removed: [],
      deleted: ['young'],
    },
  ]);

  it('without over-size mode, LimitRanges change nothing', () => {
    const items = [img('a', 500), img('b', 500), stream('ns', 'app', { latest: ['a', 'b'] }), limitRange('ns', 'l', ['1'])];
    expect(planOf(items)).toEqual(planOf(items.slice(0, 3)));
  });

  it('a quantity that does not parse stops an over-size plan, naming the LimitRange and field', () => {
    const s = emptySnapshot();
    s.limitRanges.push(limitRange('ns', 'bad', ['100', 'lots']));
    expect(() => computePlan(s, options({ pruneOverSizeLimit: true }))).toThrow(InvalidInputError);
    expect(() => computePlan(s, options({ pruneOverSizeLimit: true }))).toThrow('LimitRange ns/bad: spec.limits[1].max.storage is not a Kubernetes quantity: "lots"');
    expect(() => computePlan(s, options())).not.toThrow();
  });
});

