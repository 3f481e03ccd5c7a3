// End to end on the real registry, on a filesystem and on S3: a confirmed
// `image-pruner run --registry-storage` leaves no planned link file behind.
// Blobs go only after every layer and manifest link (docs/rules.md, "Carrying
// it out"): the registry refuses to unlink a layer or manifest whose blob is
// already gone (404 "blob unknown", which counts as done) and leaves the link
// file in storage, so deleting them at the same time left links behind.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '../../shared/core/kube-types.js';
import { computePlan } from '../../shared/core/plan.js';
import type { Plan } from '../../shared/core/plan-types.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import { startFakeOpenShift, type FakeOpenShift } from '../support/fake-openshift.js';
import { pullCheck, pushImage, type PushedImage } from '../support/push.js';
import { BACKENDS, startStorageEnv, type StorageEnv } from '../storage-tools/env.js';
import { cli, NOW } from './fixture.js';

const REPOS = ['team/app', 'team/web', 'other/svc'];
const REVISIONS = 8;

describe.each(BACKENDS)('a confirmed run on %s storage', (backend) => {
  let env: StorageEnv;
  let api: FakeOpenShift;
  let plan: Plan;
  const pushed: Record<string, PushedImage[]> = {};

  beforeAll(async () => {
    env = await startStorageEnv(backend);
    // The run opens the S3 storage with the SDK's default credentials.
    if (env.s3) {
      vi.stubEnv('AWS_ACCESS_KEY_ID', env.s3.accessKeyId);
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', env.s3.secretAccessKey);
    }
    const objects: KubeObject[] = [];
    for (const repo of REPOS) {
      // Oldest first; a base layer shared by every revision must stay.
      const list: PushedImage[] = [];
      for (let i = 1; i <= REVISIONS; i++) {
        list.unshift(
          await pushImage(env.registry.url, {
            repository: repo,
            tag: `v${i}`,
            layers: [{ seed: `${backend}-${repo}-base`, size: 2048 }, { seed: `${backend}-${repo}-${i}-a` }, { seed: `${backend}-${repo}-${i}-b` }],
            created: `2025-0${i}-01T00:00:00Z`,
          }),
        );
      }
      pushed[repo] = list;
      const [namespace, name] = repo.split('/');
      objects.push(...list.map((p) => p.image as unknown as KubeObject), {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { namespace, name, creationTimestamp: '2025-01-01T00:00:00Z' },
        status: {
          dockerImageRepository: `registry.local/${repo}`,
          tags: [{ tag: 'latest', items: list.map((p, i) => ({ created: `2025-0${REVISIONS - i}-01T00:00:00Z`, dockerImageReference: p.image.dockerImageReference, image: p.manifestDigest })) }],
        },
      });
    }
    api = await startFakeOpenShift({ objects });
    plan = computePlan(snapshotFromList({ kind: 'List', items: objects }), {
      keepTagRevisions: 2,
      keepYoungerThanMs: 3_600_000,
      now: new Date(NOW),
      all: false,
      ignoreInvalidRefs: false,
    });
  }, 120_000);
  afterAll(async () => {
    vi.unstubAllEnvs();
    await api?.stop();
    await env?.stop();
  });

  it('removes every planned layer link, manifest link and blob, and every kept image pulls', async () => {
    expect(plan.layerLinks.length).toBe(REPOS.length * (REVISIONS - 2) * 3);
    expect(plan.manifestLinks.length).toBe(REPOS.length * (REVISIONS - 2));
    const r = await cli([
      'run',
      '--kubeconfig', api.kubeconfigPath,
      '--registry-url', env.registry.url,
      '--registry-storage', env.storageUrl,
      '--artifacts', env.artifactsDir,
      '--keep-tag-revisions', '2',
      '--now', NOW,
      '--confirm',
      // The fake API server and the test registry speak plain http.
      '--force-insecure',
    ]);
    expect(r.stderr + r.stdout).toContain('succeeded (confirmed)');
    expect(r.code).toBe(0);

    const left: string[] = [];
    for (const l of plan.layerLinks) {
      if ((await env.storage.readLink({ kind: 'layer', repository: l.repository, digest: l.digest })) !== undefined) left.push(`layer link ${l.repository}@${l.digest}`);
    }
    for (const l of plan.manifestLinks) {
      if ((await env.storage.readLink({ kind: 'revision', repository: l.repository, digest: l.digest })) !== undefined) left.push(`manifest link ${l.repository}@${l.digest}`);
    }
    const blobs = new Set<string>();
    for await (const b of env.storage.blobs()) blobs.add(b.digest);
    for (const d of plan.blobs) if (blobs.has(d)) left.push(`blob ${d}`);
    expect(left).toEqual([]);

    for (const repo of REPOS) {
      for (const p of pushed[repo]) {
        const check = await pullCheck(env.registry.url, repo, p.manifestDigest);
        if (plan.images.includes(p.manifestDigest)) expect(check.statuses[`manifest ${p.manifestDigest}`], `${repo}@${p.manifestDigest}`).toBe(404);
        else expect(check, `${repo}@${p.manifestDigest}`).toMatchObject({ ok: true });
      }
    }
  }, 120_000);
});
