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
/** A List of three items as `oc get -o json` lays it out (keys sorted), indented by `indent`. */
const indented = (indent: number | string): string =>
  JSON.stringify({ apiVersion: 'v1', items: [JSON.parse(pod('a', 'ü')), JSON.parse(pod('b')), { kind: 'ConfigMap', metadata: { name: 'c' }, data: { x: '{\n}' } }], kind: 'List', metadata: { resourceVersion: '' } }, null, indent) + '\n';

describe('reading item by item', () => {
  const ACCEPTED = [
    { name: 'what collect writes', text: `${HEAD}\n${pod('a')},\n${pod('b')}\n]}\n` },
    { name: 'no line feed at the end', text: `${HEAD}\n${pod('a')},\n${pod('b')}\n]}` },
    { name: 'commas leading the next line', text: `${HEAD}\n${pod('a')}\n,${pod('b')}\n]}\n` },
    { name: 'a comma on a line of its own', text: `${HEAD}\n${pod('a')}\n,\n${pod('b')}\n]}\n` },
    { name: 'CRLF line ends, blank lines, tabs and spaces', text: `${HEAD}\r\n\r\n\t${pod('a')} ,\r\n  ${pod('b')}\t\r\n\r\n] }\r\n\n` },
    { name: 'an empty List', text: `${HEAD}\n]}\n` },
    { name: 'items repeated in the header (the last one counts)', text: `{"kind":"List","items":[1,2],"items":[\n${pod('a')}\n]}\n` },
    { name: 'non-ASCII text', text: `${HEAD}\n${pod('a', 'grüße, 世界 🚀')}\n]}\n` },
    { name: 'more keys after the items', text: `{"items":[\n${pod('a')}\n],"kind":"List","metadata":{"resourceVersion":"1"}}\n` },
    { name: 'the indented layout of oc get -o json (4 spaces, keys sorted)', text: indented(4) },
    { name: 'an indentation of 2 spaces', text: indented(2) },
    { name: 'tabs', text: indented('\t') },
    { name: 'CRLF line ends, indented', text: indented(4).replace(/\n/g, '\r\n') },
    { name: 'an indented List with one item and no line feed at the end', text: JSON.stringify({ apiVersion: 'v1', items: [JSON.parse(pod('a'))], kind: 'List' }, null, 4) },
    { name: 'an empty indented List', text: '{\n    "items": [\n    ],\n    "kind": "List"\n}\n' },
    { name: 'indented and one-line items mixed', text: `{\n  "items": [\n    {\n      "kind": "ConfigMap",\n      "metadata": {"name": "c"}\n    },\n    ${pod('a')}\n    ,\n    {\n      "kind": "Secret", "metadata": {"name": "s"}\n    }\n  ]\n}` },
  ];
  it.each(ACCEPTED)('reads $name like JSON.parse of the whole', ({ text }) => {
    const lines = linesOf(text);
    expect(lines).toBeDefined();
    expect(lines).toEqual(wholeOf(text));
  });

  const REFUSED = [
    { name: 'an item whose nested object closes at its own indentation', text: `{\n  "items": [\n    {\n      "kind": "Pod", "metadata":\n    {"name": "p"}\n    }\n  ]\n}\n` },
    { name: 'an indented item that opens on its comma line', text: `{\n  "items": [\n    ${pod('a')}\n    ,{\n      "kind": "ConfigMap", "metadata": {"name": "c"}\n    }\n  ]\n}\n` },
    { name: 'an indented item with more after its closing brace', text: indented(4).replace('\n        },', '\n        }, 0,') },
    { name: 'an indented last item that ends the items on its line', text: indented(4).replace('\n        }\n    ]', '\n        }]') },
    { name: 'an indented item with two commas after it', text: indented(4).replace('\n        },', '\n        },,') },
    { name: 'an indented List with an array before the items', text: '{\n  "metadata": {"x": [\n    1\n  ]},\n  "items": [\n  ]\n}\n' },
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

  it('reads lines and items across reads, and a line longer than its buffer, like JSON.parse', () => {
    // Items of 700 KiB (several per 1 MiB read) and one of 5 MiB, with 3- and 4-byte characters cut by reads.
    const items = [pod('a', '世'.repeat(240_000)), pod('b', '🚀'.repeat(1_300_000)), ...Array.from({ length: 5 }, (_, i) => pod(`c${i}`, 'é'.repeat(350_000 + i)))];
    const text = `${HEAD}\n${items.join(',\n')}\n]}\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(8 * 2 ** 20);
    const lines = linesOf(text);
    expect(lines?.pods).toHaveLength(7);
    expect(lines).toEqual(wholeOf(text));
    // The same, indented: an item's closing line is found across reads.
    const indentedText = JSON.stringify(JSON.parse(text), null, 4);
    expect(linesOf(indentedText)).toEqual(lines);
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

  it('accepts only what JSON.parse of the whole accepts, and reads it the same (indented Lists, edited at random)', () => {
    const items = [JSON.parse(pod('a', 'ü')), JSON.parse(pod('b')), { kind: 'ConfigMap', metadata: { name: 'c' }, data: { x: '}\n  }' } }];
    const list = fc.record({
      items: fc.subarray(items),
      indent: fc.constantFrom(1, 2, 4, '\t'),
      // An edit: at some point of the text, delete some bytes and put in others.
      edits: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 2 }), fc.constantFrom('', ' ', '\n', '\r\n', ',', '{', '}', ']', '\n    }', '\u00a0', '0')), { maxLength: 2 }),
    });
    let accepted = 0;
    let edited = 0;
    fc.assert(
      fc.property(list, ({ items: chosen, indent, edits }) => {
        let text = JSON.stringify({ apiVersion: 'v1', items: chosen, kind: 'List', metadata: { resourceVersion: '' } }, null, indent);
        for (const [at, cut, put] of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + put + text.slice(i + cut);
        }
        const lines = linesOf(text);
        if (lines === undefined) return;
        accepted++;
        if (edits.length > 0) edited++;
        expect(wholeOf(text)).toEqual(lines);
      }),
      { numRuns: 400, seed: 5 },
    );
    expect(accepted).toBeGreaterThan(100);
    expect(edited).toBeGreaterThan(10);
  });
});
