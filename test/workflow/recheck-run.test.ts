// The race guard end to end: the synthesized state machine, run locally against
// the real registry and the fake OpenShift API server. The cluster changes
// while the run is under way, the way it would on a live cluster: when the
// re-check starts reading a list again (the second list request for it), the
// fake server's own state is changed before it answers. No hook in the pruner.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/kube-types.js';
import type { Report } from '../../shared/workflow/contracts.js';
import type { RecordedRequest } from '../support/fake-openshift.js';
import { pullCheck } from '../support/push.js';
import { cli, clusterWrites, REPO, runFlags, startCluster, type Cluster } from './fixture.js';

const PODS = '/api/v1/pods';
const STREAMS = '/apis/image.openshift.io/v1/imagestreams';

/** Calls `change` once, when the `n`th first page of `path` is asked for (the re-check's reading is the second). */
function onListRequest(c: Cluster, path: string, n: number, change: () => void): void {
  let seen = 0;
  c.api.beforeHandle = (r: RecordedRequest) => {
    if (r.method !== 'GET' || r.path !== path || r.query.continue) return;
    seen += 1;
    if (seen === n) change();
  };
}

/** The one run's report.json and the plan files, first and re-checked. */
async function runFiles(c: Cluster): Promise<{ report: Report; dir: string }> {
  const [runId] = await readdir(join(c.artifacts, 'runs'));
  const dir = join(c.artifacts, 'runs', runId);
  return { report: JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as Report, dir };
}

const deletedImages = (c: Cluster) => clusterWrites(c.api).filter((w) => w.startsWith('DELETE')).map((w) => w.split('/').pop());

describe('the race guard in a confirmed run', () => {
  let c: Cluster | undefined;
  afterEach(async () => {
    await c?.stop();
    c = undefined;
  });

  it('spares an image a pod started on after the plan: not deleted, still pulls, reported with why', async () => {
    c = await startCluster();
    const cl = c;
    const [spared, other] = cl.plan.images.includes(cl.pushed[2].manifestDigest) ? [cl.pushed[2].manifestDigest, cl.pushed[3].manifestDigest] : [cl.pushed[3].manifestDigest, cl.pushed[2].manifestDigest];
    expect(cl.plan.images.sort()).toEqual([spared, other].sort());
    const [ns] = REPO.split('/');
    onListRequest(cl, PODS, 2, () => {
      cl.api.put({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { namespace: ns, name: 'started-late', creationTimestamp: '2026-10-31T23:59:00Z' },
        spec: { containers: [{ name: 'app', image: `registry.local/${REPO}@${spared}` }] },
        status: { phase: 'Running' },
      } as KubeObject);
    });
    const r = await cli(runFlags(cl, ['--confirm']));
    expect(r.stderr + r.stdout).toContain('succeeded (confirmed)');
    expect(r.stderr).toContain('Re-check the plan');

    expect(deletedImages(cl)).toEqual([other]);
    expect(await pullCheck(cl.registry.url, REPO, spared)).toMatchObject({ ok: true });
    expect((await pullCheck(cl.registry.url, REPO, other)).statuses[`manifest ${other}`]).toBe(404);

    const { report } = await runFiles(cl);
    const g = report.recheck!;
    expect(g.firstPlan.images).toBe(2);
    expect(report.plan?.images).toBe(1);
    expect(g.spared.images).toBe(1);
    // Why: the rules' own reasons name the pod; without them, the re-check says it kept it.
    expect(g.items.images).toEqual([{ name: spared, why: expect.any(Array) }]);
    expect(g.items.images[0].why.join('\n')).toMatch(/started-late|kept by the re-check/);
    // Its own blob and its manifest link in the repository went with it.
    expect(g.spared.blobs).toBeGreaterThan(0);
    expect(g.items.manifests).toContainEqual(expect.objectContaining({ repository: REPO, digest: spared }));
    expect(r.stdout).toContain(`spared ${g.sparedTotal} items changed since the plan (see report.json)`);
    expect(r.stderr).toContain(`run: re-check: ${g.sparedTotal} items of the plan spared`);
  });

  it('spares an image a stream took up after the plan, and keeps that revision', async () => {
    c = await startCluster();
    const cl = c;
    const [ns, name] = REPO.split('/');
    // The oldest planned image, put back as the third revision of a new tag: only the re-check would remove it.
    const planned = cl.pushed.map((p) => p.manifestDigest).filter((d) => cl.plan.images.includes(d));
    const taken = planned[planned.length - 1];
    onListRequest(cl, STREAMS, 2, () => {
      const s = cl.api.get('ImageStream', name, ns) as KubeObject & { status: { tags: { tag: string; items: { image: string; created: string; dockerImageReference: string }[] }[] } };
      const entry = (d: string) => ({ created: '2025-01-15T00:00:00Z', image: d, dockerImageReference: `registry.local/${REPO}@${d}` });
      s.status.tags.push({ tag: 'restored', items: [entry(cl.pushed[0].manifestDigest), entry(cl.pushed[1].manifestDigest), entry(taken)] });
      cl.api.put(s);
    });
    const r = await cli(runFlags(cl, ['--confirm']));
    expect(r.stderr + r.stdout).toContain('succeeded (confirmed)');

    expect(deletedImages(cl)).toEqual(planned.filter((d) => d !== taken));
    expect(await pullCheck(cl.registry.url, REPO, taken)).toMatchObject({ ok: true });
    const stream = cl.api.get('ImageStream', name, ns) as { status: { tags: { tag: string; items: { image: string }[] }[] } };
    expect(stream.status.tags.find((t) => t.tag === 'restored')?.items.map((i) => i.image)).toContain(taken);

    const { report } = await runFiles(cl);
    expect(report.recheck?.items.images).toEqual([{ name: taken, why: [expect.stringContaining(`tag restored gained a revision of Image ${taken}`)] }]);
    expect(report.recheck?.recheckOnly.streamUpdates).toBe(1);
    expect(r.stdout).toContain(`spared ${report.recheck?.sparedTotal} items changed since the plan`);
  });

  it('a list that cannot be read again stops the run before anything is deleted, and the report says why', async () => {
    c = await startCluster();
    const cl = c;
    // From the second pods list on (the re-check's), the API server refuses.
    onListRequest(cl, PODS, 1, () => cl.api.faults.status(403, { path: PODS }));
    const r = await cli(runFlags(cl, ['--confirm']));
    expect(r.code).toBe(1);
    expect(clusterWrites(cl.api)).toEqual([]);
    expect(cl.proxy.log.filter((q) => q.method === 'DELETE')).toEqual([]);
    for (const p of cl.pushed) expect((await pullCheck(cl.registry.url, REPO, p.manifestDigest)).ok).toBe(true);
    const { report } = await runFiles(cl);
    expect(report.status).toBe('failed');
    expect(report.error?.name).toBe('CollectError');
    expect(report.error?.message).toContain('pods');
    expect(report.recheck).toBeUndefined();
  });

  it('an untouched cluster: the re-check plans the same, nothing is spared, the first plan is carried out', async () => {
    c = await startCluster();
    const cl = c;
    const r = await cli(runFlags(cl, ['--confirm']));
    expect(r.stderr + r.stdout).toContain('succeeded (confirmed)');
    const { report, dir } = await runFiles(cl);
    expect(report.recheck?.sparedTotal).toBe(0);
    expect(report.recheck?.firstPlan).toEqual(report.plan);
    for (const file of ['images.json', 'blobs.json', 'layer-links.json', 'manifests.json', 'stream-updates.json']) {
      expect(await readFile(join(dir, 'recheck', 'plan', file), 'utf8'), file).toBe(await readFile(join(dir, 'plan', file), 'utf8'));
    }
    expect(deletedImages(cl).sort()).toEqual([...cl.plan.images].sort());
    expect(r.stdout).not.toContain('spared');
    // Every list but Images was read twice, Images once.
    const firstPages = (path: string) => cl.api.requests.filter((q) => q.method === 'GET' && q.path === path && !q.query.continue).length;
    expect(firstPages(PODS)).toBe(2);
    expect(firstPages(STREAMS)).toBe(2);
    expect(firstPages('/apis/image.openshift.io/v1/images')).toBe(1);
  });
});
