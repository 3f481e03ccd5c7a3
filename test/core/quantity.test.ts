// Kubernetes quantities as a LimitRange's max.storage gives them (docs/rules.md,
// "Words"): the value in bytes, rounded down, exactly as Kubernetes reads it.
import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../../shared/core/quantity.js';

const MAX = 2 ** 53;

describe('parseQuantity reads Kubernetes quantities', () => {
  const cases: Array<[string, number]> = [
    ['0', 0],
    ['123', 123],
    ['+5', 5],
    ['-5', -5],
    ['1k', 1000],
    ['512k', 512_000],
    ['1M', 1_000_000],
    ['1G', 1_000_000_000],
    ['2T', 2e12],
    ['3P', 3e15],
    ['1E', 1e18 > MAX ? MAX : 1e18],
    ['1Ki', 1024],
    ['100Mi', 100 * 1024 ** 2],
    ['1Gi', 1024 ** 3],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['2Ti', 2 * 1024 ** 4],
    ['1Pi', 1024 ** 5],
    ['8Ei', MAX],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1.5e3', 1500],
    ['2e+2', 200],
    ['15e-1', 1],
    ['.5Ki', 512],
    ['5.', 5],
    ['0.5', 0],
    ['1.9', 1],
    ['-1.5', -2],
    ['100m', 0],
    ['1500m', 1],
    ['2000000u', 2],
    ['3000000000n', 3],
    ['1e400', MAX],
    ['1e-400', 0],
    ['-1e-400', -1],
    ['0e99999', 0],
    ['123456789012345678901234567890', MAX],
  ];
  it.each(cases)('%s is %d bytes (rounded down)', (text, bytes) => {
    expect(parseQuantity(text)).toEqual({ text, floorBytes: bytes });
  });
});

describe('parseQuantity refuses what Kubernetes refuses', () => {
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['a suffix alone', 'Gi'],
    ['a point alone', '.'],
    ['a sign alone', '-'],
    ['two signs', '--1'],
    ['a space', '1 Gi'],
    ['a leading space', ' 1Gi'],
    ['an upper-case K (decimal kilo is k)', '1K'],
    ['a lower-case binary suffix', '1gi'],
    ['a byte unit', '1GB'],
    ['an exponent without digits', '1e'],
    ['a fractional exponent', '1e1.5'],
    ['two points', '1.2.3'],
    ['a suffix and an exponent', '1Ki3'],
  ];
  it.each(cases)('%s: %j', (_why, text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});
