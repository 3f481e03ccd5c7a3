// What `image-pruner plan` prints: the JSON contract of docs/rules.md, and the
// report a person reads before confirming.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { computePlan } from '../../shared/core/plan.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import { byDigest, image, layer, list, NOW, pod, stream } from '../builders.js';
import { EXAMPLE, EXAMPLE_NOW, runCli, tempDir } from './run-cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const nowFlag = ['--now', NOW.toISOString()];

/** A cluster where `ns/app` loses revisions 3..(3+n-1), one 1 MiB layer each. */
function clusterLosing(n: number, namespace = 'ns', name = 'app') {
  const seeds = Array.from({ length: 3 + n }, (_, i) => `${namespace}-${name}-${i}`);
  return [
    ...seeds.map((s) => image(s, { layers: [layer(`${s}-layer`, 1 << 20)] })),
    stream(namespace, name, { latest: seeds }),
  ];
}

describe('plan --output json', () => {
  it('prints exactly the plan of the rules, one object, nothing on stderr', async () => {
    const r = await runCli(['plan', '--snapshot', EXAMPLE, '--now', EXAMPLE_NOW, '--output', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const expected = computePlan(snapshotFromList(JSON.parse(readFileSync(EXAMPLE, 'utf8'))), { now: new Date(EXAMPLE_NOW) }, { reasons: true });
    expect(JSON.parse(r.stdout)).toEqual(expected);
    // The contract's fields, then the reasons (docs/rules.md, "The plan as JSON": more may be added).
    expect(Object.keys(JSON.parse(r.stdout))).toEqual(['images', 'streamUpdates', 'manifestLinks', 'layerLinks', 'blobs', 'bytesReclaimed', 'warnings', 'reasons']);
  });

  it.each([
    { flags: ['--keep-tag-revisions', '1'], options: { keepTagRevisions: 1 } },
    { flags: ['--keep-younger-than', '400d'], options: { keepYoungerThanMs: 400 * 86_400_000 } },
    { flags: ['--all'], options: { all: true } },
  ])('passes $flags to the plan', async ({ flags, options }) => {
    const r = await runCli(['plan', '--snapshot', EXAMPLE, '--now', EXAMPLE_NOW, '--output', 'json', ...flags]);
    const snapshot = snapshotFromList(JSON.parse(readFileSync(EXAMPLE, 'utf8')));
    const expected = computePlan(snapshot, { now: new Date(EXAMPLE_NOW), ...options }, { reasons: true });
    expect(JSON.parse(r.stdout)).toEqual(expected);
    expect(expected).not.toEqual(computePlan(snapshot, { now: new Date(EXAMPLE_NOW) }));
  });

  it('reads the snapshot from stdin with --snapshot -', async () => {
    const r = await runCli(['plan', '--snapshot', '-', ...nowFlag, '--output', 'json'], { stdin: JSON.stringify(list(...clusterLosing(2))) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).images).toHaveLength(2);
  });

  it('measures ages from the clock when --now is not given', async () => {
    // Made "now" by the clock: far younger than 60m, so nothing is a candidate.
    const fresh = clusterLosing(1).map((o) => ({ ...o, metadata: { ...o.metadata, creationTimestamp: new Date().toISOString() } }));
    const r = await runCli(['plan', '--snapshot', '-', '--output', 'json'], { stdin: JSON.stringify(list(...fresh)) });
    expect(JSON.parse(r.stdout).images).toEqual([]);
  });
});

describe('plan with invalid references', () => {
  const cluster = list(
    ...clusterLosing(1),
    pod('ns', 'bad-one', ['Quay.io/NS/App:1']),
    pod('ns', 'bad-two', { containers: [byDigest('x')], initContainers: ['registry.example.com/ns/app:'] }),
  );

  it('stops with exit 1, nothing on stdout and every offender on stderr', async () => {
    const r = await runCli(['plan', '--snapshot', '-', ...nowFlag], { stdin: JSON.stringify(cluster) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('2 invalid image reference(s)');
    expect(r.stderr).toContain('--ignore-invalid-refs');
    expect(r.stderr).toMatch(/Pod ns\/bad-one spec\.containers\[0\]\.image: "Quay\.io\/NS\/App:1"/);
    expect(r.stderr).toMatch(/Pod ns\/bad-two spec\.initContainers\[0\]\.image: "registry\.example\.com\/ns\/app:"/);
  });

  it('plans anyway with --ignore-invalid-refs, each offender a warning', async () => {
    const r = await runCli(['plan', '--snapshot', '-', ...nowFlag, '--ignore-invalid-refs', '--output', 'json'], { stdin: JSON.stringify(cluster) });
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.images).toHaveLength(1);
    expect(plan.warnings.filter((w: string) => w.includes('invalid reference'))).toHaveLength(2);
  });
});

describe('plan --output table', () => {
  it('shows totals first, then repositories by bytes, then warnings, then how to delete', async () => {
    const r = await runCli(['plan', '--snapshot', EXAMPLE, '--now', EXAMPLE_NOW]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    const at = (s: string): number => {
      const i = out.indexOf(s);
      expect(i, `"${s}" in the report`).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = ['Images to delete', 'Stream revisions to remove', 'Tags to remove', 'Manifest links to delete', 'Layer links to delete', 'Blobs to delete', 'Space reclaimed', 'Top repositories', 'Warnings (1)', 'Dry run'].map(at);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(out).toMatch(/Images to delete\s+6\n/);
    expect(out).toMatch(/Stream revisions to remove\s+6\s+in 5 image streams\n/);
    expect(out).toMatch(/Tags to remove\s+1\n/);
    expect(out).toMatch(/Space reclaimed\s+216\.8 MiB\s+\(227331276 bytes\)\n/);
    expect(out).toMatch(/Warnings \(1\):\n  - .*\bService\b/);
    expect(out).toContain('image-pruner run --confirm');
  });

  it('ranks repositories by the bytes their deleted layer links free, and shows only the top 10', async () => {
    // Repository k loses k+1 layers of 1 MiB: the biggest is ns-11/app.
    const items = Array.from({ length: 12 }, (_, k) => clusterLosing(k + 1, `ns-${String(k).padStart(2, '0')}`)).flat();
    const r = await runCli(['plan', '--snapshot', tmp.file('twelve.json', JSON.stringify(list(...items))), ...nowFlag]);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^ {2}ns-\d\d\/app /.test(l));
    expect(rows.map((l) => l.trim().split(/\s+/)[0])).toEqual(['ns-11/app', 'ns-10/app', 'ns-09/app', 'ns-08/app', 'ns-07/app', 'ns-06/app', 'ns-05/app', 'ns-04/app', 'ns-03/app', 'ns-02/app']);
    expect(rows[0]).toMatch(/ns-11\/app\s+12\s+12\.0 MiB$/);
    expect(r.stdout).toContain('(10 of 12 repositories;');
  });

  it('says there is nothing to delete when nothing goes', async () => {
    const r = await runCli(['plan', '--snapshot', '-', ...nowFlag], { stdin: JSON.stringify(list(...clusterLosing(0))) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Images to delete\s+0\n/);
    expect(r.stdout).toMatch(/Space reclaimed\s+0 B/);
    expect(r.stdout).not.toContain('Top repositories');
    expect(r.stdout).not.toContain('Warnings');
  });
});
