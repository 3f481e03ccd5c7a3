// End to end, locally: the synthesized state machine against the real registry
// and the fake OpenShift API server. A dry run changes nothing; a confirmed run
// carries out exactly the plan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullCheck } from '../support/push.js';
import { clusterWrites, cli, plannedWrites, REPO, runFlags, startCluster, type Cluster } from './fixture.js';

describe('image-pruner run against a registry and a cluster', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('plans something to prune (the fixture is meaningful)', () => {
    expect(c.plan.images.length).toBe(2);
    expect(c.plan.manifestLinks.length).toBe(2);
    expect(c.plan.blobs.length).toBeGreaterThan(0);
  });

  it('dry run changes nothing in the registry or the cluster', async () => {
    const r = await cli(runFlags(c));
    expect(r.stderr).toContain('Compute prune plan');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('succeeded (dry-run)');
    expect(clusterWrites(c.api)).toEqual([]);
    expect(c.proxy.log.filter((q) => q.method === 'DELETE')).toEqual([]);
    for (const p of c.pushed) expect((await pullCheck(c.registry.url, REPO, p.manifestDigest)).ok).toBe(true);
  });

  it('confirmed run removes exactly the plan and keeps every other image pullable', async () => {
    const r = await cli(runFlags(c, ['--confirm']));
    expect(r.stderr + r.stdout).toContain('succeeded (confirmed)');
    expect(r.code).toBe(0);
    // The API server saw exactly the planned stream updates and Image deletes, in that order.
    const writes = clusterWrites(c.api);
    expect([...writes].sort()).toEqual(plannedWrites(c.plan));
    const lastStreamWrite = Math.max(...writes.map((w, i) => (w.startsWith('PUT') ? i : -1)));
    const firstImageDelete = writes.findIndex((w) => w.startsWith('DELETE'));
    expect(lastStreamWrite).toBeLessThan(firstImageDelete);
    // Pruned manifests are gone; every kept image pulls with every blob.
    for (const p of c.pushed) {
      const check = await pullCheck(c.registry.url, REPO, p.manifestDigest);
      if (c.plan.images.includes(p.manifestDigest)) expect(check.statuses[`manifest ${p.manifestDigest}`]).toBe(404);
      else expect(check).toMatchObject({ ok: true });
    }
    // The stream now lists only kept revisions.
    const stream = c.api.get('ImageStream', 'app', 'team') as { status: { tags: { items: { image: string }[] }[] } };
    const left = stream.status.tags[0].items.map((i) => i.image);
    expect(left).toEqual(c.pushed.map((p) => p.manifestDigest).filter((d) => !c.plan.images.includes(d)));
  });
});
