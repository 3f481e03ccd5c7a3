// Image stream history (docs/rules.md, "Which stream revisions stay", rule 4 and the
// stream updates of the plan); plan-revisions.test.ts has one table per rule.
import { describe, expect, it } from 'vitest';
import { digest, image, rev, stream } from '../builders.js';
import { digests, planOf } from './plan-helpers.js';

const removed = (tag: string, index: number, seed: string) => ({ tag, index, image: digest(seed) });

describe('the newest keepTagRevisions revisions of each tag are strong', () => {
  const history = ['a', 'b', 'c', 'd', 'e'];
  const cases: Array<[number, string[]]> = [
    [0, ['a', 'b', 'c', 'd', 'e']],
    [1, ['b', 'c', 'd', 'e']],
    [2, ['c', 'd', 'e']],
    [3, ['d', 'e']],
    [4, ['e']],
    [5, []],
    [6, []],
  ];
  it.each(cases)('keepTagRevisions %i over 5 old revisions deletes %j', (keepTagRevisions, gone) => {
    const plan = planOf([...history.map((h) => image(h)), stream('ns', 'app', { latest: history })], { keepTagRevisions });
    expect(plan.images).toEqual(digests(...gone));
    const indexes = gone.map((g) => history.indexOf(g));
    expect(plan.streamUpdates).toEqual(
      gone.length === 0
        ? []
        : [{ namespace: 'ns', name: 'app', removed: gone.map((g, i) => removed('latest', indexes[i], g)), removedTags: gone.length === 5 ? ['latest'] : [] }],
    );
  });

  it('the default keeps 3 revisions', () => {
    const plan = planOf([...history.map((h) => image(h)), stream('ns', 'app', { latest: history })]);
    expect(plan.images).toEqual(digests('d', 'e'));
  });

  it('counts revisions per tag, not per stream', () => {
    const plan = planOf(
      [...['a', 'b', 'c', 'x', 'y'].map((h) => image(h)), stream('ns', 'app', { v1: ['a', 'b', 'c'], v2: ['x', 'y'] })],
      { keepTagRevisions: 2 },
    );
    expect(plan.images).toEqual(digests('c'));
  });
});

describe('young streams and young revisions keep their images', () => {
  it('a young stream keeps every revision, however deep', () => {
    const plan = planOf([image('a'), image('b'), image('c'), stream('ns', 'app', { latest: ['a', 'b', 'c'] }, { age: '30m' })], { keepTagRevisions: 1 });
    expect(plan.images).toEqual([]);
    expect(plan.streamUpdates).toEqual([]);
  });

  it('a young revision beyond keepTagRevisions keeps its (old) image', () => {
    const plan = planOf([image('a'), image('b'), image('c'), stream('ns', 'app', { latest: ['a', rev('b', '10m'), 'c'] })], { keepTagRevisions: 1 });
    expect(plan.images).toEqual(digests('c'));
    expect(plan.streamUpdates).toEqual([{ namespace: 'ns', name: 'app', removed: [removed('latest', 2, 'c')], removedTags: [] }]);
  });

  it('a revision exactly keepYoungerThan old is no longer young', () => {
    const plan = planOf([image('a'), image('b'), stream('ns', 'app', { latest: ['a', rev('b', '60m')] })], { keepTagRevisions: 1 });
    expect(plan.images).toEqual(digests('b'));
  });

  it('a stream exactly keepYoungerThan old is no longer young', () => {
    const plan = planOf([image('a'), image('b'), stream('ns', 'app', { latest: ['a', 'b'] }, { age: '60m' })], { keepTagRevisions: 1 });
    expect(plan.images).toEqual(digests('b'));
  });
});

describe('the same image twice in one tag history', () => {
  it('is kept when one of its revisions stays; its revision beyond keepTagRevisions is removed all the same', () => {
    const plan = planOf([image('a'), image('b'), image('c'), image('d'), stream('ns', 'app', { latest: ['a', 'b', 'c', 'd', 'a'] })]);
    expect(plan.images).toEqual(digests('d'));
    expect(plan.streamUpdates).toEqual([{ namespace: 'ns', name: 'app', removed: [removed('latest', 3, 'd'), removed('latest', 4, 'a')], removedTags: [] }]);
    // a is still in the history at position 0: only d's manifest leaves the repository
    expect(plan.manifestLinks).toEqual([{ repository: 'ns/app', digest: digest('d') }]);
  });

  it('is deleted when all its revisions are weak; each revision is removed and its manifest unlinked once', () => {
    const plan = planOf([image('a'), image('b'), image('c'), image('d'), stream('ns', 'app', { latest: ['a', 'b', 'c', 'd', 'd'] })]);
    expect(plan.images).toEqual(digests('d'));
    expect(plan.streamUpdates).toEqual([{ namespace: 'ns', name: 'app', removed: [removed('latest', 3, 'd'), removed('latest', 4, 'd')], removedTags: [] }]);
    expect(plan.manifestLinks).toEqual([{ repository: 'ns/app', digest: digest('d') }]);
  });
});

describe('revisions whose image is absent from the cluster', () => {
  const cases: Array<[string, string | number, boolean]> = [
    ['an old absent revision is removed', '2h', true],
    ['a young absent revision is kept', '10m', false],
  ];
  it.each(cases)('%s, even at position 0', (_why, age, gone) => {
    const plan = planOf([image('a'), stream('ns', 'app', { latest: [rev('missing', age), 'a'] })]);
    expect(plan.images).toEqual([]);
    expect(plan.streamUpdates).toEqual(gone ? [{ namespace: 'ns', name: 'app', removed: [removed('latest', 0, 'missing')], removedTags: [] }] : []);
    expect(plan.manifestLinks).toEqual(gone ? [{ repository: 'ns/app', digest: digest('missing') }] : []);
    // an absent image has no blobs we know of
    expect(plan.layerLinks).toEqual([]);
    expect(plan.blobs).toEqual([]);
  });

  it('an old absent revision of a young stream stays: youth comes first (rule 1 before rule 3)', () => {
    const plan = planOf([image('a'), stream('ns', 'app', { latest: ['a', rev('missing', '2h')] }, { age: '30m' })]);
    expect(plan.streamUpdates).toEqual([]);
  });

  it('a tag of only old absent revisions is removed whole', () => {
    const plan = planOf([image('a'), stream('ns', 'app', { latest: ['a'], old: ['gone1', 'gone2'] })]);
    expect(plan.streamUpdates).toEqual([
      { namespace: 'ns', name: 'app', removed: [removed('old', 0, 'gone1'), removed('old', 1, 'gone2')], removedTags: ['old'] },
    ]);
  });
});

describe('an image that one stream keeps and another holds beyond keepTagRevisions', () => {
  it('is kept, and its revision beyond keepTagRevisions is removed from the other stream (as oc does)', () => {
    const plan = planOf(
      [
        ...['s', 'x', 'y', 'z'].map((h) => image(h)),
        stream('ns1', 'strong', { latest: ['s'] }),
        stream('ns2', 'weak', { latest: ['x', 'y', 'z', 's'] }),
      ],
      { keepTagRevisions: 3 },
    );
    expect(plan.images).toEqual([]);
    expect(plan.streamUpdates).toEqual([{ namespace: 'ns2', name: 'weak', removed: [removed('latest', 3, 's')], removedTags: [] }]);
    expect(plan.manifestLinks).toEqual([{ repository: 'ns2/weak', digest: digest('s') }]);
    expect(plan.blobs).toEqual([]);
  });

  it('a revision beyond keepTagRevisions is removed although its image stays (unmanaged, young)', () => {
    const plan = planOf([image('a'), image('u', { managed: null }), image('y', { age: '5m' }), stream('ns', 'app', { latest: ['a', 'u', 'y'] })], {
      keepTagRevisions: 1,
    });
    expect(plan.images).toEqual([]);
    expect(plan.streamUpdates).toEqual([{ namespace: 'ns', name: 'app', removed: [removed('latest', 1, 'u'), removed('latest', 2, 'y')], removedTags: [] }]);
    expect(plan.blobs).toEqual([]);
  });
});

describe('stream updates', () => {
  it('remove the revisions of deleted images, tag by tag, and whole tags that are emptied', () => {
    const plan = planOf(
      [
        ...['a', 'b', 'c', 'd'].map((h) => image(h)),
        stream('ns', 'app', { latest: ['a', 'b'], stale: ['c'], dup: ['d', 'c'] }, { age: '48h' }),
      ],
      { keepTagRevisions: 0 },
    );
    expect(plan.images).toEqual(digests('a', 'b', 'c', 'd'));
    expect(plan.streamUpdates).toEqual([
      {
        namespace: 'ns',
        name: 'app',
        removed: [removed('dup', 0, 'd'), removed('dup', 1, 'c'), removed('latest', 0, 'a'), removed('latest', 1, 'b'), removed('stale', 0, 'c')],
        removedTags: ['dup', 'latest', 'stale'],
      },
    ]);
  });

  it('list only streams with a removed revision, sorted by namespace then name', () => {
    const plan = planOf(
      [
        ...['k', 'o1', 'o2', 'o3', 'o4'].map((h) => image(h)),
        stream('zeta', 'app', { latest: ['k', 'o1'] }),
        stream('alpha', 'web', { latest: ['k', 'o2'] }),
        stream('alpha', 'api', { latest: ['k', 'o3'] }),
        stream('beta', 'untouched', { latest: ['k'] }),
        stream('Alpha', 'app', { latest: ['k', 'o4'] }),
      ],
      { keepTagRevisions: 1 },
    );
    expect(plan.streamUpdates.map((u) => `${u.namespace}/${u.name}`)).toEqual(['Alpha/app', 'alpha/api', 'alpha/web', 'zeta/app']);
  });

  it('a tag with no items at all is neither read nor removed', () => {
    const s = stream('ns', 'app', { latest: ['a'] });
    s.status!.tags!.push({ tag: 'empty', items: null });
    const plan = planOf([image('a'), image('b'), s]);
    expect(plan.images).toEqual(digests('b'));
    expect(plan.streamUpdates).toEqual([]);
  });
});
