// Reading a snapshot laid out one item per line (cli/snapshot-lines.ts): it
// must accept only what JSON.parse of the whole text accepts, give the same
// snapshot, and give up (for the whole read to say what is wrong) on anything
// else.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readItemLines } from '../../cli/snapshot-lines.js';
import { snapshotFromList, type Snapshot } from '../../shared/core/snapshot.js';
import { tempDir } from './run-cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

let files = 0;
function linesOf(text: string | Buffer): Snapshot | undefined {
  return readItemLines(tmp.file(`list-${files++}.json`, text));
}

/** What reading the whole text gives: the snapshot, or that it throws. */
function wholeOf(text: string): Snapshot | 'throws' {
  try {
    return snapshotFromList(JSON.parse(text));
  } catch {
    return 'throws';
  }
}

const pod = (name: string, note = ''): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', creationTimestamp: '2026-10-01T00:00:00Z', annotations: { note } },
    spec: { containers: [{ name: 'c', image: `quay.io/ns/${name}:1` }] },
    status: { phase: 'Running' },
  });
const HEAD = '{"apiVersion":"v1","kind":"List","metadata":{},"items":[';

describe('reading one item per line', () => {
  const ACCEPTED = [
    { name: 'what collect writes', text: `${HEAD}\n${pod('a')},\n${pod('b')}\n]}\n` },
    { name: 'no line feed at the end', text: `${HEAD}\n${pod('a')},\n${pod('b')}\n]}` },
    { name: 'commas leading the next line', text: `${HEAD}\n${pod('a')}\n,${pod('b')}\n]}\n` },
    { name: 'a comma on a line of its own', text: `${HEAD}\n${pod('a')}\n,\n${pod('b')}\n]}\n` },
    { name: 'CRLF line ends, blank lines, tabs and spaces', text: `${HEAD}\r\n\r\n\t${pod('a')} ,\r\n  ${pod('b')}\t\r\n\r\n] }\r\n\n` },
    { name: 'an empty List', text: `${HEAD}\n]}\n` },
    { name: 'items repeated in the header (the last one counts)', text: `{"kind":"List","items":[1,2],"items":[\n${pod('a')}\n]}\n` },
    { name: 'non-ASCII text', text: `${HEAD}\n${pod('a', 'grüße, 世界 🚀')}\n]}\n` },
  ];
  it.each(ACCEPTED)('reads $name like JSON.parse of the whole', ({ text }) => {
    const lines = linesOf(text);
    expect(lines).toBeDefined();
    expect(lines).toEqual(wholeOf(text));
  });

  const REFUSED = [
    { name: 'the indented layout of oc get -o json', text: JSON.stringify(JSON.parse(`${HEAD}\n${pod('a')}\n]}`), null, 4) },
    { name: 'everything on one line', text: `${HEAD}${pod('a')}]}` },
    { name: 'two items on one line', text: `${HEAD}\n${pod('a')},${pod('b')}\n]}\n` },
    { name: 'a header that opens another key', text: `{"kind":"List","items":[],"other":[\n${pod('a')}\n]}\n` },
    { name: 'a header that opens a nested array', text: `{"kind":"List","x":{"items":[\n${pod('a')}\n]}}\n` },
    { name: 'a top-level array', text: `[\n${pod('a')}\n]\n` },
    { name: 'a missing comma', text: `${HEAD}\n${pod('a')}\n${pod('b')}\n]}\n` },
    { name: 'two commas', text: `${HEAD}\n${pod('a')},\n,${pod('b')}\n]}\n` },
    { name: 'a comma before the first item', text: `${HEAD}\n,${pod('a')}\n]}\n` },
    { name: 'a comma after the last item', text: `${HEAD}\n${pod('a')},\n]}\n` },
    { name: 'text after the end', text: `${HEAD}\n${pod('a')}\n]}\n{}\n` },
    { name: 'more keys after the items', text: `${HEAD}\n${pod('a')}\n],"kind":"List"}\n` },
    { name: 'no end', text: `${HEAD}\n${pod('a')}\n` },
    { name: 'a no-break space, which is no JSON whitespace', text: `${HEAD}\n\u00a0${pod('a')}\n]}\n` },
    { name: 'a byte-order mark', text: `\ufeff${HEAD}\n${pod('a')}\n]}\n` },
    { name: 'an item that is not JSON', text: `${HEAD}\n${pod('a').slice(0, -1)}\n]}\n` },
    { name: 'an item the snapshot refuses', text: `${HEAD}\n${pod('a').replace('"namespace":"ns",', '')}\n]}\n` },
  ];
  it.each(REFUSED)('gives up on $name', ({ text }) => {
    expect(linesOf(text)).toBeUndefined();
  });

  it('gives up on a file it cannot read', () => {
    expect(readItemLines(tmp.file('dir-parent', '') + '/nothing.json')).toBeUndefined();
  });

  it('reads lines across reads, and a line longer than its buffer, like JSON.parse', () => {
    // Items of 700 KiB (several per 1 MiB read) and one of 5 MiB, with 3- and 4-byte characters cut by reads.
    const items = [pod('a', '世'.repeat(240_000)), pod('b', '🚀'.repeat(1_300_000)), ...Array.from({ length: 5 }, (_, i) => pod(`c${i}`, 'é'.repeat(350_000 + i)))];
    const text = `${HEAD}\n${items.join(',\n')}\n]}\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(8 * 2 ** 20);
    const lines = linesOf(text);
    expect(lines?.pods).toHaveLength(7);
    expect(lines).toEqual(wholeOf(text));
  });

  it('accepts only what JSON.parse of the whole accepts, and reads it the same (random layouts)', () => {
    // Pieces of layout between the parts of a List, mostly valid, some not; the same for heads, items and tails.
    const mostly = <T,>(valid: T[], other: T[]): fc.Arbitrary<T> => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...other) });
    const anyGap = fc.array(fc.constantFrom('\n', ' ', '\t', '\r\n', ',', '\u00a0', '\n\n'), { maxLength: 4 }).map((a) => a.join(''));
    const gap = (valid: string[]): fc.Arbitrary<string> => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: anyGap });
    const head = mostly([HEAD, '{"kind":"List","items":['], ['{"items":[],"x":[', '{"x":{"items":[', '[', '{"items":[1,']);
    const item = mostly([pod('a'), pod('b', 'ü'), '{"kind":"ConfigMap","metadata":{"name":"c"}}'], [pod('d').replace('"namespace":"ns",', ''), '{"kind":', '7']);
    const tail = mostly([']}', '] }'], [']}x', ']', '],"a":1}']);
    const first = gap(['\n', '\r\n', '\n\n']);
    const next = gap([',\n', '\n,', ',\r\n', ' ,\n\t', '\n,\n']);
    const last = gap(['\n', '\n\n', ' \r\n']);
    const after = gap(['', '\n', '\n\n', ' ']);
    let accepted = 0;
    fc.assert(
      fc.property(head, first, fc.array(fc.tuple(next, item), { maxLength: 4 }), item, last, tail, after, (h, g0, rest, i0, g, t, a) => {
        const parts: Array<[string, string]> = [[g0, i0], ...rest];
        const text = h + parts.map(([sep, i]) => sep + i).join('') + g + t + a;
        const lines = linesOf(text);
        if (lines === undefined) return;
        accepted++;
        expect(wholeOf(text)).toEqual(lines);
      }),
      { numRuns: 400, seed: 11 },
    );
    // Not vacuous: a good share of the layouts were read line by line.
    expect(accepted).toBeGreaterThan(10);
  });
});
