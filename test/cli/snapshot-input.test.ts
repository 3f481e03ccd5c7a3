// Reading a snapshot: the line-by-line path (a file laid out one item per
// line) and the streaming path (for dumps too big for one string) must give
// exactly what the JSON.parse path gives.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterText } from '../../bench/generate-cluster.js';
import { readSnapshotFile, readSnapshotStream } from '../../cli/snapshot-input.js';
import { StreamingSnapshotParser } from '../../cli/snapshot-stream.js';
import { computePlan } from '../../shared/core/plan.js';
import { EXAMPLE, EXAMPLE_NOW, laidOut, tempDir } from './run-cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const stdin = Readable.from([]);
const now = new Date(EXAMPLE_NOW);

const INPUTS = [
  { name: 'the shipped example', text: () => readFileSync(EXAMPLE, 'utf8') },
  { name: 'a generated cluster of 300 images', text: () => clusterText({ images: 300, seed: 7 }) },
  {
    name: 'a List with unknown kinds and non-ASCII text',
    text: () =>
      JSON.stringify({
        kind: 'List',
        apiVersion: 'v1',
        items: [
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns' }, data: { greeting: 'grüße, 世界 🚀' } },
          { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', creationTimestamp: '2026-10-01T00:00:00Z', annotations: { note: 'é' } }, spec: { containers: [{ name: 'c', image: 'quay.io/ns/app:1' }] }, status: { phase: 'Running' } },
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg2', namespace: 'ns' } },
        ],
      }),
  },
];

describe('the three readers', () => {
  it.each(INPUTS)('give the same snapshot and plan for $name', async ({ name, text }) => {
    const file = tmp.file(`${name.replace(/\W+/g, '-')}.json`, text());
    const lineFile = tmp.file(`${name.replace(/\W+/g, '-')}-lines.json`, laidOut(text(), 'lines'));
    const whole = await readSnapshotFile(file, stdin, { itemLines: false });
    const streamed = await readSnapshotFile(file, stdin, { fastPathMaxBytes: 0, itemLines: false });
    const lines = await readSnapshotFile(lineFile, stdin);
    expect([whole.via, streamed.via, lines.via]).toEqual(['whole', 'streamed', 'lines']);
    expect(streamed.bytes).toBe(whole.bytes);
    expect(streamed.snapshot).toEqual(whole.snapshot);
    expect(lines.snapshot).toEqual(whole.snapshot);
    expect(computePlan(streamed.snapshot, { now })).toEqual(computePlan(whole.snapshot, { now }));
    expect(computePlan(lines.snapshot, { now })).toEqual(computePlan(whole.snapshot, { now }));
  });

  it('read a file laid out otherwise (all on one line) whole, or streamed when it is too big, by default', async () => {
    const file = tmp.file('one-line.json', INPUTS[2].text());
    expect((await readSnapshotFile(file, stdin)).via).toBe('whole');
    expect((await readSnapshotFile(file, stdin, { fastPathMaxBytes: 0 })).via).toBe('streamed');
  });

  it('read what `collect`, `oc get -o json` and the bench generator write item by item, at any size', async () => {
    const generated = clusterText({ images: 300, seed: 7 });
    const asOcWrites = clusterText({ images: 300, seed: 7, layout: 'indented' });
    const expected = (await readSnapshotFile(tmp.file('generated-whole.json', generated), stdin, { itemLines: false })).snapshot;
    for (const text of [generated, asOcWrites]) {
      const file = tmp.file('laid-out.json', text);
      const read = await readSnapshotFile(file, stdin);
      expect(read.via).toBe('lines');
      expect(read.snapshot).toEqual(expected);
      expect((await readSnapshotFile(file, stdin, { fastPathMaxBytes: 0 })).via).toBe('lines');
    }
    // The shipped example is indented by 2.
    expect((await readSnapshotFile(EXAMPLE, stdin)).via).toBe('lines');
  });

  it('count unknown kinds like the fast path', async () => {
    const file = tmp.file('kinds.json', INPUTS[2].text());
    const streamed = await readSnapshotFile(file, stdin, { fastPathMaxBytes: 0, itemLines: false });
    expect(streamed.snapshot.ignoredKinds).toEqual({ ConfigMap: 2 });
    expect(streamed.snapshot.pods).toHaveLength(1);
  });

  it('the streaming parser survives chunks cut anywhere, even inside a multi-byte character', () => {
    const bytes = Buffer.from(INPUTS[2].text());
    const whole = new StreamingSnapshotParser();
    whole.write(bytes);
    const expected = whole.end();
    for (const size of [1, 2, 3, 5, 64]) {
      const p = new StreamingSnapshotParser();
      for (let i = 0; i < bytes.length; i += size) p.write(bytes.subarray(i, i + size));
      expect(p.end(), `chunks of ${size} bytes`).toEqual(expected);
    }
    expect(expected.pods[0].metadata.annotations).toEqual({ note: 'é' });
  });

  it('reads a file whole in pieces: a multi-byte character cut between two reads comes out whole', async () => {
    // 6 bytes a period: 1 MiB (the read size) is not a multiple, so reads end inside characters.
    const note = 'é🚀'.repeat(500_000);
    const list = { kind: 'List', apiVersion: 'v1', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', creationTimestamp: '2026-10-01T00:00:00Z', annotations: { note } }, spec: { containers: [{ name: 'c', image: 'quay.io/ns/app:1' }] }, status: { phase: 'Running' } }] };
    const file = tmp.file('multibyte.json', JSON.stringify(list));
    const read = await readSnapshotFile(file, stdin);
    expect(read.via).toBe('whole');
    expect(read.bytes).toBeGreaterThan(2 * 2 ** 20);
    expect(read.snapshot.pods[0].metadata.annotations?.note === note).toBe(true);
  });

  it('switches stdin to streaming once it outgrows the fast path, without losing the bytes already read', async () => {
    const text = clusterText({ images: 120, seed: 3 });
    const chunks = text.match(/[\s\S]{1,4096}/g)!.map((c) => Buffer.from(c));
    const small = await readSnapshotStream(Readable.from(chunks));
    const big = await readSnapshotStream(Readable.from(chunks), { fastPathMaxBytes: 10_000 });
    expect(small.via).toBe('whole');
    expect(big.via).toBe('streamed');
    expect(big.bytes).toBe(Buffer.byteLength(text));
    expect(big.snapshot).toEqual(small.snapshot);
  });

  it('reads a file at the threshold whole and one byte over it streamed', async () => {
    const file = tmp.file('edge.json', readFileSync(EXAMPLE));
    const size = readFileSync(file).length;
    expect((await readSnapshotFile(file, stdin, { fastPathMaxBytes: size, itemLines: false })).via).toBe('whole');
    expect((await readSnapshotFile(file, stdin, { fastPathMaxBytes: size - 1, itemLines: false })).via).toBe('streamed');
  });
});
