// Invalid references ("Which images stay"): they stop the plan, naming every offending object and
// field, unless ignoreInvalidRefs turns each into a warning.
import { describe, expect, it } from 'vitest';
import { InvalidReferencesError, PrunerError } from '../../shared/errors.js';
import { computePlan } from '../../shared/core/plan.js';
import { build, byDigest, image, options, pod, snapshot, stream, workload, type Item } from '../builders.js';
import { digests, planOf } from './plan-helpers.js';

const BAD = 'ns/Bad Image:latest';

/** One invalid reference per place the rules read, with the kind, object and field it must be named by. */
const offenders: Array<[string, Item, string, string]> = [
  ['a pod container', pod('ns', 'p1', [BAD]), 'Pod ns/p1', 'spec.containers[0].image'],
  ['a pod initContainer', pod('ns', 'p2', { containers: [byDigest('a')], initContainers: [BAD] }), 'Pod ns/p2', 'spec.initContainers[0].image'],
  ['a pod ephemeralContainer', pod('ns', 'p3', { containers: [byDigest('a')], ephemeralContainers: ['ns/app:'] }), 'Pod ns/p3', 'spec.ephemeralContainers[0].image'],
  ['a pending pod', pod('ns', 'p4', [byDigest('a'), 'ns//app'], { phase: 'Pending' }), 'Pod ns/p4', 'spec.containers[1].image'],
  ['a young finished pod', pod('ns', 'p5', ['ns/app@sha256:short'], { phase: 'Succeeded', age: '5m' }), 'Pod ns/p5', 'spec.containers[0].image'],
  ['a Deployment', workload('Deployment', 'ns', 'd', [BAD]), 'Deployment ns/d', 'spec.template.spec.containers[0].image'],
  ['a DeploymentConfig', workload('DeploymentConfig', 'ns', 'dc', { containers: [], initContainers: [BAD] }), 'DeploymentConfig ns/dc', 'spec.template.spec.initContainers[0].image'],
  ['a StatefulSet', workload('StatefulSet', 'ns', 'ss', [BAD]), 'StatefulSet ns/ss', 'spec.template.spec.containers[0].image'],
  ['a CronJob', workload('CronJob', 'ns', 'cj', [BAD]), 'CronJob ns/cj', 'spec.jobTemplate.spec.template.spec.containers[0].image'],
  ['a DockerImage build', build('Build', 'ns', 'b1', { kind: 'DockerImage', name: BAD }), 'Build ns/b1', 'spec.strategy.sourceStrategy.from.name'],
  ['an ImageStreamImage without @digest', build('BuildConfig', 'ns', 'bc1', { kind: 'ImageStreamImage', name: 'builder' }, { strategy: 'dockerStrategy' }), 'BuildConfig ns/bc1', 'spec.strategy.dockerStrategy.from.name'],
  ['an ImageStreamImage with a malformed digest', build('BuildConfig', 'ns', 'bc2', { kind: 'ImageStreamImage', name: 'builder@sha256:xyz' }), 'BuildConfig ns/bc2', 'spec.strategy.sourceStrategy.from.name'],
  ['an ImageStreamTag without :tag', build('BuildConfig', 'ns', 'bc3', { kind: 'ImageStreamTag', name: 'builder' }, { strategy: 'customStrategy' }), 'BuildConfig ns/bc3', 'spec.strategy.customStrategy.from.name'],
  ['an ImageStreamTag with an empty tag', build('Build', 'ns', 'b2', { kind: 'ImageStreamTag', name: 'builder:' }), 'Build ns/b2', 'spec.strategy.sourceStrategy.from.name'],
];

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, got none');
}

describe('an invalid reference stops the plan, naming the object and field', () => {
  it.each(offenders)('in %s', (_why, item, object, field) => {
    const err = thrown(() => planOf([image('a'), item]));
    expect(err).toBeInstanceOf(InvalidReferencesError);
    expect(err).toBeInstanceOf(PrunerError);
    const e = err as InvalidReferencesError;
    expect(e.name).toBe('InvalidReferencesError');
    expect(e.offenders).toHaveLength(1);
    expect(e.offenders[0]).toContain(object);
    expect(e.offenders[0]).toContain(field);
    expect(e.message).toContain(object);
    expect(e.message).toContain(field);
  });

  it('every offender of the snapshot is listed at once, sorted', () => {
    const e = thrown(() => planOf([image('a'), ...offenders.map(([, item]) => item)])) as InvalidReferencesError;
    expect(e).toBeInstanceOf(InvalidReferencesError);
    expect(e.offenders).toHaveLength(offenders.length);
    for (const [, , object, field] of offenders) {
      expect(e.offenders.some((o) => o.includes(`${object} `) && o.includes(field))).toBe(true);
    }
    expect(e.offenders).toEqual([...e.offenders].sort());
  });

  it('two bad containers of one pod are two offenders', () => {
    const e = thrown(() => planOf([pod('ns', 'p', [BAD, 'UPPER/case'])])) as InvalidReferencesError;
    expect(e.offenders).toHaveLength(2);
    expect(e.offenders.join('\n')).toContain('spec.containers[0].image');
    expect(e.offenders.join('\n')).toContain('spec.containers[1].image');
  });
});

describe('references rule 3 ignores are not read', () => {
  const ignored: Array<[string, Item]> = [
    ['an old succeeded pod', pod('ns', 'p', [BAD], { phase: 'Succeeded' })],
    ['an old failed pod', pod('ns', 'p', [BAD], { phase: 'Failed' })],
    ['an old pod in phase Unknown', pod('ns', 'p', [BAD], { phase: 'Unknown' })],
  ];
  it.each(ignored)('%s with an invalid reference does not stop the plan', (_why, item) => {
    expect(planOf([image('a'), item]).images).toEqual(digests('a'));
  });

  it('stream revisions are not pull specs: their dockerImageReference is not read', () => {
    const s = stream('ns', 'app', { latest: ['a'] });
    s.status!.tags![0].items![0].dockerImageReference = BAD;
    expect(planOf([image('a'), s]).images).toEqual([]);
  });
});

describe('with ignoreInvalidRefs', () => {
  it('each invalid reference is a warning naming it, and the plan goes on', () => {
    const plan = planOf([image('a'), image('b'), pod('ns', 'p', [BAD, byDigest('a')]), workload('CronJob', 'ns', 'cj', ['ns/app:'])], {
      ignoreInvalidRefs: true,
    });
    expect(plan.images).toEqual(digests('b'));
    const warnings = plan.warnings.join('\n');
    expect(plan.warnings.filter((w) => w.includes('spec.containers[0].image') || w.includes('spec.jobTemplate.spec.template.spec.containers[0].image'))).toHaveLength(2);
    expect(warnings).toContain('Pod ns/p');
    expect(warnings).toContain('CronJob ns/cj');
  });

  it('an invalid reference is skipped: it keeps nothing', () => {
    // The bad reference (upper case in the path) names image a's digest; skipping it must not keep a.
    const upper = `ns/App@${digests('a')[0]}`;
    const plan = planOf([image('a'), pod('ns', 'p', [upper])], { ignoreInvalidRefs: true });
    expect(plan.images).toEqual(digests('a'));
    expect(plan.warnings).toHaveLength(1);
  });

  it('without the option the same snapshot throws before any plan exists', () => {
    const s = snapshot(image('a'), pod('ns', 'p', [BAD]));
    expect(() => computePlan(s, options())).toThrow(InvalidReferencesError);
    expect(computePlan(s, options({ ignoreInvalidRefs: true })).images).toEqual(digests('a'));
  });
});
