// `image-pruner run` on a cluster dump, and its flags.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './fixture.js';

describe('image-pruner run --snapshot', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pruner-run-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the whole workflow on examples/cluster.json as a dry run and writes plan files and the report', async () => {
    const r = await cli(['run', '--snapshot', 'examples/cluster.json', '--artifacts', dir, '--now', '2026-11-20T00:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/succeeded \(dry-run\)/);
    expect(r.stdout).toContain('collected: 31 images, 6 imagestreams, 7 pods, 4 workloads, 3 builds');
    const [runId] = await readdir(join(dir, 'runs'));
    expect((await readdir(join(dir, 'runs', runId, 'plan'))).sort()).toEqual(['blobs.json', 'images.json', 'layer-links.json', 'manifests.json', 'report-data.json', 'stream-updates.json', 'summary.json']);
    const report = JSON.parse(await readFile(join(dir, 'runs', runId, 'report.json'), 'utf8')) as { status: string; mode: string; carriedOut?: unknown };
    expect(report).toMatchObject({ status: 'succeeded', mode: 'dry-run' });
    expect(report.carriedOut).toBeUndefined();
  });

  it.each([
    [['--snapshot', 'examples/cluster.json', '--confirm'], /can only be planned, not pruned/],
    [['--snapshot', 'examples/cluster.json', '--kubeconfig', '/x'], /cannot be combined with cluster flags/],
    [['--snapshot', 'examples/cluster.json', '--keep-tag-revisions', 'three'], /--keep-tag-revisions: "three"/],
    [['--snapshot', 'examples/cluster.json', '--keep-younger-than', 'soon'], /--keep-younger-than/],
    [['--snapshot', 'examples/cluster.json', '--now', 'yesterday'], /--now: "yesterday"/],
    [['--snapshot', 'examples/cluster.json', '--now', '2026-02-30T00:00:00Z'], /--now: "2026-02-30T00:00:00Z" is not an ISO-8601 instant/],
    [['--bogus'], /^image-pruner run: unknown flag --bogus \(see image-pruner run --help\)\n$/],
  ])('refuses bad flags with exit status 2 (%j)', async (flags, message) => {
    const r = await cli(['run', ...flags, '--artifacts', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('stops with the invalid references named, before any plan file is written', async () => {
    const bad = join(dir, 'bad.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      bad,
      JSON.stringify({
        kind: 'List',
        items: [{ kind: 'Pod', apiVersion: 'v1', metadata: { namespace: 'ns', name: 'p', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { containers: [{ name: 'c', image: 'Bad Ref' }] }, status: { phase: 'Running' } }],
      }),
    );
    const out = join(dir, 'bad-run');
    const r = await cli(['run', '--snapshot', bad, '--artifacts', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('InvalidReferencesError');
    expect(r.stdout).toContain('failed (dry-run)');
    const [runId] = await readdir(join(out, 'runs'));
    await expect(readdir(join(out, 'runs', runId, 'plan'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
