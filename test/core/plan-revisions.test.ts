// "Which stream revisions stay" (docs/rules.md): the first of rules 1-6 that
// applies decides each revision, and a revision can go while its image stays.
import { describe, expect, it } from 'vitest';
import type { PlanOptions } from '../../shared/core/plan-types.js';
import { build, byDigest, digest, image, manifestList, pod, rev, stream, workload } from '../builders.js';
import { digests, planOf, type PlanItem } from './plan-helpers.js';

/** The removed revisions of a plan as `ns/name:tag#index`, in the plan's order. */
function removedOf(items: PlanItem[], o: Partial<PlanOptions>): { removed: string[]; deleted: string[]; removedTags: string[] } {
  const plan = planOf(items, o);
  return {
    removed: plan.streamUpdates.flatMap((u) => u.removed.map((r) => `${u.namespace}/${u.name}:${r.tag}#${r.index}`)),
    deleted: plan.images,
    removedTags: plan.streamUpdates.flatMap((u) => u.removedTags.map((t) => `${u.namespace}/${u.name}:${t}`)),
  };
}

interface Case {
  name: string;
  items: () => PlanItem[];
  options?: Partial<PlanOptions>;
  /** Revisions removed, as `ns/name:tag#index`. */
  removed: string[];
  /** Seeds of the images deleted. */
  deleted: string[];
  removedTags?: string[];
}

function run(cases: Case[]): void {
  it.each(cases)('$name', (c) => {
    const got = removedOf(c.items(), c.options ?? {});
    expect(got.removed).toEqual(c.removed);
    expect(got.deleted).toEqual(digests(...c.deleted));
    if (c.removedTags) expect(got.removedTags).toEqual(c.removedTags);
  });
}

const abc = () => [image('a'), image('b'), image('c')];

describe('rule 1: a young stream or a young revision stays', () => {
  run([
    {
      name: 'a young stream keeps every revision, beyond keepTagRevisions and of absent images too',
      items: () => [...abc(), stream('ns', 'app', { latest: ['a', 'b', 'c', rev('missing', '2h')] }, { age: '30m' })],
      options: { keepTagRevisions: 1 },
      removed: [],
      deleted: [],
    },
    {
      name: 'a young revision beyond keepTagRevisions stays',
      items: () => [...abc(), stream('ns', 'app', { latest: ['a', rev('b', '10m'), 'c'] })],
      options: { keepTagRevisions: 1 },
      removed: ['ns/app:latest#2'],
      deleted: ['c'],
    },
    {
      name: 'a young revision of an absent image stays, even at position 0',
      items: () => [image('a'), stream('ns', 'app', { latest: [rev('missing', '10m'), 'a'] })],
      removed: [],
      deleted: [],
    },
    {
      name: "a young image's old revision beyond keepTagRevisions is removed; the image stays (as oc)",
      items: () => [image('a'), image('y', { age: '5m' }), stream('ns', 'app', { latest: ['a', 'y'] })],
      options: { keepTagRevisions: 1 },
      removed: ['ns/app:latest#1'],
      deleted: [],
    },
    {
      name: 'a revision exactly keepYoungerThan old is no longer young',
      items: () => [...abc(), stream('ns', 'app', { latest: ['a', rev('b', '60m')] })],
      options: { keepTagRevisions: 1 },
      removed: ['ns/app:latest#1'],
      deleted: ['b', 'c'],
    },
  ]);
});

describe('rule 2: position 0 of a tag that a workload or build references by tag stays', () => {
  const cluster = () => [...abc(), stream('ns', 'app', { latest: ['a', 'b'], v2: ['c'] })];
  run([
    {
      name: 'a running pod by tag keeps position 0 with keepTagRevisions 0, not position 1',
      items: () => [...cluster(), pod('ns', 'p', ['ns/app:latest'])],
      options: { keepTagRevisions: 0 },
      removed: ['ns/app:latest#1', 'ns/app:v2#0'],
      deleted: ['b', 'c'],
    },
    {
      name: 'a Deployment by tag through any host',
      items: () => [...cluster(), workload('Deployment', 'other', 'd', ['quay.io/ns/app:latest'])],
      options: { keepTagRevisions: 0 },
      removed: ['ns/app:latest#1', 'ns/app:v2#0'],
      deleted: ['b', 'c'],
    },
    {
      name: 'a BuildConfig by ImageStreamTag with from.namespace',
      items: () => [...cluster(), build('BuildConfig', 'other', 'bc', { kind: 'ImageStreamTag', name: 'app:v2', namespace: 'ns' })],
      options: { keepTagRevisions: 0 },
      removed: ['ns/app:latest#0', 'ns/app:latest#1'],
      deleted: ['a', 'b'],
    },
    {
      name: 'no tag and no digest means latest',
      items: () => [...cluster(), pod('ns', 'p', ['ns/app'])],
      options: { keepTagRevisions: 0 },
      removed: ['ns/app:latest#1', 'ns/app:v2#0'],
      deleted: ['b', 'c'],
    },
    {
      name: 'position 0 stays although its image is absent (rule 2 comes before rule 3)',
      items: () => [image('a'), stream('ns', 'app', { latest: ['missing', 'a'] }), pod('ns', 'p', ['ns/app:latest'])],
      options: { keepTagRevisions: 0 },
      removed: ['ns/app:latest#1'],
      deleted: ['a'],
    },
    {
      name: 'an old finished pod is not read',
      items: () => [...cluster(), pod('ns', 'p', ['ns/app:latest'], { phase: 'Succeeded' })],
      options: { keepTagRevisions: 0 },
      removed: ['ns/app:latest#0', 'ns/app:latest#1', 'ns/app:v2#0'],
      deleted: ['a', 'b', 'c'],
    },
    {
      name: 'a reference with a tag and a digest is a reference by digest (rule 5), not by tag',
      items: () => [...cluster(), pod('ns', 'p', [`ns/app:latest@${digest('b')}`])],
      options: { keepTagRevisions: 0 },
      removed: ['ns/app:latest#0', 'ns/app:v2#0'],
      deleted: ['a', 'c'],
    },
  ]);
});

describe('rule 3: a revision whose image is not in the snapshot is removed', () => {
  run([
    {
      name: 'even at position 0 and within keepTagRevisions',
      items: () => [image('a'), stream('ns', 'app', { latest: ['missing', 'a'] })],
      removed: ['ns/app:latest#0'],
      deleted: [],
    },
    {
      name: 'a tag left without revisions is removed',
      items: () => [image('a'), stream('ns', 'app', { latest: ['a'], gone: ['missing1', 'missing2'] })],
      removed: ['ns/app:gone#0', 'ns/app:gone#1'],
      deleted: [],
      removedTags: ['ns/app:gone'],
    },
    {
      name: 'even when a pod references that digest through the stream (rule 3 comes before rule 5)',
      items: () => [image('a'), stream('ns', 'app', { latest: ['a', 'missing'] }), pod('ns', 'p', [byDigest('missing')])],
      removed: ['ns/app:latest#1'],
      deleted: [],
    },
  ]);
});

describe('rule 4: the newest keepTagRevisions revisions of each tag stay', () => {
  run([
    {
      name: 'keepTagRevisions 2 of 3',
      items: () => [...abc(), stream('ns', 'app', { latest: ['a', 'b', 'c'] })],
      options: { keepTagRevisions: 2 },
      removed: ['ns/app:latest#2'],
      deleted: ['c'],
    },
    {
      name: 'counted per tag',
      items: () => [...abc(), stream('ns', 'app', { latest: ['a', 'b'], v1: ['c', 'a'] })],
      options: { keepTagRevisions: 1 },
      removed: ['ns/app:latest#1', 'ns/app:v1#1'],
      deleted: ['b'],
    },
  ]);
});

describe('rule 5: a revision whose image a workload or build references by digest through this stream stays', () => {
  const cluster = () => [...abc(), stream('ns', 'app', { latest: ['a', 'b'] })];
  const upper = `ns/app@sha256:${digest('b').slice(7).toUpperCase()}`;
  run([
    {
      name: 'a running pod, through the internal registry',
      items: () => [...cluster(), pod('ns', 'p', [byDigest('b', 'ns/app')])],
      options: { keepTagRevisions: 1 },
      removed: [],
      deleted: ['c'],
    },
    {
      name: 'whatever the host',
      items: () => [...cluster(), pod('elsewhere', 'p', [`quay.io/ns/app@${digest('b')}`])],
      options: { keepTagRevisions: 1 },
      removed: [],
      deleted: ['c'],
    },
    {
      name: 'a digest in upper case hex',
      items: () => [...cluster(), pod('ns', 'p', [upper])],
      options: { keepTagRevisions: 1 },
      removed: [],
      deleted: ['c'],
    },
    {
      name: 'a CronJob',
      items: () => [...cluster(), workload('CronJob', 'ns', 'cj', [byDigest('b', 'ns/app')])],
      options: { keepTagRevisions: 1 },
      removed: [],
      deleted: ['c'],
    },
    {
      name: "a Build's ImageStreamImage in the build's namespace",
      items: () => [...cluster(), build('Build', 'ns', 'b1', { kind: 'ImageStreamImage', name: `app@${digest('b')}` })],
      options: { keepTagRevisions: 1 },
      removed: [],
      deleted: ['c'],
    },
    {
      name: 'through another stream: the revision is removed, the image stays (rule 3 of "Which images stay")',
      items: () => [...cluster(), pod('ns', 'p', [byDigest('b', 'other/app')])],
      options: { keepTagRevisions: 1 },
      removed: ['ns/app:latest#1'],
      deleted: ['c'],
    },
    {
      name: 'an ImageStreamImage of another namespace (from.namespace): the revision is removed, the image stays',
      items: () => [...cluster(), build('BuildConfig', 'ns', 'bc', { kind: 'ImageStreamImage', name: `app@${digest('b')}`, namespace: 'other' })],
      options: { keepTagRevisions: 1 },
      removed: ['ns/app:latest#1'],
      deleted: ['c'],
    },
    {
      name: 'a reference without namespace names no stream',
      items: () => [...cluster(), pod('ns', 'p', [`app@${digest('b')}`])],
      options: { keepTagRevisions: 1 },
      removed: ['ns/app:latest#1'],
      deleted: ['c'],
    },
    {
      name: 'an old finished pod is not read',
      items: () => [...cluster(), pod('ns', 'p', [byDigest('b', 'ns/app')], { phase: 'Failed' })],
      options: { keepTagRevisions: 1 },
      removed: ['ns/app:latest#1'],
      deleted: ['b', 'c'],
    },
  ]);
});

describe('rule 6: any other revision is removed, also when its image stays', () => {
  run([
    {
      name: 'beyond keepTagRevisions and referenced by nothing: revision and image go',
      items: () => [...abc(), stream('ns', 'app', { latest: ['a', 'b'] })],
      options: { keepTagRevisions: 1 },
      removed: ['ns/app:latest#1'],
      deleted: ['b', 'c'],
    },
    {
      name: 'a shared image beyond keepTagRevisions: its revision goes, another stream keeps the image (as oc)',
      items: () => [...abc(), stream('ns', 'app', { latest: ['a', 'b'] }), stream('ns', 'base', { latest: ['b'] })],
      options: { keepTagRevisions: 1 },
      removed: ['ns/app:latest#1'],
      deleted: ['c'],
    },
    {
      name: 'an unmanaged image beyond keepTagRevisions: its revision goes, the image stays',
      items: () => [image('a'), image('u', { managed: null }), stream('ns', 'app', { latest: ['a', 'u'] })],
      options: { keepTagRevisions: 1 },
      removed: ['ns/app:latest#1'],
      deleted: [],
    },
    {
      name: 'a child of a list that stays, beyond keepTagRevisions: its revision goes, the image stays',
      items: () => [image('L', { children: ['c1'], manifest: manifestList(['c1']) }), image('c1'), stream('ns', 'app', { latest: ['L', 'c1'] })],
      options: { keepTagRevisions: 1 },
      removed: ['ns/app:latest#1'],
      deleted: [],
    },
  ]);
});
