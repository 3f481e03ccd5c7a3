// sortDigests sorts exactly as Array.prototype.sort() does (plain string
// order), on the bucketed path (sha256 digests) and on every fallback.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortDigestLists, sortDigests } from '../../shared/core/sort-digests.js';

const hex = fc.constantFrom(...'0123456789abcdef'.split(''));
const sha = fc.array(hex, { minLength: 64, maxLength: 64 }).map((h) => `sha256:${h.join('')}`);
/** Digests sharing a prefix: full buckets, and neighbours that differ late. */
const crowded = fc.array(hex, { minLength: 8, maxLength: 8 }).map((h) => `sha256:0000${h.join('')}`);
/** `count` distinct sha256 digests in no order, the same every run. */
const digestsOf = (count: number, seed = ''): string[] => Array.from({ length: count }, (_, i) => `sha256:${createHash('sha256').update(`${seed}${i}`).digest('hex')}`);
const odd = fc.oneof(fc.string(), fc.constantFrom('sha256:', 'sha256:ABCD', 'sha256:00g0', 'sha512:0000', 'sha256:0', 'sha256:ab'));

describe('sortDigests', () => {
  it('gives the order of sort() for lists of digests, small and large, with repeats', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 8, arbitrary: sha }, { weight: 1, arbitrary: crowded }), { maxLength: 60_000 }), fc.boolean(), (values, repeat) => {
        const list = repeat ? [...values, ...values.slice(0, 50)] : values;
        expect(sortDigests([...list])).toEqual([...list].sort());
      }),
      { numRuns: 8 },
    );
  });

  it('gives the order of sort() when some values are not sha256 digests', () => {
    fc.assert(
      fc.property(fc.array(sha, { minLength: 40, maxLength: 60_000 }), fc.array(odd, { minLength: 1, maxLength: 5 }), (digests, others) => {
        const list = [...digests, ...others];
        expect(sortDigests([...list])).toEqual([...list].sort());
      }),
      { numRuns: 8 },
    );
  });

  it('sorts a bucket crowded past insertion sort (thousands of one prefix)', () => {
    const list = Array.from({ length: 60_000 }, (_, i) => `sha256:0000${((i * 7919) % 60_000).toString(16).padStart(60, '0')}`);
    expect(sortDigests([...list])).toEqual([...list].sort());
  });

  it('sorts in place and returns the list it was given', () => {
    const list = Array.from({ length: 60_000 }, (_, i) => `sha256:${(59_999 - i).toString(16).padStart(64, 'f')}`);
    expect(sortDigests(list)).toBe(list);
    expect(list).toEqual([...list].sort());
  });

  it('sorts many lists at once, each on its own, big or small, with a digest in several', () => {
    fc.assert(
      fc.property(fc.array(fc.array(sha, { maxLength: 300 }), { minLength: 1, maxLength: 400 }), fc.boolean(), (lists, share) => {
        if (share && lists.length > 1 && lists[0].length > 0) lists[1].push(lists[0][0]);
        const expected = lists.map((l) => [...l].sort());
        sortDigestLists(lists);
        expect(lists).toEqual(expected);
      }),
      { numRuns: 10 },
    );
  });

  // Past 50,000 values in all the lists: the bucketed path.
  it('gives the order of sort() for one big list of digests, with repeats and a crowded bucket', () => {
    const list = [...digestsOf(70_000), ...digestsOf(500, 'r'), ...digestsOf(500, 'r'), ...Array.from({ length: 200 }, (_, i) => `sha256:abcd${i.toString(16).padStart(60, '0')}`)];
    expect(sortDigests([...list])).toEqual([...list].sort());
  });

  it('gives the order of sort() for many lists big together, each on its own', () => {
    const all = digestsOf(80_000);
    const lists: string[][] = [];
    for (let i = 0; i < all.length; ) {
      const size = (i * 31) % 97;
      lists.push(all.slice(i, i + size));
      i += size + 1;
    }
    lists[3].push(lists[5][0], lists[5][0]);
    const expected = lists.map((l) => [...l].sort());
    sortDigestLists(lists);
    expect(lists).toEqual(expected);
  });

  it('falls back to sort() for a big list with one value that is not a digest', () => {
    const list = [...digestsOf(60_000), 'sha256:ABCDEF', 'latest'];
    expect(sortDigests([...list])).toEqual([...list].sort());
  });
});
