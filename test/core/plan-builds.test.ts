// "Which images stay", rule 4: builds and build configs reference images through strategy.from.
import { describe, expect, it } from 'vitest';
import type { ObjectReference } from '../../shared/core/kube-types.js';
import { build, byDigest, digest, image, stream, type StrategyName } from '../builders.js';
import { digests, planOf } from './plan-helpers.js';

// keepTagRevisions 0: the history alone keeps nothing, so only the build can.
const cluster = () => [
  image('new'),
  image('older'),
  image('theirs'),
  stream('ns', 'builder', { v1: ['new', 'older'] }),
  stream('shared', 'builder', { v1: ['theirs'] }),
];
const ALL = ['new', 'older', 'theirs'];

const fromCases: Array<[string, ObjectReference, string[]]> = [
  ['DockerImage by digest', { kind: 'DockerImage', name: byDigest('older', 'ns/builder') }, ['older']],
  ['DockerImage by digest in another registry', { kind: 'DockerImage', name: `quay.io/x/y@${digest('theirs')}` }, ['theirs']],
  ['DockerImage by tag: newest revision', { kind: 'DockerImage', name: 'image-registry.openshift-image-registry.svc:5000/ns/builder:v1' }, ['new']],
  ['DockerImage by tag to a missing tag', { kind: 'DockerImage', name: 'ns/builder:v2' }, []],
  ['ImageStreamImage: the digest', { kind: 'ImageStreamImage', name: `builder@${digest('older')}` }, ['older']],
  ['ImageStreamImage in another namespace: still the digest', { kind: 'ImageStreamImage', name: `builder@${digest('theirs')}`, namespace: 'shared' }, ['theirs']],
  ['ImageStreamTag, namespace defaulting to the object\'s', { kind: 'ImageStreamTag', name: 'builder:v1' }, ['new']],
  ['ImageStreamTag with from.namespace', { kind: 'ImageStreamTag', name: 'builder:v1', namespace: 'shared' }, ['theirs']],
  ['ImageStreamTag to a missing tag', { kind: 'ImageStreamTag', name: 'builder:v9' }, []],
  ['ImageStreamTag to a missing stream', { kind: 'ImageStreamTag', name: 'nope:v1' }, []],
];

const cases = (['Build', 'BuildConfig'] as const).flatMap((kind) =>
  (['sourceStrategy', 'dockerStrategy', 'customStrategy'] as StrategyName[]).flatMap((strategy) =>
    fromCases.map(([why, from, kept]) => [kind, strategy, why, from, kept] as const),
  ),
);

describe('strategy.from of builds and build configs', () => {
  it.each(cases)('%s %s from %s', (kind, strategy, _why, from, kept) => {
    const plan = planOf([...cluster(), build(kind, 'ns', 'b', from, { strategy, age: '30d' })], { keepTagRevisions: 0 });
    expect(plan.images).toEqual(digests(...ALL.filter((x) => !kept.includes(x))));
  });

  it('a build without a from keeps nothing', () => {
    const b = build('BuildConfig', 'ns', 'b', {});
    delete (b.spec!.strategy!.sourceStrategy as { from?: unknown }).from;
    expect(planOf([...cluster(), b], { keepTagRevisions: 0 }).images).toEqual(digests(...ALL));
  });
});
