// Reasons (plan.reasons): which rule decided each revision, and every reason
// an image stays or goes, as stable lines (the HTML report and `explain` show
// them verbatim). Expected lines are written out by hand from docs/rules.md.
import { describe, expect, it } from 'vitest';
import { computePlanWithReasons } from '../../shared/core/plan.js';
import type { ImageReasons, PlanOptions, RevisionReasons } from '../../shared/core/plan-types.js';
import { build, byDigest, digest, image, layer, manifestList, options, pod, rev, stream, workload } from '../builders.js';
import { limitRange, planOf, sized, snapshotOf, type PlanItem } from './plan-helpers.js';

function reasonsOf(items: PlanItem[], o: Partial<PlanOptions> = {}) {
  const plan = planOf(items, o, { reasons: true });
  return plan.reasons!;
}

/** The reasons of revision `ns/name:tag#index`. */
function revisionReasons(items: PlanItem[], o: Partial<PlanOptions>, at: string): { verdict: string; reasons: string[] } {
  const found = reasonsOf(items, o).revisions.find((r) => `${r.namespace}/${r.name}:${r.tag}#${r.index}` === at);
  expect(found, at).toBeDefined();
  return { verdict: found!.verdict, reasons: found!.reasons };
}

/** The reasons of the image with seed `seed`. */
function imageReasons(items: PlanItem[], o: Partial<PlanOptions>, seed: string): { verdict: string; reasons: string[] } {
  const found = reasonsOf(items, o).images.find((r) => r.image === digest(seed));
  expect(found, seed).toBeDefined();
  return { verdict: found!.verdict, reasons: found!.reasons };
}

describe('reasons are computed only when asked for', () => {
  const items = [image('a'), image('b'), stream('ns', 'app', { latest: ['a', 'b'] }), pod('ns', 'p', [byDigest('b')])];
  it('a plain plan has none', () => {
    expect(planOf(items, { keepTagRevisions: 1 }).reasons).toBeUndefined();
    expect(planOf(items, { keepTagRevisions: 1 }, { reasons: false }).reasons).toBeUndefined();
  });
  it('asking for them changes nothing else', () => {
    const { reasons, ...rest } = planOf(items, { keepTagRevisions: 1 }, { reasons: true });
    expect(reasons).toBeDefined();
    expect(rest).toEqual(planOf(items, { keepTagRevisions: 1 }));
  });
  it('computePlanWithReasons gives the same plan, and the same reasons one at a time, again on each visit', () => {
    const { plan, reasons } = computePlanWithReasons(snapshotOf(items), options({ keepTagRevisions: 1 }));
    const { reasons: expected, ...rest } = planOf(items, { keepTagRevisions: 1 }, { reasons: true });
    expect(plan).toEqual(rest);
    for (let visit = 0; visit < 2; visit++) {
      const images: ImageReasons[] = [];
      const revisions: RevisionReasons[] = [];
      reasons.images((r) => images.push(r));
      reasons.revisions((r) => revisions.push(r));
      expect({ images, revisions }).toEqual(expected);
    }
    expect(expected!.images).toHaveLength(2);
    expect(expected!.revisions).toHaveLength(2);
  });
});

describe('each revision names the rule that decided it', () => {
  const abc = () => [image('a'), image('b'), image('c')];
  const cases: Array<{ rule: string; items: () => PlanItem[]; options?: Partial<PlanOptions>; at: string; verdict: 'stays' | 'removed'; reasons: string[] }> = [
    {
      rule: '1, a young stream',
      items: () => [...abc(), stream('ns', 'app', { latest: ['a', 'b'] }, { age: '30m' })],
      options: { keepTagRevisions: 0 },
      at: 'ns/app:latest#1',
      verdict: 'stays',
      reasons: ['young stream: ns/app was created 2026-03-01T11:30:00Z, within keepYoungerThan 1h'],
    },
    {
      rule: '1, a young revision',
      items: () => [...abc(), stream('ns', 'app', { latest: ['a', rev('b', '10m')] })],
      options: { keepTagRevisions: 0, keepYoungerThanMs: 90 * 60_000 },
      at: 'ns/app:latest#1',
      verdict: 'stays',
      reasons: ['young revision: created 2026-03-01T11:50:00Z, within keepYoungerThan 1h30m'],
    },
    {
      rule: '2, referenced by tag at position 0 (every referrer, sorted)',
      items: () => [...abc(), stream('ns', 'app', { latest: ['a'] }), pod('ns', 'web', ['ns/app:latest']), build('BuildConfig', 'ns', 'bc', { kind: 'ImageStreamTag', name: 'app:latest' })],
      options: { keepTagRevisions: 0 },
      at: 'ns/app:latest#0',
      verdict: 'stays',
      reasons: [
        'referenced by tag ns/app:latest at position 0: BuildConfig ns/bc spec.strategy.sourceStrategy.from.name',
        'referenced by tag ns/app:latest at position 0: Pod ns/web spec.containers[0].image',
      ],
    },
    {
      rule: '3, image not in the snapshot',
      items: () => [stream('ns', 'app', { latest: ['gone'] })],
      at: 'ns/app:latest#0',
      verdict: 'removed',
      reasons: ['image not in the snapshot'],
    },
    {
      rule: '4, within keepTagRevisions',
      items: () => [...abc(), stream('ns', 'app', { latest: ['a', 'b'] })],
      at: 'ns/app:latest#1',
      verdict: 'stays',
      reasons: ['within keepTagRevisions 3: position 1'],
    },
    {
      rule: '4, over-size mode, not over the limit',
      items: () => [sized(image('a'), 100), stream('ns', 'app', { latest: ['a'] }), limitRange('ns', 'images', ['1Ki'])],
      options: { pruneOverSizeLimit: true },
      at: 'ns/app:latest#0',
      verdict: 'stays',
      reasons: ['not over the limit of LimitRange ns/images: size 100 <= max.storage 1Ki'],
    },
    {
      rule: '4, over-size mode, no limit in the namespace',
      items: () => [sized(image('a'), 100), stream('ns', 'app', { latest: ['a'] }), limitRange('other', 'images', ['1'])],
      options: { pruneOverSizeLimit: true },
      at: 'ns/app:latest#0',
      verdict: 'stays',
      reasons: ['not over the limit: no LimitRange of type openshift.io/Image in namespace ns'],
    },
    {
      rule: '4, over-size mode, an image without size',
      items: () => [image('a'), stream('ns', 'app', { latest: ['a'] }), limitRange('ns', 'images', ['1'])],
      options: { pruneOverSizeLimit: true },
      at: 'ns/app:latest#0',
      verdict: 'stays',
      reasons: ['not over the limit: the image has no dockerImageMetadata.Size'],
    },
    {
      rule: '5, referenced by digest through this stream',
      items: () => [...abc(), stream('ns', 'app', { latest: ['a', 'b'] }), workload('CronJob', 'ns', 'nightly', [byDigest('b', 'ns/app')])],
      options: { keepTagRevisions: 1 },
      at: 'ns/app:latest#1',
      verdict: 'stays',
      reasons: ['referenced by digest through this stream: CronJob ns/nightly spec.jobTemplate.spec.template.spec.containers[0].image'],
    },
    {
      rule: '6, beyond keepTagRevisions',
      items: () => [...abc(), stream('ns', 'app', { latest: ['a', 'b', 'c'] })],
      options: { keepTagRevisions: 1 },
      at: 'ns/app:latest#2',
      verdict: 'removed',
      reasons: ['beyond keepTagRevisions 1: position 2'],
    },
    {
      rule: '6, over-size mode, over the limit (the smallest limit of the namespace)',
      items: () => [sized(image('a'), 3000), stream('ns', 'app', { latest: ['a'] }), limitRange('ns', 'big', ['1M']), limitRange('ns', 'small', ['2k'])],
      options: { pruneOverSizeLimit: true },
      at: 'ns/app:latest#0',
      verdict: 'removed',
      reasons: ['over the limit of LimitRange ns/small: size 3000 > max.storage 2k'],
    },
    {
      rule: 'namespace mode, a stream of another namespace',
      items: () => [...abc(), stream('other', 'app', { latest: ['a', 'b'] })],
      options: { keepTagRevisions: 0, namespace: 'ns' },
      at: 'other/app:latest#1',
      verdict: 'stays',
      reasons: ['not trimmed: only the streams of namespace ns are trimmed'],
    },
  ];
  it.each(cases)('rule $rule', (c) => {
    expect(revisionReasons(c.items(), c.options ?? {}, c.at)).toEqual({ verdict: c.verdict, reasons: c.reasons });
  });
});

describe('each image gives every reason it stays', () => {
  const cases: Array<{ why: string; items: () => PlanItem[]; options?: Partial<PlanOptions>; seed: string; reasons: string[] }> = [
    {
      why: 'every revision that stays, with that revision\'s reason',
      items: () => [image('a'), stream('ns', 'app', { latest: ['a'], v1: ['a'] }), stream('ns', 'web', { latest: [rev('a', '5m')] })],
      seed: 'a',
      reasons: [
        'revision ns/app:latest#0 stays: within keepTagRevisions 3: position 0',
        'revision ns/app:v1#0 stays: within keepTagRevisions 3: position 0',
        'revision ns/web:latest#0 stays: young revision: created 2026-03-01T11:55:00Z, within keepYoungerThan 1h',
      ],
    },
    {
      why: 'every pod, workload and build referencing it by digest, whatever the repository',
      items: () => [
        image('a'),
        pod('ns', 'web', { containers: [byDigest('a', 'x/y')], initContainers: [`quay.io/vendor/tool@${digest('a')}`] }),
        workload('StatefulSet', 'db', 'pg', [byDigest('a')]),
        build('Build', 'ns', 'b-1', { kind: 'ImageStreamImage', name: `app@${digest('a')}` }),
      ],
      seed: 'a',
      reasons: [
        'Build ns/b-1 spec.strategy.sourceStrategy.from.name references it by digest',
        'Pod ns/web spec.containers[0].image references it by digest',
        'Pod ns/web spec.initContainers[0].image references it by digest',
        'StatefulSet db/pg spec.template.spec.containers[0].image references it by digest',
      ],
    },
    {
      why: 'a reference by tag to position 0',
      items: () => [image('a'), stream('ns', 'app', { v1: ['a'] }, { age: '5m' }), workload('Deployment', 'ns', 'd', ['quay.io/ns/app:v1'])],
      seed: 'a',
      reasons: [
        'Deployment ns/d spec.template.spec.containers[0].image references it by tag ns/app:v1',
        'revision ns/app:v1#0 stays: young stream: ns/app was created 2026-03-01T11:55:00Z, within keepYoungerThan 1h',
      ],
    },
    {
      why: 'a manifest list that stays lists it',
      items: () => [image('L', { children: ['c'], manifest: manifestList(['c']) }), image('c'), pod('ns', 'p', [byDigest('L')])],
      seed: 'c',
      reasons: [`child of manifest list ${digest('L')}, which stays`],
    },
    {
      why: 'young, and not managed',
      items: () => [image('a', { age: '5m', managed: 'false' })],
      seed: 'a',
      reasons: [
        'not a candidate: not managed (openshift.io/image.managed is "false") and all is not set',
        'not a candidate: young, created 2026-03-01T11:55:00Z, within keepYoungerThan 1h',
      ],
    },
    {
      why: 'an annotation that is missing',
      items: () => [image('a', { managed: null })],
      seed: 'a',
      reasons: ['not a candidate: not managed (openshift.io/image.managed is not set) and all is not set'],
    },
    {
      why: 'namespace mode',
      items: () => [image('a')],
      options: { namespace: 'ns' },
      seed: 'a',
      reasons: ['namespace mode: no image is deleted (namespace ns)'],
    },
  ];
  it.each(cases)('$why', (c) => {
    expect(imageReasons(c.items(), c.options ?? {}, c.seed)).toEqual({ verdict: 'stays', reasons: c.reasons });
  });

  it('a revision that is removed is no reason to stay: a shared image names only what keeps it', () => {
    const items = [image('a'), image('b'), stream('ns', 'app', { latest: ['a', 'b'] }), stream('ns', 'base', { latest: ['b'] })];
    expect(imageReasons(items, { keepTagRevisions: 1 }, 'b')).toEqual({ verdict: 'stays', reasons: ['revision ns/base:latest#0 stays: within keepTagRevisions 1: position 0'] });
    expect(revisionReasons(items, { keepTagRevisions: 1 }, 'ns/app:latest#1')).toEqual({ verdict: 'removed', reasons: ['beyond keepTagRevisions 1: position 1'] });
  });
});

describe('a deleted image says why nothing keeps it', () => {
  it('names its removed revisions, and that it is a candidate nothing references', () => {
    const items = [image('a'), image('b', { layers: [layer('l', 5)] }), stream('ns', 'app', { latest: ['a', 'b'], old: ['a', 'b'] })];
    expect(imageReasons(items, { keepTagRevisions: 1 }, 'b')).toEqual({
      verdict: 'deleted',
      reasons: [
        'a candidate: created 2026-02-28T12:00:00Z, older than keepYoungerThan 1h, and managed',
        'no pod, workload or build references it',
        'no revision that stays points to it',
        'revision ns/app:latest#1 is removed: beyond keepTagRevisions 1: position 1',
        'revision ns/app:old#1 is removed: beyond keepTagRevisions 1: position 1',
      ],
    });
  });

  it('with all set and in over-size mode, says so', () => {
    const items = [sized(image('a', { managed: null, age: '5m' }), 10), limitRange('ns', 'l', ['1'])];
    expect(imageReasons(items, { all: true, pruneOverSizeLimit: true }, 'a')).toEqual({
      verdict: 'deleted',
      reasons: ['a candidate: age does not count in over-size mode, and all is set', 'no pod, workload or build references it', 'no revision that stays points to it'],
    });
  });
});

describe('the lists are sorted as plan-types.ts documents', () => {
  it('images by digest; revisions by namespace, name, tag, then index (as a number)', () => {
    const seeds = Array.from({ length: 12 }, (_, i) => `s${i}`);
    const r = reasonsOf(
      [...seeds.map((s) => image(s)), stream('zz', 'app', { latest: seeds.slice(0, 11) }), stream('Zz', 'app', { b: ['s11'], a: ['s11'] }), stream('aa', 'web', { latest: ['s1'] })],
      { keepTagRevisions: 2 },
    );
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    expect(r.images.map((i) => i.image)).toEqual(r.images.map((i) => i.image).sort(cmp));
    expect(r.revisions.map((x) => `${x.namespace}/${x.name}:${x.tag}#${x.index}`)).toEqual([
      'Zz/app:a#0',
      'Zz/app:b#0',
      'aa/web:latest#0',
      ...Array.from({ length: 11 }, (_, i) => `zz/app:latest#${i}`),
    ]);
  });
});
