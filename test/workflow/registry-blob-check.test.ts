// End to end on the real registry (Debian docker-registry, deleting enabled,
// no /admin/blobs): a registry that cannot delete blobs is found out in "Check
// registry health", before anything is deleted, with one line naming
// --registry-storage. Blobs go last (docs/rules.md, "Carrying it out"), so
// finding it out at the blobs would be after every link is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistryStorage } from '../../shared/adapters/storage/index.js';
import { pullCheck } from '../support/push.js';
import { cli, clusterWrites, NOW, plannedWrites, REPO, runFlags, startCluster, type Cluster } from './fixture.js';

describe('a confirmed run against a registry without a blob delete endpoint', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('without --registry-storage deletes nothing and fails with one line naming --registry-storage', async () => {
    c.proxy.reset();
    const r = await cli([
      'run',
      '--kubeconfig', c.api.kubeconfigPath,
      '--registry-url', c.proxy.url,
      '--artifacts', c.artifacts,
      '--keep-tag-revisions', '2',
      '--now', NOW,
      '--confirm',
      // The fake API server and the test registry speak plain http.
      '--force-insecure',
    ]);
    expect(r.code).toBe(1);
    const failure = r.stderr.split('\n').filter((l) => l.includes('the run failed'));
    expect(failure).toEqual([expect.stringMatching(/RegistryUnhealthyError: .*cannot delete blobs: .*--registry-storage .*nothing was deleted$/)]);
    expect(r.stdout).toContain('failed');
    // The only DELETE the registry saw is the probe of a digest no registry holds.
    expect(c.proxy.log.filter((q) => q.method === 'DELETE').map((q) => q.path)).toEqual([`/admin/blobs/sha256:${'0'.repeat(64)}`]);
    expect(clusterWrites(c.api)).toEqual([]);
    const storage = openRegistryStorage(`file://${c.registry.rootDirectory}`);
    for (const l of c.plan.layerLinks) expect(await storage.readLink({ kind: 'layer', repository: l.repository, digest: l.digest }), l.digest).toBe(l.digest);
    for (const p of c.pushed) expect((await pullCheck(c.registry.url, REPO, p.manifestDigest)).ok).toBe(true);
  });

  it('with --registry-storage passes the check and carries out the plan', async () => {
    const r = await cli(runFlags(c, ['--confirm']));
    expect(r.stderr + r.stdout).toContain('succeeded (confirmed)');
    expect(r.code).toBe(0);
    expect([...clusterWrites(c.api)].sort()).toEqual(plannedWrites(c.plan));
  });
});
