// `image-pruner run --prune-registry=false --confirm`, end to end against the
// real registry and the fake OpenShift API server: only image streams and
// Images change, no request reaches the registry (not even the health check),
// none needs to be named, and the report says the registry was left alone
// (docs/rules.md, "The plan" and "Carrying it out").
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computePlan } from '../../shared/core/plan.js';
import type { Plan } from '../../shared/core/plan-types.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import type { KubeObject } from '../../shared/core/kube-types.js';
import type { Report } from '../../shared/workflow/contracts.js';
import { pullCheck } from '../support/push.js';
import { clusterWrites, cli, NOW, plannedWrites, REPO, startCluster, type Cluster } from './fixture.js';

/** The plan the rules give the fixture's cluster with pruneRegistry false. */
async function expectedPlan(c: Cluster): Promise<Plan> {
  const objects: KubeObject[] = [...c.api.objects('Image'), ...c.api.objects('ImageStream'), ...c.api.objects('Pod')];
  return computePlan(snapshotFromList({ kind: 'List', items: objects }), {
    keepTagRevisions: 2,
    keepYoungerThanMs: 3_600_000,
    now: new Date(NOW),
    all: false,
    ignoreInvalidRefs: false,
    pruneOverSizeLimit: false,
    pruneRegistry: false,
  });
}

/** Confirmed run flags with the cluster and no registry flag unless `extra` names one. */
function flags(c: Cluster, extra: string[]): string[] {
  return ['run', '--confirm', '--prune-registry=false', '--kubeconfig', c.api.kubeconfigPath, '--force-insecure', '--artifacts', c.artifacts, '--keep-tag-revisions', '2', '--now', NOW, ...extra];
}

async function theReport(c: Cluster): Promise<Report> {
  const [runId] = await readdir(join(c.artifacts, 'runs'));
  return JSON.parse(await readFile(join(c.artifacts, 'runs', runId, 'report.json'), 'utf8')) as Report;
}

describe.each([
  ['without --registry-url', (_c: Cluster) => [] as string[]],
  // Named anyway (a script that always passes it): still not contacted, its storage not opened.
  ['with --registry-url and --registry-storage given anyway', (c: Cluster) => ['--registry-url', c.proxy.url, '--registry-storage', `file://${c.registry.rootDirectory}`]],
])('run --prune-registry=false --confirm %s', (_, registryFlags) => {
  let c: Cluster;
  let plan: Plan;
  beforeAll(async () => {
    c = await startCluster();
    plan = await expectedPlan(c);
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('plans cluster changes and nothing in the registry (the fixture is meaningful)', () => {
    expect(plan.images.length).toBe(2);
    expect(plan.streamUpdates.length).toBe(1);
    expect({ manifestLinks: plan.manifestLinks, layerLinks: plan.layerLinks, blobs: plan.blobs, bytesReclaimed: plan.bytesReclaimed }).toEqual({ manifestLinks: [], layerLinks: [], blobs: [], bytesReclaimed: 0 });
  });

  it('updates the streams and deletes the Images, and no request reaches the registry', async () => {
    const r = await cli(flags(c, registryFlags(c)));
    expect(r.stderr + r.stdout).toContain('succeeded (confirmed)');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('registry: left alone (pruneRegistry false)');
    expect(r.stdout).toContain('hard-prune reclaims the storage later');
    expect(clusterWrites(c.api).sort()).toEqual(plannedWrites(plan));
    // Not one request: no health check, no blob-delete probe, no delete.
    expect(c.proxy.log).toEqual([]);
    // The registry's storage is untouched: every image still pulls, the pruned ones too.
    for (const p of c.pushed) expect(await pullCheck(c.registry.url, REPO, p.manifestDigest)).toMatchObject({ ok: true });

    const report = await theReport(c);
    expect(report.options).toMatchObject({ confirm: true, pruneRegistry: false });
    expect(report.plan).toMatchObject({ manifestLinks: 0, layerLinks: 0, blobs: 0, bytesReclaimed: 0, images: 2 });
    expect(report.carriedOut?.images).toEqual({ done: 2, gone: 0 });
    expect(report.carriedOut?.layerLinks ?? { done: 0, gone: 0 }).toEqual({ done: 0, gone: 0 });
  });
});
