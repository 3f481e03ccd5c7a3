// sortDigests sorts exactly as Array.prototype.sort() does (plain string
// order), on the bucketed path (sha256 digests) and on every fallback.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortDigests } from '../../shared/core/sort-digests.js';

const hex = fc.constantFrom(...'0123456789abcdef'.split(''));
const sha = fc.array(hex, { minLength: 64, maxLength: 64 }).map((h) => `sha256:${h.join('')}`);
/** Digests sharing a prefix: full buckets, and neighbours that differ late. */
const crowded = fc.array(hex, { minLength: 8, maxLength: 8 }).map((h) => `sha256:0000${h.join('')}`);
const odd = fc.oneof(fc.string(), fc.constantFrom('sha256:', 'sha256:ABCD', 'sha256:00g0', 'sha512:0000', 'sha256:0', 'sha256:ab'));

describe('sortDigests', () => {
  it('gives the order of sort() for lists of digests, small and large, with repeats', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 8, arbitrary: sha }, { weight: 1, arbitrary: crowded }), { maxLength: 3000 }), fc.boolean(), (values, repeat) => {
        const list = repeat ? [...values, ...values.slice(0, 50)] : values;
        expect(sortDigests([...list])).toEqual([...list].sort());
      }),
      { numRuns: 40 },
    );
  });

  it('gives the order of sort() when some values are not sha256 digests', () => {
    fc.assert(
      fc.property(fc.array(sha, { minLength: 40, maxLength: 400 }), fc.array(odd, { minLength: 1, maxLength: 5 }), (digests, others) => {
        const list = [...digests, ...others];
        expect(sortDigests([...list])).toEqual([...list].sort());
      }),
      { numRuns: 60 },
    );
  });

  it('sorts a bucket crowded past insertion sort (thousands of one prefix)', () => {
    const list = Array.from({ length: 5000 }, (_, i) => `sha256:0000${((i * 7919) % 5000).toString(16).padStart(60, '0')}`);
    expect(sortDigests([...list])).toEqual([...list].sort());
  });

  it('sorts in place and returns the list it was given', () => {
    const list = Array.from({ length: 100 }, (_, i) => `sha256:${(99 - i).toString(16).padStart(64, 'f')}`);
    expect(sortDigests(list)).toBe(list);
    expect(list).toEqual([...list].sort());
  });
});
