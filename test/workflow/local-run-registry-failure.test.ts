// A registry that keeps failing some deletes: the run fails before touching the
// cluster, and a second run after the fault clears finishes the job, ending in
// the same state as a run that never failed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pullCheck } from '../support/push.js';
import { clusterWrites, cli, plannedWrites, REPO, runFlags, startCluster, type Cluster } from './fixture.js';

describe('a run whose registry deletes keep failing', () => {
  let c: Cluster;
  let failing = true;
  let victim: string;
  beforeAll(async () => {
    c = await startCluster();
    victim = c.plan.manifestLinks[0].digest;
    // Every DELETE of one planned manifest answers 500 while `failing` is set.
    c.proxy.inject(
      Array.from({ length: 500 }, () => ({ kind: 'status' as const, status: 500 })),
      (method, path) => failing && method === 'DELETE' && path.includes(`/manifests/${victim}`),
    );
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('fails, names the failed item, and leaves streams and Images untouched', async () => {
    const r = await cli(runFlags(c, ['--confirm']));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('BatchItemsFailedError');
    expect(r.stderr).toContain(victim);
    expect(r.stdout).toContain('failed (confirmed)');
    expect(clusterWrites(c.api)).toEqual([]);
    // The report on disk says the same.
    const reportPath = /report: (\S+)/.exec(r.stdout)?.[1];
    const report = JSON.parse(await readFile(reportPath ?? join(c.artifacts, 'missing'), 'utf8')) as { status: string; error: { name: string } };
    expect(report).toMatchObject({ status: 'failed', error: { name: 'BatchItemsFailedError' } });
  });

  it('a second run after the fault clears completes the job', async () => {
    failing = false;
    const r = await cli(runFlags(c, ['--confirm']));
    expect(r.stderr + r.stdout).toContain('succeeded (confirmed)');
    expect(r.code).toBe(0);
    // The rerun computed the same plan: the same stream update and Image deletes, once.
    expect([...clusterWrites(c.api)].sort()).toEqual(plannedWrites(c.plan));
    for (const p of c.pushed) {
      const check = await pullCheck(c.registry.url, REPO, p.manifestDigest);
      if (c.plan.images.includes(p.manifestDigest)) expect(check.statuses[`manifest ${p.manifestDigest}`]).toBe(404);
      else expect(check.ok).toBe(true);
    }
    const images = c.api.objects('Image').map((o) => o.metadata?.name).sort();
    expect(images).toEqual(c.pushed.map((p) => p.manifestDigest).filter((d) => !c.plan.images.includes(d)).sort());
  });
});
