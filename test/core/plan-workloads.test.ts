// "Which images stay", rule 3: pods (by phase and age) and every workload kind, all three container
// lists, digest and tag references.
import { describe, expect, it } from 'vitest';
import { byDigest, digest, image, pod, stream, workload, WORKLOAD_KINDS, type PodPhase } from '../builders.js';
import { digests, planOf } from './plan-helpers.js';

describe('pods keep their images by phase and age', () => {
  const cases: Array<[PodPhase | null, 'old' | 'young', boolean]> = [
    ['Running', 'old', true],
    ['Pending', 'old', true],
    ['Succeeded', 'old', false],
    ['Failed', 'old', false],
    ['Unknown', 'old', false],
    [null, 'old', false],
    ['Running', 'young', true],
    ['Pending', 'young', true],
    ['Succeeded', 'young', true],
    ['Failed', 'young', true],
    ['Unknown', 'young', true],
    [null, 'young', true],
  ];
  it.each(cases)('a %s pod that is %s keeps its image: %s', (phase, age, kept) => {
    const plan = planOf([image('a'), pod('ns', 'p', [byDigest('a')], { phase, age: age === 'old' ? '2h' : '10m' })]);
    expect(plan.images).toEqual(kept ? [] : digests('a'));
  });

  it('a pod exactly keepYoungerThan old is no longer young', () => {
    expect(planOf([image('a'), pod('ns', 'p', [byDigest('a')], { phase: 'Succeeded', age: '60m' })]).images).toEqual(digests('a'));
  });
});

describe('every container list of a pod is read', () => {
  const cases: Array<[string, Parameters<typeof pod>[2]]> = [
    ['containers', { containers: [byDigest('a')] }],
    ['initContainers', { containers: [byDigest('other')], initContainers: [byDigest('a')] }],
    ['ephemeralContainers', { containers: [byDigest('other')], ephemeralContainers: [byDigest('a')] }],
  ];
  it.each(cases)('an image in %s of a running pod is kept', (_list, containers) => {
    expect(planOf([image('a'), pod('ns', 'p', containers)]).images).toEqual([]);
  });
});

describe('every workload kind keeps its images whatever its age or replicas', () => {
  const lists = ['containers', 'initContainers', 'ephemeralContainers'] as const;
  const cases = WORKLOAD_KINDS.flatMap((kind) => lists.map((list) => [kind, list] as const));
  it.each(cases)('%s keeps an image in %s', (kind, list) => {
    const containers = list === 'containers' ? { containers: [byDigest('a')] } : { containers: [byDigest('other')], [list]: [byDigest('a')] };
    const plan = planOf([image('a'), image('b'), workload(kind, 'ns', 'w', containers, { age: '400d' })]);
    expect(plan.images).toEqual(digests('b'));
  });

  it('a CronJob is read under spec.jobTemplate, not spec.template', () => {
    const cj = workload('CronJob', 'ns', 'nightly', [byDigest('a')]);
    expect(cj.spec?.template).toBeUndefined();
    expect(planOf([image('a'), cj]).images).toEqual([]);
  });
});

describe('references by digest', () => {
  const cases: Array<[string, string]> = [
    ['the internal registry', byDigest('a')],
    ['another host and repository', `quay.io/vendor/tool@${digest('a')}`],
    ['no host', `other/thing@${digest('a')}`],
    ['a single component', `thing@${digest('a')}`],
    ['a tag as well as the digest', `quay.io/vendor/tool:v9@${digest('a')}`],
    ['upper-case hex (oc accepts it; compared in lower case)', `quay.io/vendor/tool@sha256:${digest('a').slice(7).toUpperCase()}`],
  ];
  it.each(cases)('keep the image with that digest whatever the repository: %s', (_why, ref) => {
    expect(planOf([image('a'), image('b'), pod('ns', 'p', [ref])]).images).toEqual(digests('b'));
  });
});

describe('references by tag keep the newest revision of the stream tag', () => {
  // keepTagRevisions 0: the history alone keeps nothing, so only the pod can.
  const cluster = () => [
    image('new'),
    image('older'),
    image('other'),
    stream('ns', 'app', { v1: ['new', 'older'], latest: ['other'] }),
  ];
  const cases: Array<[string, string, string[]]> = [
    ['with the internal registry host', 'image-registry.openshift-image-registry.svc:5000/ns/app:v1', ['new']],
    ['with an external host (the host is ignored)', 'quay.io/ns/app:v1', ['new']],
    ['with localhost and a port', 'localhost:5000/ns/app:v1', ['new']],
    ['without a host', 'ns/app:v1', ['new']],
    ['without a tag (latest)', 'ns/app', ['other']],
    ['to a tag the stream does not have', 'ns/app:v2', []],
    ['to a stream that does not exist', 'ns/nope:v1', []],
    ['to the same name in another namespace', 'other/app:v1', []],
    ['without a namespace (a single component)', 'app:v1', []],
    ['with a digest too: only the digest counts', `ns/app:v1@${digest('older')}`, ['older']],
  ];
  it.each(cases)('%s: %s', (_why, ref, kept) => {
    const all = ['new', 'older', 'other'];
    const plan = planOf([...cluster(), pod('ns', 'p', [ref])], { keepTagRevisions: 0 });
    expect(plan.images).toEqual(digests(...all.filter((x) => !kept.includes(x))));
  });

  it('a tag reference of a workload keeps the newest revision too', () => {
    const plan = planOf([...cluster(), workload('Deployment', 'ns', 'd', ['quay.io/ns/app:v1'])], { keepTagRevisions: 0 });
    expect(plan.images).toEqual(digests('older', 'other'));
  });

  it('a tag reference of an old finished pod keeps nothing', () => {
    const plan = planOf([...cluster(), pod('ns', 'p', ['ns/app:v1'], { phase: 'Succeeded' })], { keepTagRevisions: 0 });
    expect(plan.images).toEqual(digests('new', 'older', 'other'));
  });
});
