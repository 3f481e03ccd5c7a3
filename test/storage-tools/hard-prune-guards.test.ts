// Hard prune's guards (docs/rules.md, "Hard prune and fsck"), on the real
// docker-registry with filesystem and with S3 storage: a partial view of the
// cluster (no Image) and a confirmed run from a snapshot delete nothing; a
// wrong storage path is "not a registry root"; the blobs of a stream revision
// whose Image is gone stay; a stream-less repository with a push in progress
// stays; a folder with an invalid name is reported and left; the JSON report
// names every digest and link; a confirmed run says to make the registry
// writable again.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHardPruneCommand } from '../../cli/commands/hard-prune.js';
import type { HardPruneReport } from '../../shared/workflow/storage-tools/reports.js';
import type { FakeOpenShift } from '../support/fake-openshift.js';
import { pullCheck, pushBlob, pushImage, seededBytes, type PushedImage } from '../support/push.js';
import { all, BACKENDS, clusterFlags, runCommand, startCluster, startStorageEnv, streamOf, TWO_HOURS_AGO, type StorageEnv } from './env.js';

const V2 = 'docker/registry/v2';

describe.each(BACKENDS)('hard prune guards on %s storage', (backend) => {
  let env: StorageEnv;
  let api: FakeOpenShift;
  let noImages: FakeOpenShift;
  let command: ReturnType<typeof makeHardPruneCommand>;
  let kept: PushedImage, lost: PushedImage, old: PushedImage;
  let youngLink: string;
  let invalidLink: string;
  let dumps: { empty: string; streamsOnly: string; full: string };

  /** Writes a file of the layout behind the registry's back (an invalid folder no push can make). */
  async function putRaw(rel: string, content: string): Promise<void> {
    if (env.backend === 'filesystem') {
      const file = path.join(env.filesDir, rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
      return;
    }
    const s3 = env.s3!;
    const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    await client.send(new PutObjectCommand({ Bucket: 'registry', Key: `tools/root/${rel}`, Body: content }));
    client.destroy();
  }

  beforeAll(async () => {
    env = await startStorageEnv(backend);
    const url = env.registry.url;
    kept = await pushImage(url, { repository: 'ns/app', tag: 'v1', layers: [{ seed: 'guard-kept' }] });
    lost = await pushImage(url, { repository: 'ns/app', tag: 'lost', layers: [{ seed: 'guard-lost' }] });
    old = await pushImage(url, { repository: 'ns/app', tag: 'old', layers: [{ seed: 'guard-old' }] });
    await pushImage(url, { repository: 'ns/pushing', tag: 'v0', layers: [{ seed: 'guard-pushing-old' }] });
    await pushImage(url, { repository: 'ns/linking', tag: 'v0', layers: [{ seed: 'guard-linking-old' }] });
    invalidLink = `${V2}/repositories/Bad_Name/_manifests/revisions/sha256/${kept.manifestDigest.slice(7)}/link`;
    await putRaw(invalidLink, kept.manifestDigest);
    await env.ageAll(TWO_HOURS_AGO());
    // Pushes in progress into repositories without a stream: an upload just started, a blob just linked.
    const start = await fetch(`${url}/v2/ns/pushing/blobs/uploads/`, { method: 'POST' });
    await start.arrayBuffer();
    expect(start.status).toBe(202);
    youngLink = await pushBlob(url, 'ns/linking', seededBytes('guard-young-link', 256));

    // ns/app's stream names `lost` though its Image is gone; `old` left the stream and the cluster.
    const stream = streamOf('ns', 'app', { v1: [kept.image], lost: [lost.image] });
    api = await startCluster([kept.image, old.image], [stream]);
    expect(api.remove('Image', old.manifestDigest)).toBe(true);
    noImages = await startCluster([], [stream]);
    const dir = env.artifactsDir;
    dumps = { empty: path.join(dir, 'empty.json'), streamsOnly: path.join(dir, 'streams.json'), full: path.join(dir, 'full.json') };
    await writeFile(dumps.empty, JSON.stringify({ kind: 'List', items: [] }));
    await writeFile(dumps.streamsOnly, JSON.stringify({ kind: 'List', items: [stream] }));
    await writeFile(dumps.full, JSON.stringify({ kind: 'List', items: [kept.image, stream] }));
    command = makeHardPruneCommand({ storageOptions: env.storageOptions, artifactsDir: env.artifactsDir });
  });

  afterAll(async () => {
    await api?.stop();
    await noImages?.stop();
    await env?.stop();
  });

  const storage = () => ['--registry-storage', env.storageUrl];
  const confirm = ['--confirm', '--registry-read-only-confirmed'];

  it('a path that is not a registry root is one clear line, exit 1', async () => {
    const wrong = env.backend === 'filesystem' ? `file://${env.filesDir}/docker` : env.storageUrl.replace('tools/root', 'tools/wrong');
    const r = await runCommand(command, ['--registry-storage', wrong, ...clusterFlags(api)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/is not a registry root/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    { name: 'an empty List', dump: 'empty' as const },
    { name: 'a streams-only dump', dump: 'streamsOnly' as const },
  ])('refuses $name (no Image while storage holds manifests), changing nothing', async ({ dump }) => {
    const before = await env.listAll();
    const r = await runCommand(command, [...storage(), '--snapshot', dumps[dump]]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/nothing deleted: the cluster gave .*no Image while the registry's storage holds manifests/);
    expect(await env.listAll()).toEqual(before);
  });

  it('refuses a confirmed sweep of a cluster that serves streams but no Image, deleting nothing', async () => {
    const before = await env.listAll();
    const r = await runCommand(command, [...storage(), ...clusterFlags(noImages), ...confirm]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toMatch(/no Image while the registry's storage holds manifests/);
    expect(await env.listAll()).toEqual(before);
  });

  it('refuses --confirm planned from a snapshot file (usage, exit 2), deleting nothing', async () => {
    const before = await env.listAll();
    const r = await runCommand(command, [...storage(), '--snapshot', dumps.full, ...confirm]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--confirm cannot be used with --snapshot/);
    expect(await env.listAll()).toEqual(before);
  });

  it('a dry run from a snapshot is allowed', async () => {
    const r = await runCommand(command, [...storage(), '--snapshot', dumps.full, '--output', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as HardPruneReport).confirm).toBe(false);
  });

  it('the dry run lists every digest and link in JSON, and names them in the table', async () => {
    const r = await runCommand(command, [...storage(), ...clusterFlags(api), '--output', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as HardPruneReport;
    const oldBlobs = [old.manifestDigest, old.config.digest, old.layers[0].digest];
    expect(report.deletedBlobs.map((b) => b.digest)).toEqual(expect.arrayContaining(oldBlobs));
    expect(report.deletedBlobs.map((b) => b.digest)).not.toContain(lost.layers[0].digest);
    const app = report.repositories.find((x) => x.repository === 'ns/app')!;
    expect(app.manifestLinkDigests).toEqual([old.manifestDigest]);
    expect(app.layerLinkDigests.sort()).toEqual([old.config.digest, old.layers[0].digest].sort());

    const table = await runCommand(command, [...storage(), ...clusterFlags(api)]);
    expect(table.stdout).toContain(`manifest link ns/app@${old.manifestDigest}`);
    expect(table.stdout).toContain(`blob ${old.layers[0].digest}`);
    expect(table.stdout).toMatch(/Left alone, not repository names/);
  });

  describe('--confirm', () => {
    let confirmed: { code: number; stdout: string; stderr: string };
    let report: HardPruneReport;
    beforeAll(async () => {
      confirmed = await runCommand(command, [...storage(), ...clusterFlags(api), ...confirm, '--output', 'json']);
      report = JSON.parse(confirmed.stdout) as HardPruneReport;
    });

    it('succeeds and says to make the registry writable again', () => {
      expect(confirmed.code, confirmed.stderr).toBe(0);
      expect(report.failures).toEqual([]);
      expect(confirmed.stderr).toMatch(/make the registry writable again/);
    });

    it('keeps the blobs and revision link of a stream revision whose Image is gone (fsck can recover it)', async () => {
      const blobs = new Set((await all(env.storage.blobs())).map((b) => b.digest));
      for (const d of [lost.manifestDigest, lost.config.digest, lost.layers[0].digest]) expect(blobs.has(d), d).toBe(true);
      expect(await all(env.storage.manifestRevisions('ns/app'))).toContain(lost.manifestDigest);
      expect((await pullCheck(env.registry.url, 'ns/app', lost.manifestDigest)).ok).toBe(true);
      for (const d of [old.manifestDigest, old.config.digest, old.layers[0].digest]) expect(blobs.has(d), d).toBe(false);
    });

    it('keeps repositories without a stream that hold a young upload or link a young blob', async () => {
      const repos = await all(env.storage.repositories());
      expect(repos).toContain('ns/pushing');
      expect(repos).toContain('ns/linking');
      expect(await env.storage.newestUpload('ns/pushing')).toBeDefined();
      expect(await all(env.storage.layerLinks('ns/linking'))).toContain(youngLink);
      expect(report.keptRepositories).toEqual([
        { repository: 'ns/linking', reason: 'young blob' },
        { repository: 'ns/pushing', reason: 'young upload' },
      ]);
    });

    it('reports the folder with an invalid name and leaves it', async () => {
      expect(report.invalidRepositories).toEqual([expect.objectContaining({ location: expect.stringContaining('Bad_Name') })]);
      expect((await env.listAll()).some((f) => f.includes('Bad_Name'))).toBe(true);
    });
  });
});
