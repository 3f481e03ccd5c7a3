// The plan is written as JSON.stringify(plan, null, 2) would write it, byte for
// byte, but in small chunks (cli/pretty-json.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamedList, writePrettyJson } from '../../cli/pretty-json.js';

function written(value: unknown, end = '', chunkChars?: number): { text: string; chunks: string[] } {
  const chunks: string[] = [];
  writePrettyJson(value, (c) => chunks.push(c), end, chunkChars);
  return { text: chunks.join(''), chunks };
}

const expected = (value: unknown, end = ''): string => {
  const text = JSON.stringify(value, null, 2) as string | undefined;
  return text === undefined ? '' : text + end;
};

const SELF: { v: number; toJSON: () => unknown } = {
  v: 1,
  toJSON() {
    return SELF;
  },
};

describe('writePrettyJson', () => {
  it('writes a plan-shaped document exactly as JSON.stringify(value, null, 2), in chunks of about the size asked', () => {
    const digest = (i: number): string => `sha256:${i.toString(16).padStart(64, '0')}`;
    const plan = {
      images: Array.from({ length: 3000 }, (_, i) => digest(i)),
      streamUpdates: [{ namespace: 'ns', name: 'app', removed: [{ tag: 'latest', index: 3, image: digest(1) }], removedTags: [] }],
      manifestLinks: [],
      layerLinks: Array.from({ length: 2000 }, (_, i) => ({ repository: `ns/app-${i % 7}`, digest: digest(i) })),
      blobs: [],
      bytesReclaimed: 2809120971802,
      warnings: ['Image x: dockerImageManifest cannot be parsed (Unexpected token "\u0007" \\ "quoted"); grüße 🚀'],
    };
    const { text, chunks } = written(plan, '\n', 4096);
    expect(text).toBe(expected(plan, '\n'));
    expect(chunks.length).toBeGreaterThan(text.length / 8192);
    expect(Math.max(...chunks.slice(0, -1).map((c) => c.length))).toBeLessThan(4096 + 200);
  });

  it.each([
    ['an empty object', {}],
    ['an empty list', []],
    ['nested empties', { a: {}, b: [], c: [[], {}], d: { e: [] } }],
    ['a string', 'text'],
    ['a number', -0],
    ['null', null],
    ['undefined', undefined],
    ['a function', () => 1],
    ['left-out and null-made values', { a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 1, Symbol('s'), NaN, Infinity], e: 1 }],
    ['only left-out values', { a: undefined }],
    ['toJSON on the top and inside, with its key', { toJSON: () => ({ x: { toJSON: (k: string) => `key ${k}` }, y: [{ toJSON: (k: string) => k }] }) }],
    ['a toJSON returning undefined', { a: { toJSON: () => undefined }, b: [{ toJSON: () => undefined }] }],
    ['a toJSON returning its object (called once)', { a: SELF }],
    ['a Date, a Map, a class instance, boxed values', { d: new Date(0), m: new Map([[1, 2]]), c: new (class { x = [1, { y: 2 }] })(), s: new String('s'), n: new Number(3) }],
    ['a null-prototype object', Object.assign(Object.create(null) as object, { b: 1, a: [2] })],
    ['integer-like keys', { b: 1, 2: 'two', 1: 'one', a: 0 }],
    ['a sparse list', [1, , 3]], // eslint-disable-line no-sparse-arrays
    ['strings JSON must escape', ['\u0000\u001f"\\\n\t', '\ud800 lone', '\u2028\u2029', 'ok']],
  ] as Array<[string, unknown]>)('%s', (_why, value) => {
    for (const size of [1, 5, 1 << 16]) expect(written(value, '\n', size).text).toBe(expected(value, '\n'));
  });

  it('agrees with JSON.stringify on arbitrary values', () => {
    const value = fc.anything({ withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true, withTypedArray: true, maxDepth: 4 });
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 64 }), (v, size) => {
        expect(written(v, '', size).text).toBe(expected(v));
      }),
      { numRuns: 1000 },
    );
  });

  describe('a StreamedList', () => {
    const list = <T>(values: T[]): { list: StreamedList<T>; made: () => number } => {
      let made = 0;
      return {
        list: new StreamedList<T>((take) => {
          for (const v of values) {
            made++;
            take(structuredClone(v));
          }
        }),
        made: () => made,
      };
    };

    it.each([
      ['reasons-like objects', [{ image: 'sha256:1', verdict: 'stays', reasons: ['a "quoted" line', 'b'] }, { image: 'sha256:2', verdict: 'deleted', reasons: [] }]],
      ['an empty list', []],
      ['left-out values and nested lists', [undefined, 1, [2, { a: undefined }], null]],
    ])('is written as JSON.stringify writes the array it collects: %s', (_, values: unknown[]) => {
      const doc = { before: 1, streamed: list(values).list, nested: { inner: list(values).list }, after: [list(values).list] };
      expect(written(doc, '\n', 16).text).toBe(expected(doc, '\n'));
      expect(expected(doc)).toBe(JSON.stringify({ before: 1, streamed: values, nested: { inner: values }, after: [values] }, null, 2));
    });

    it('makes each element once, as the writer reaches it', () => {
      const { list: streamed, made } = list(Array.from({ length: 100 }, (_, a) => ({ a })));
      const seen: number[] = [];
      writePrettyJson({ streamed }, () => seen.push(made()), '', 1);
      expect(made()).toBe(100);
      // Chunks of elements went out while later elements were still to be made.
      expect(seen.filter((n) => n > 0 && n < 100).length).toBeGreaterThan(10);
    });

    it('writes runs of elements in chunks of about the size asked', () => {
      const { list: streamed } = list(Array.from({ length: 2000 }, (_, i) => ({ image: `sha256:${i}`, verdict: 'stays', reasons: ['a line', 'another'] })));
      const { text, chunks } = written({ reasons: { images: streamed } }, '', 8192);
      expect(chunks.length).toBeGreaterThan(text.length / 16384);
      expect(Math.max(...chunks.slice(0, -1).map((c) => c.length))).toBeLessThan(8192 + 1024);
    });

    it('is written whole at the top level too', () => {
      const { list: streamed } = list(['x', 'y']);
      expect(written(streamed).text).toBe(JSON.stringify(['x', 'y'], null, 2));
    });
  });
});
