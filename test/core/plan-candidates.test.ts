// Which images are candidates (docs/rules.md, "Words"): not young, and
// managed (annotation exactly "true") unless `all` is set. Also the options.
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/errors.js';
import { computePlan, resolvePlanOptions } from '../../shared/core/plan.js';
import { digest, image, NOW, snapshot } from '../builders.js';
import { digests, planOf } from './plan-helpers.js';

describe('the managed annotation decides candidates unless all is set', () => {
  const cases: Array<[string, boolean | string | null, boolean, boolean]> = [
    // annotation, all, deleted?
    ['"true" without all', true, false, true],
    ['"true" with all', true, true, true],
    ['"false" without all', false, false, false],
    ['"false" with all', false, true, true],
    ['"True" (not exactly "true") without all', 'True', false, false],
    ['"True" with all', 'True', true, true],
    ['"1" without all', '1', false, false],
    ['"1" with all', '1', true, true],
    ['missing without all', null, false, false],
    ['missing with all', null, true, true],
    ['empty string without all', '', false, false],
  ];
  it.each(cases)('an old unreferenced image annotated %s', (_why, managed, all, deleted) => {
    const plan = planOf([image('a', { managed })], { all });
    expect(plan.images).toEqual(deleted ? digests('a') : []);
  });
});

describe('young images are never candidates', () => {
  const H = 3_600_000;
  const cases: Array<[string, number, number | undefined, boolean]> = [
    // why, image age in ms, keepYoungerThanMs (undefined = default 60m), deleted?
    ['an image created just now is kept', 0, undefined, false],
    ['a 59 minute old image is kept by the default 60m', 59 * 60_000, undefined, false],
    ['an image 1ms short of 60m is kept', H - 1, undefined, false],
    ['an image exactly 60m old is no longer young', H, undefined, true],
    ['a 61 minute old image is pruned', H + 60_000, undefined, true],
    ['keepYoungerThan 2h keeps a 90 minute old image', 1.5 * H, 2 * H, false],
    ['keepYoungerThan 2h prunes a 3 hour old image', 3 * H, 2 * H, true],
    ['keepYoungerThan 0 keeps nothing for its age', 1, 0, true],
    ['an image from the future (clock skew) is young', -10 * 60_000, undefined, false],
  ];
  it.each(cases)('%s', (_why, age, keepYoungerThanMs, deleted) => {
    const plan = planOf([image('a', { age })], keepYoungerThanMs === undefined ? {} : { keepYoungerThanMs });
    expect(plan.images).toEqual(deleted ? digests('a') : []);
  });

  // The API writes whole seconds (`...T11:00:00Z`); dumps edited by hand or
  // other tools may carry milliseconds or an offset. Youth must not depend on the form.
  const H_AGO = new Date(NOW.getTime() - H);
  const forms: Array<[string, string, boolean]> = [
    ['API form, exactly 60m', H_AGO.toISOString().replace('.000Z', 'Z'), true],
    ['with milliseconds, exactly 60m', H_AGO.toISOString(), true],
    ['with an offset, exactly 60m', '2026-03-01T12:00:00+01:00', true],
    ['API form, 59m59s', new Date(H_AGO.getTime() + 1000).toISOString().replace('.000Z', 'Z'), false],
    ['with milliseconds, 59m59.999s', new Date(H_AGO.getTime() + 1).toISOString(), false],
    ['with an offset, 59m59s', '2026-03-01T12:00:01+01:00', false],
  ];
  it.each(forms)('a timestamp %s: deleted %s', (_why, creationTimestamp, deleted) => {
    const img = image('a');
    img.metadata.creationTimestamp = creationTimestamp;
    expect(planOf([img]).images).toEqual(deleted ? digests('a') : []);
  });

  const subSecond: Array<[string, Partial<{ now: Date; keepYoungerThanMs: number }>, number, boolean]> = [
    ['keepYoungerThan 60m0.5s keeps an image exactly 60m old', { keepYoungerThanMs: H + 500 }, H, false],
    ['keepYoungerThan 60m0.5s prunes an image 60m1s old', { keepYoungerThanMs: H + 500 }, H + 1000, true],
    ['now 250ms past a second prunes an image 60m whole seconds before that second', { now: new Date(NOW.getTime() + 250) }, H, true],
    ['now 250ms past a second keeps an image 59m59s before that second', { now: new Date(NOW.getTime() + 250) }, H - 1000, false],
  ];
  it.each(subSecond)('%s', (_why, o, age, deleted) => {
    expect(planOf([image('a', { age })], o).images).toEqual(deleted ? digests('a') : []);
  });

  it('all does not make a young image a candidate', () => {
    expect(planOf([image('a', { age: '5m', managed: null })], { all: true }).images).toEqual([]);
  });

  it('ages are measured from the now option, not the wall clock', () => {
    const img = image('a', { age: '30m' });
    expect(computePlan(snapshot(img), { now: NOW }).images).toEqual([]);
    expect(computePlan(snapshot(img), { now: new Date(NOW.getTime() + 31 * 60_000) }).images).toEqual(digests('a'));
  });
});

describe('the plan deletes only candidates nothing references', () => {
  it('of several old images, only the managed ones go', () => {
    const plan = planOf([
      image('m1'),
      image('m2'),
      image('u1', { managed: null }),
      image('f1', { managed: false }),
      image('y1', { age: '10m' }),
    ]);
    expect(plan.images).toEqual(digests('m1', 'm2'));
  });

  it('an Image listed twice in a dump is read once', () => {
    const kept = image('k', { layers: ['shared'], managed: null });
    const once = planOf([kept, image('x', { layers: ['shared', 'own'] })]);
    expect(once.images).toEqual(digests('x'));
    expect(planOf([kept, image('x', { layers: ['shared', 'own'] }), structuredClone(kept)])).toEqual(once);
    expect(planOf([image('x', { layers: ['shared', 'own'] }), kept, image('x', { layers: ['shared', 'own'] })])).toEqual(once);
  });

  it('an empty snapshot gives an empty plan', () => {
    expect(planOf([])).toEqual({ images: [], streamUpdates: [], manifestLinks: [], layerLinks: [], blobs: [], bytesReclaimed: 0, warnings: [] });
  });
});

describe('resolvePlanOptions', () => {
  it('fills in the defaults of docs/rules.md', () => {
    const before = Date.now();
    const o = resolvePlanOptions({});
    expect(o).toMatchObject({ keepTagRevisions: 3, keepYoungerThanMs: 60 * 60_000, all: false, ignoreInvalidRefs: false });
    expect(o.now.getTime()).toBeGreaterThanOrEqual(before);
    expect(o.now.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('keeps what is given', () => {
    const given = { keepTagRevisions: 0, keepYoungerThanMs: 0, now: NOW, all: true, ignoreInvalidRefs: true, pruneOverSizeLimit: true, namespace: 'ns', pruneRegistry: false };
    expect(resolvePlanOptions(given)).toEqual(given);
  });

  // Safety: an option that is not a number would make every image "old"
  // (NaN comparisons are false) and so prune young images; refuse it instead.
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['now that is not a date', { now: new Date('not a date') }, 'now'],
    ['keepYoungerThanMs NaN', { keepYoungerThanMs: Number.NaN }, 'keepYoungerThan'],
    ['keepYoungerThanMs negative', { keepYoungerThanMs: -1 }, 'keepYoungerThan'],
    ['keepTagRevisions NaN', { keepTagRevisions: Number.NaN }, 'keepTagRevisions'],
    ['keepTagRevisions negative', { keepTagRevisions: -1 }, 'keepTagRevisions'],
    ['keepTagRevisions fractional', { keepTagRevisions: 1.5 }, 'keepTagRevisions'],
  ];
  it.each(bad)('refuses %s, naming the option', (_why, o, field) => {
    expect(() => resolvePlanOptions(o)).toThrow(InvalidInputError);
    expect(() => resolvePlanOptions(o)).toThrow(field);
    expect(() => computePlan(snapshot(image('a', { age: '1m' })), o)).toThrow(InvalidInputError);
  });

  it('an image of the default age is deleted under the defaults (sanity check of the builders)', () => {
    expect(computePlan(snapshot(image('a')), { now: NOW }).images).toEqual([digest('a')]);
  });
});
