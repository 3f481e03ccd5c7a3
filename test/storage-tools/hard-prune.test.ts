// Hard prune end to end, on the real docker-registry with filesystem and with
// S3 storage: images pushed through the registry, the cluster in the fake API
// server, the command run in-process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHardPruneCommand } from '../../cli/commands/hard-prune.js';
import type { HardPruneReport } from '../../shared/workflow/storage-tools/reports.js';
import type { FakeOpenShift } from '../support/fake-openshift.js';
import { pullCheck, pushBlob, pushImage, pushIndex, seededBytes, type PushedImage } from '../support/push.js';
import { all, BACKENDS, clusterFlags, runCommand, startCluster, startStorageEnv, streamOf, TWO_HOURS_AGO, type StorageEnv } from './env.js';


describe.each(BACKENDS)('hard prune on %s storage', (backend) => {
  let env: StorageEnv;
  let api: FakeOpenShift;
  let kept: { repo: string; image: { manifestDigest: string } }[];
  let a1: PushedImage, a2: PushedImage, gone: PushedImage, k: PushedImage;
  let youngBlob: string;
  let command: ReturnType<typeof makeHardPruneCommand>;

  beforeAll(async () => {
    env = await startStorageEnv(backend);
    const url = env.registry.url;
    const shared = { seed: 'shared-base', size: 2048 };
    a1 = await pushImage(url, { repository: 'ns/app', tag: 'v1', layers: [shared, { seed: 'a1-own' }] });
    a2 = await pushImage(url, { repository: 'ns/app', tag: 'v2', layers: [shared, { seed: 'a2-own', size: 3000 }] });
    gone = await pushImage(url, { repository: 'ns/gone', tag: 'latest', layers: [shared, { seed: 'gone-own' }], mountFrom: 'ns/app' });
    k = await pushImage(url, { repository: 'ns/keep', tag: 'latest', layers: [{ seed: 'keep-own' }] });
    const amd = await pushImage(url, { repository: 'ns/multi', layers: [{ seed: 'amd' }], architecture: 'amd64', seed: 'amd' });
    const arm = await pushImage(url, { repository: 'ns/multi', layers: [{ seed: 'arm' }], architecture: 'arm64', seed: 'arm' });
    const index = await pushIndex(url, { repository: 'ns/multi', tag: 'latest', manifests: [amd, arm] });
    // Everything so far is old; what is pushed next is a push in progress.
    await env.ageAll(TWO_HOURS_AGO());
    youngBlob = await pushBlob(url, 'ns/app', seededBytes('upload-in-progress', 512));

    // The cluster: Images and streams for everything, then A2's Image and the ns/gone stream go away.
    const images = [a1, a2, gone, k, amd, arm].map((p) => p.image).concat(index.image);
    api = await startCluster(images, [
      streamOf('ns', 'app', { v1: [a1.image] }),
      streamOf('ns', 'gone', { latest: [gone.image] }),
      streamOf('ns', 'keep', { latest: [k.image] }),
      streamOf('ns', 'multi', { latest: [index.image] }),
    ]);
    expect(api.remove('Image', a2.manifestDigest)).toBe(true);
    expect(api.remove('Image', gone.manifestDigest)).toBe(true);
    expect(api.remove('ImageStream', 'gone', 'ns')).toBe(true);
    kept = [
      { repo: 'ns/app', image: a1 },
      { repo: 'ns/keep', image: k },
      { repo: 'ns/multi', image: index },
    ];
    command = makeHardPruneCommand({ storageOptions: env.storageOptions, artifactsDir: env.artifactsDir });
  });

  afterAll(async () => {
    await api?.stop();
    await env?.stop();
  });

  const args = () => ['--registry-storage', env.storageUrl, ...clusterFlags(api), '--output', 'json'];

  it('dry run reports what would go and changes nothing', async () => {
    const before = await env.listAll();
    const r = await runCommand(command, args());
    expect(r.stderr).not.toMatch(/error|failed/i);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as HardPruneReport;
    expect(report.confirm).toBe(false);
    // A2: manifest, config, own layer; gone: manifest, config, own layer.
    expect(report.blobs.deleted).toBe(6);
    expect(report.blobs.bytes).toBe(a2.manifestSize + a2.config.size + 3000 + gone.manifestSize + gone.config.size + 1024);
    expect(report.blobs.young).toBe(1);
    expect(report.repositories.find((x) => x.repository === 'ns/gone')).toMatchObject({ action: 'remove' });
    expect(report.repositories.find((x) => x.repository === 'ns/app')).toMatchObject({ action: 'sweep', manifestLinks: 1, layerLinks: 2 });
    expect(await env.listAll()).toEqual(before);
  });

  it('the table report names repositories, counts and bytes', async () => {
    const r = await runCommand(command, args().slice(0, -2));
    expect(r.stdout).toMatch(/dry run: nothing is changed/);
    expect(r.stdout).toMatch(/ns\/gone\s+remove \(no image stream\)/);
    expect(r.stdout).toMatch(/Blobs: would delete 6 \(/);
    expect(r.stdout).toMatch(/--registry-read-only-confirmed/);
  });

  it('refuses --confirm unless the registry is said to be read-only, deleting nothing', async () => {
    const before = await env.listAll();
    const r = await runCommand(command, [...args(), '--confirm']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/read-only/);
    expect(await env.listAll()).toEqual(before);
  });

  it('--confirm deletes unreferenced blobs and orphaned repositories; kept images still pull; a young blob survives', async () => {
    const r = await runCommand(command, [...args(), '--confirm', '--registry-read-only-confirmed']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toMatch(/must stay read-only/);
    const report = JSON.parse(r.stdout) as HardPruneReport;
    expect(report.failures).toEqual([]);
    expect(report.blobs.deleted).toBe(6);

    const repos = await all(env.storage.repositories());
    expect(repos.sort()).toEqual(['ns/app', 'ns/keep', 'ns/multi']);
    const blobs = new Set((await all(env.storage.blobs())).map((b) => b.digest));
    for (const d of [a2.manifestDigest, a2.config.digest, a2.layers[1].digest, gone.manifestDigest, gone.config.digest, gone.layers[1].digest]) {
      expect(blobs.has(d), d).toBe(false);
    }
    expect(blobs.has(a1.layers[0].digest), 'shared layer').toBe(true);
    expect(blobs.has(youngBlob), 'young blob').toBe(true);
    expect(await all(env.storage.layerLinks('ns/app')), 'link of the young blob').toContain(youngBlob);
    expect((await all(env.storage.manifestRevisions('ns/app'))).sort()).toEqual([a1.manifestDigest]);
    for (const { repo, image } of kept) {
      const pulled = await pullCheck(env.registry.url, repo, image.manifestDigest);
      expect(pulled.ok, `${repo}@${image.manifestDigest}: ${JSON.stringify(pulled.statuses)}`).toBe(true);
    }
    expect((await pullCheck(env.registry.url, 'ns/app', a2.manifestDigest)).ok).toBe(false);
  });

  it('a second run finds nothing more to delete', async () => {
    const r = await runCommand(command, args());
    const report = JSON.parse(r.stdout) as HardPruneReport;
    expect(report.blobs.deleted).toBe(0);
    expect(report.repositories).toEqual([]);
  });
});
