// fsck's safety findings (issue "Nothing lost, nothing leaked"), on the real
// docker-registry with filesystem and S3 storage: a manifest deleted through
// the registry (an empty revision folder on a filesystem) is no lost
// manifest; revisions whose revision link (the registry answers 404, as after
// a partial prune) or layer link is gone are reported and --recover writes
// the links again, after which they pull; a list child without an Image whose
// layer is gone is a broken image; a lost manifest whose layer is gone is
// reported and never restored.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFsckCommand } from '../../cli/commands/fsck.js';
import type { FsckReport } from '../../shared/workflow/storage-tools/reports.js';
import type { FakeOpenShift } from '../support/fake-openshift.js';
import { pullCheck, pushImage, pushIndex, type PushedImage, type PushedIndex } from '../support/push.js';
import { BACKENDS, clusterFlags, exists, runCommand, startCluster, startStorageEnv, streamOf, type StorageEnv } from './env.js';

const hex = (d: string) => d.slice('sha256:'.length);

describe.each(BACKENDS)('fsck safety on %s storage', (backend) => {
  let env: StorageEnv;
  let api: FakeOpenShift;
  let command: ReturnType<typeof makeFsckCommand>;
  let deleted: PushedImage, revs: PushedImage[], layerGone: PushedImage, lostBroken: PushedImage, kids: PushedImage[], list: PushedIndex;

  async function deleteManifest(repository: string, digest: string): Promise<void> {
    const res = await fetch(`${env.registry.url}/v2/${repository}/manifests/${digest}`, { method: 'DELETE' });
    if (res.status !== 202) throw new Error(`DELETE ${repository}@${digest}: ${res.status}`);
  }
  async function deleteBlob(digest: string): Promise<void> {
    for await (const r of env.storage.deleteBlobs([digest])) if (r.status !== 'done') throw new Error(`deleting ${digest}: ${r.status}`);
  }

  beforeAll(async () => {
    env = await startStorageEnv(backend);
    const url = env.registry.url;
    const ok = await pushImage(url, { repository: 'ns/ok', tag: 'v1', layers: [{ seed: 'safe-ok' }] });
    // Pushed, then deleted through the registry as a confirmed prune does: the Image is gone with it.
    deleted = await pushImage(url, { repository: 'ns/ok', layers: [{ seed: 'safe-deleted' }] });
    await deleteManifest('ns/ok', deleted.manifestDigest);
    // Three tagged revisions whose manifests were deleted through the registry (a partial prune): their Images stay.
    revs = [];
    for (const t of ['r1', 'r2', 'r3']) revs.push(await pushImage(url, { repository: 'ns/links', tag: t, layers: [{ seed: `safe-${t}` }] }));
    for (const r of revs) await deleteManifest('ns/links', r.manifestDigest);
    layerGone = await pushImage(url, { repository: 'ns/links', tag: 'layer', layers: [{ seed: 'safe-layer' }] });
    for await (const r of env.storage.deleteLinks([{ kind: 'layer', repository: 'ns/links', digest: layerGone.layers[0].digest }])) {
      if (r.status !== 'done') throw new Error(`deleting a layer link: ${r.status}`);
    }
    // A manifest no stream reaches and no Image describes, whose layer is gone.
    lostBroken = await pushImage(url, { repository: 'ns/broken', tag: 'x', layers: [{ seed: 'safe-broken' }] });
    await deleteBlob(lostBroken.layers[0].digest);
    // A list whose children have no Image; one child's layer is gone.
    kids = [
      await pushImage(url, { repository: 'ns/multi', layers: [{ seed: 'safe-amd' }], architecture: 'amd64' }),
      await pushImage(url, { repository: 'ns/multi', layers: [{ seed: 'safe-arm' }], architecture: 'arm64' }),
    ];
    list = await pushIndex(url, { repository: 'ns/multi', tag: 'latest', manifests: kids });
    await deleteBlob(kids[1].layers[0].digest);

    api = await startCluster(
      [ok, ...revs, layerGone].map((p) => p.image).concat([list.image]),
      [
        streamOf('ns', 'ok', { v1: [ok.image] }),
        streamOf('ns', 'links', { r1: [revs[0].image], r2: [revs[1].image], r3: [revs[2].image], layer: [layerGone.image] }),
        streamOf('ns', 'multi', { latest: [list.image] }),
      ],
    );
    command = makeFsckCommand({ storageOptions: env.storageOptions, artifactsDir: env.artifactsDir });
    // A folder no repository can be named after, with a link in it, behind the registry's back.
    const rel = 'docker/registry/v2/repositories/ns/Bad_Name/_layers/sha256/x/link';
    if (backend === 'filesystem') {
      await mkdir(path.dirname(path.join(env.filesDir, rel)), { recursive: true });
      await writeFile(path.join(env.filesDir, rel), 'junk');
    } else {
      const s3 = env.s3!;
      const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
      await client.send(new PutObjectCommand({ Bucket: 'registry', Key: `tools/root/${rel}`, Body: 'junk' }));
      client.destroy();
    }
  });

  afterAll(async () => {
    await api?.stop();
    await env?.stop();
  });

  const args = () => ['--registry-storage', env.storageUrl, ...clusterFlags(api), '--output', 'json'];
  const check = async () => JSON.parse((await runCommand(command, args(), 'fsck')).stdout) as FsckReport;

  it('a manifest deleted through the registry is no lost manifest, though its revision folder stays on a filesystem', async () => {
    if (backend === 'filesystem') {
      const folder = path.join(env.filesDir, 'docker/registry/v2/repositories/ns/ok/_manifests/revisions/sha256', hex(deleted.manifestDigest));
      expect(await exists(folder)).toBe(true);
      expect(await exists(path.join(folder, 'link'))).toBe(false);
    }
    const report = await check();
    expect(report.lostManifests.map((f) => [f.repository, f.digest])).toEqual([['ns/broken', lostBroken.manifestDigest]]);
  });

  it('reports revisions whose revision link or layer link is gone although the blobs are there', async () => {
    for (const r of revs) expect((await pullCheck(env.registry.url, 'ns/links', r.manifestDigest)).statuses[`manifest ${r.manifestDigest}`]).toBe(404);
    const r = await runCommand(command, args(), 'fsck');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as FsckReport;
    const expected = [
      ...revs.map((p, i) => ({ image: p.manifestDigest, missing: [{ kind: 'revision', digest: p.manifestDigest }], tags: [{ namespace: 'ns', name: 'links', tag: `r${i + 1}`, index: 0 }] })),
      { image: layerGone.manifestDigest, missing: [{ kind: 'layer', digest: layerGone.layers[0].digest }], tags: [{ namespace: 'ns', name: 'links', tag: 'layer', index: 0 }] },
    ].sort((a, b) => a.image.localeCompare(b.image));
    expect(report.missingLinks).toEqual(expected.map((f) => ({ kind: 'missing-links', repository: 'ns/links', ...f })));

    const text = await runCommand(command, args().slice(0, -2), 'fsck');
    expect(text.stdout).toContain(`MISSING LINKS ns/links@${revs[0].manifestDigest}: revision link ${revs[0].manifestDigest} (the blobs are in storage).`);
    expect(text.stdout).toContain(`MISSING LINKS ns/links@${layerGone.manifestDigest}: layer link ${layerGone.layers[0].digest}`);
    expect(text.stdout).toMatch(/fsck --recover writes the links again/);
  });

  it('reports the missing layer of a list child that has no Image, with the tags of the list', async () => {
    const report = await check();
    expect(report.missingBlobs).toEqual([
      { kind: 'missing-blobs', image: kids[1].manifestDigest, missing: [{ digest: kids[1].layers[0].digest, role: 'layer' }], tags: [{ namespace: 'ns', name: 'multi', tag: 'latest', index: 0 }] },
    ]);
  });

  it('--recover writes the missing links (the revisions pull again) and never restores a manifest whose layer is gone', async () => {
    const r = await runCommand(command, [...args(), '--recover'], 'fsck');
    const report = JSON.parse(r.stdout) as FsckReport;
    expect(report.missingLinks.map((f) => [f.image, f.restored])).toEqual(report.missingLinks.map((f) => [f.image, true]));
    for (const p of [...revs, layerGone]) {
      const pulled = await pullCheck(env.registry.url, 'ns/links', p.manifestDigest);
      expect(pulled.ok, JSON.stringify(pulled.statuses)).toBe(true);
    }
    expect(report.lostManifests).toHaveLength(1);
    expect(report.lostManifests[0].recoveredAs).toBeUndefined();
    expect(report.lostManifests[0].problem).toContain(lostBroken.layers[0].digest);
    expect(api.get('Image', lostBroken.manifestDigest)).toBeUndefined();
    expect(api.objects('ImageStream', 'ns').map((s) => s.metadata?.name)).not.toContain('broken');
    expect(r.code).toBe(1);

    const after = await check();
    expect(after.missingLinks).toEqual([]);
  });

  it('reports a repository folder whose name is invalid instead of skipping it silently', async () => {
    const report = await check();
    expect(report.invalidRepositories).toEqual([{ location: expect.stringMatching(/repositories\/ns\/Bad_Name\/$/), reason: expect.stringMatching(/not a repository name/) }]);
    const text = await runCommand(command, args().slice(0, -2), 'fsck');
    expect(text.stdout).toMatch(/INVALID REPOSITORY FOLDER \S+ns\/Bad_Name\/: not a repository name/);
  });

  it('says "not a registry root" for a path that is not one, instead of calling every image broken', async () => {
    const wrong = backend === 'filesystem' ? `file://${path.join(env.filesDir, 'docker')}` : env.storageUrl.replace('tools/root', 'tools/elsewhere');
    const r = await runCommand(command, ['--registry-storage', wrong, ...clusterFlags(api)], 'fsck');
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/BROKEN/);
    expect(r.stderr).toMatch(/is not a registry root/);
    expect(r.stderr.split('\n').filter((l) => /not a registry root/.test(l))).toHaveLength(1);
  });
});
