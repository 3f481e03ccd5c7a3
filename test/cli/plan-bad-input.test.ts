// Bad input: one line naming the file and the item, exit status 1, nothing on
// stdout and never a stack trace. The streaming reader and the line-by-line
// reader must say exactly what the fast path says, so each case runs through
// every way of reading.
import { basename } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makePlanCommand } from '../../cli/commands/plan.js';
import { laidOut, runCli, tempDir } from './run-cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const pod = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'shop', creationTimestamp: '2026-10-01T00:00:00Z' },
  spec: { containers: [{ name: 'web', image: 'quay.io/shop/web:1' }] },
  status: { phase: 'Running' },
  ...extra,
});
const listOf = (...items: unknown[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

const CASES: Array<{ name: string; input: string; says: string[] }> = [
  { name: 'text that is not JSON', input: 'apiVersion: v1\nkind: List\n', says: ['not valid JSON'] },
  { name: 'an empty file', input: '', says: ['not valid JSON'] },
  { name: 'JSON cut short', input: listOf(pod()).slice(0, 60), says: ['not valid JSON'] },
  { name: 'trailing garbage after the List', input: `${listOf(pod())} }`, says: ['not valid JSON'] },
  { name: 'a JSON array instead of a List', input: JSON.stringify([pod()]), says: ['must be a JSON object of kind List'] },
  { name: 'a JSON string', input: '"List"', says: ['must be a JSON object of kind List'] },
  { name: 'a single object that is not a List', input: JSON.stringify(pod()), says: ['Kubernetes List', '"items"', 'kind is "Pod"'] },
  { name: 'items that are not an array', input: JSON.stringify({ kind: 'List', items: { a: pod() } }), says: ['Kubernetes List', '"items"'] },
  { name: 'an item that is not an object', input: listOf(pod(), 42), says: ['item 1', 'must be an object'] },
  { name: 'an item without kind', input: listOf(pod(), { metadata: { name: 'x' } }), says: ['item 1', 'kind must be a non-empty string'] },
  { name: 'an item without metadata', input: listOf(pod(), { kind: 'Image' }), says: ['item 1', '(Image <no name>)', 'metadata is missing'] },
  {
    name: 'a pod without namespace',
    input: listOf(pod(), pod({ metadata: { name: 'orphan', creationTimestamp: '2026-10-01T00:00:00Z' } })),
    says: ['item 1', '(Pod orphan)', 'metadata.namespace'],
  },
  {
    name: 'a container without image',
    input: listOf(pod({ spec: { containers: [{ name: 'web' }] } })),
    says: ['item 0', '(Pod shop/web-1)', 'spec.containers[0].image'],
  },
  {
    name: 'a stream revision with a bad timestamp',
    input: listOf({
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'app', namespace: 'shop', creationTimestamp: '2026-10-01T00:00:00Z' },
      status: { tags: [{ tag: 'latest', items: [{ image: 'sha256:' + 'a'.repeat(64), created: 'last tuesday' }] }] },
    }),
    says: ['item 0', '(ImageStream shop/app)', 'status.tags[0].items[0].created', 'not a timestamp'],
  },
  { name: 'a nested List', input: listOf({ kind: 'List', metadata: { name: 'x' }, items: [] }), says: ['item 0', 'nested List'] },
  {
    name: 'a LimitRange whose image limit is no quantity',
    input: listOf(pod(), { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'images', namespace: 'shop' }, spec: { limits: [{ type: 'openshift.io/Image', max: { storage: '1 GB' } }] } }),
    says: ['item 1', '(LimitRange shop/images)', 'spec.limits[0].max.storage', 'not a Kubernetes quantity'],
  },
];

const planLaidOut = (file: string, input: string, layout: 'lines' | 'indented') =>
  runCli(['plan', '--snapshot', tmp.file(`${basename(file, '.json')}-${layout}.json`, laidOut(input, layout)), '--now', '2026-11-01T00:00:00Z']);

const WAYS = [
  { way: 'a file, parsed whole', run: (file: string, input: string) => runCli(['plan', '--snapshot', file, '--now', '2026-11-01T00:00:00Z']) },
  {
    way: 'a file, streamed',
    run: (file: string) => runCli(['--snapshot', file, '--now', '2026-11-01T00:00:00Z'], { command: makePlanCommand({ read: { fastPathMaxBytes: 0, itemLines: false } }) }),
  },
  { way: 'a file laid out one item per line', run: (file: string, input: string) => planLaidOut(file, input, 'lines') },
  { way: 'a file laid out as oc get -o json does', run: (file: string, input: string) => planLaidOut(file, input, 'indented') },
  { way: 'stdin, parsed whole', run: (_: string, input: string) => runCli(['plan', '--snapshot', '-', '--now', '2026-11-01T00:00:00Z'], { stdin: input }) },
  {
    way: 'stdin, streamed in 7-byte chunks',
    run: (_: string, input: string) =>
      runCli(['--snapshot', '-', '--now', '2026-11-01T00:00:00Z'], {
        stdin: input.match(/[\s\S]{1,7}/g) ?? [],
        command: makePlanCommand({ read: { fastPathMaxBytes: 10 } }),
      }),
  },
];

describe('plan refuses bad input with one line naming the item', () => {
  CASES.forEach((c, i) => {
    const file = tmp.file(`case-${i}.json`, c.input);
    it.each(WAYS)(`${c.name}, read from $way`, async ({ way, run }) => {
      const r = await run(file, c.input);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^image-pruner plan: snapshot (on stdin|\S+case-\d+(-lines|-indented)?\.json): /);
      for (const s of c.says) expect(lines[0]).toContain(s);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      void way;
    });
  });

  it('gives the same message whichever way the input is read', async () => {
    for (const [i, c] of CASES.entries()) {
      const file = tmp.file(`same-${i}.json`, c.input);
      const messages = new Set<string>();
      for (const w of WAYS) {
        const r = await w.run(file, c.input);
        messages.add(r.stderr.replace(/snapshot (on stdin|\S+\.json)/, 'snapshot'));
      }
      expect([...messages], c.name).toHaveLength(1);
    }
  });

  it.each([
    { name: 'a missing file', path: () => `${tmp.dir}/nope.json`, says: 'no such file' },
    { name: 'a folder', path: () => tmp.dir, says: 'not a regular file' },
  ])('$name is one line, exit 1', async ({ path, says }) => {
    const r = await runCli(['plan', '--snapshot', path()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(says);
  });
});
