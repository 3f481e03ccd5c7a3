// The HardPrune state machine, synthesized from the construct and run locally
// (the Distributed Maps rewritten as `image-pruner run` does), against the real
// docker-registry on filesystem and on S3 storage and the fake API server: it decides
// exactly what `image-pruner hard-prune` decides, a dry run changes nothing,
// confirm without the read-only acknowledgement is refused by the Choice, and
// a confirmed run leaves what a confirmed command run leaves.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHardPruneCommand } from '../../cli/commands/hard-prune.js';
import type { HardPruneReport } from '../../shared/workflow/storage-tools/reports.js';
import { runHardPruneLocally, type StorageToolPorts } from '../../cli/local-run/storage-tools.js';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/index.js';
import { connectCluster, KubernetesCollector, type ClusterClient } from '../../shared/adapters/kubernetes/index.js';
import { REGISTRY_NOT_READ_ONLY } from '../../shared/workflow/storage-tools/contracts.js';
import type { FakeOpenShift } from '../support/fake-openshift.js';
import { pullCheck, pushBlob, pushImage, pushIndex, seededBytes, type PushedImage, type PushedIndex } from '../support/push.js';
import { all, BACKENDS, clusterFlags, runCommand, startCluster, startStorageEnv, streamOf, TWO_HOURS_AGO, type StorageEnv } from '../storage-tools/env.js';


describe.each(BACKENDS)('the HardPrune state machine, run locally on %s storage', (backend) => {
  let env: StorageEnv;
  let api: FakeOpenShift;
  let client: ClusterClient;
  let artifactsDir: string;
  let ports: StorageToolPorts;
  let a1: PushedImage, a2: PushedImage, gone: PushedImage, k: PushedImage, index: PushedIndex;
  let youngBlob: string;
  let command: ReturnType<typeof makeHardPruneCommand>;
  let commandDryRun: HardPruneReport;

  beforeAll(async () => {
    env = await startStorageEnv(backend);
    const url = env.registry.url;
    const shared = { seed: 'sm-shared-base', size: 2048 };
    a1 = await pushImage(url, { repository: 'ns/app', tag: 'v1', layers: [shared, { seed: 'sm-a1-own' }] });
    a2 = await pushImage(url, { repository: 'ns/app', tag: 'v2', layers: [shared, { seed: 'sm-a2-own', size: 3000 }] });
    gone = await pushImage(url, { repository: 'ns/gone', tag: 'latest', layers: [shared, { seed: 'sm-gone-own' }], mountFrom: 'ns/app' });
    k = await pushImage(url, { repository: 'ns/keep', tag: 'latest', layers: [{ seed: 'sm-keep-own' }] });
    const amd = await pushImage(url, { repository: 'ns/multi', layers: [{ seed: 'sm-amd' }], architecture: 'amd64', seed: 'sm-amd' });
    const arm = await pushImage(url, { repository: 'ns/multi', layers: [{ seed: 'sm-arm' }], architecture: 'arm64', seed: 'sm-arm' });
    index = await pushIndex(url, { repository: 'ns/multi', tag: 'latest', manifests: [amd, arm] });
    await env.ageAll(TWO_HOURS_AGO());
    // Pushed after the ageing: a push in progress, younger than the 60m default.
    youngBlob = await pushBlob(url, 'ns/app', seededBytes('sm-upload-in-progress', 512));

    // The amd64 child has no Image object: marking must read it from storage.
    api = await startCluster([a1, a2, gone, k, arm].map((p) => p.image).concat(index.image), [
      streamOf('ns', 'app', { v1: [a1.image] }),
      streamOf('ns', 'gone', { latest: [gone.image] }),
      streamOf('ns', 'keep', { latest: [k.image] }),
      streamOf('ns', 'multi', { latest: [index.image] }),
    ]);
    expect(api.remove('Image', a2.manifestDigest)).toBe(true);
    expect(api.remove('Image', gone.manifestDigest)).toBe(true);
    expect(api.remove('ImageStream', 'gone', 'ns')).toBe(true);

    client = await connectCluster({ kubeconfig: api.kubeconfigPath, allowPlainHttp: true, env: {} });
    artifactsDir = await mkdtemp(join(tmpdir(), 'storage-tools-sm-'));
    ports = { artifacts: new LocalFolderArtifacts(artifactsDir), cluster: new KubernetesCollector(client), storage: env.storage };
    command = makeHardPruneCommand({ storageOptions: env.storageOptions, artifactsDir: env.artifactsDir });
    const r = await runCommand(command, ['--registry-storage', env.storageUrl, ...clusterFlags(api), '--output', 'json']);
    expect(r.code, r.stderr).toBe(0);
    commandDryRun = JSON.parse(r.stdout) as HardPruneReport;
  });

  afterAll(async () => {
    await client?.close();
    await api?.stop();
    await env?.stop();
    if (artifactsDir) await rm(artifactsDir, { recursive: true, force: true });
  });

  it('a dry run reports exactly what the command reports, and changes nothing', async () => {
    const before = await env.listAll();
    const r = await runHardPruneLocally({}, ports);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('succeeded');
    expect(r.output?.mode).toBe('dry-run');
    expect(r.output?.report).toEqual(commandDryRun);
    // Not vacuous: the command found the two deleted images' blobs and the orphaned repository.
    expect(commandDryRun.blobs.deleted).toBe(6);
    expect(commandDryRun.blobs.young).toBe(1);
    expect(commandDryRun.repositories.map((x) => [x.repository, x.action])).toEqual(expect.arrayContaining([['ns/gone', 'remove'], ['ns/app', 'sweep']]));
    expect(await env.listAll()).toEqual(before);
  });

  it.each([
    ['registryReadOnlyConfirmed missing', { confirm: true }],
    ['registryReadOnlyConfirmed false', { confirm: true, registryReadOnlyConfirmed: false }],
  ])('refuses confirm with %s before any task runs, deleting nothing', async (_, input) => {
    const before = await env.listAll();
    const r = await runHardPruneLocally(input, ports);
    expect(r.status).toBe('failed');
    expect(r.error?.name).toBe(REGISTRY_NOT_READ_ONLY);
    expect(r.output).toBeUndefined();
    expect(await env.listAll()).toEqual(before);
  });

  it('a misspelt input field fails the run with the field named, deleting nothing', async () => {
    const before = await env.listAll();
    const r = await runHardPruneLocally({ confrim: true } as never, ports);
    expect(r.status).toBe('failed');
    expect(r.error?.message).toMatch(/unknown field "confrim"/);
    expect(await env.listAll()).toEqual(before);
  });

  it('confirmed, it deletes what the command would; kept images pull, the young blob and its link survive, the command then finds nothing', async () => {
    const r = await runHardPruneLocally({ confirm: true, registryReadOnlyConfirmed: true }, ports);
    expect(r.error).toBeUndefined();
    expect(r.output?.mode).toBe('confirmed');
    expect(r.output?.report).toEqual({ ...commandDryRun, confirm: true });

    expect((await all(env.storage.repositories())).sort()).toEqual(['ns/app', 'ns/keep', 'ns/multi']);
    const blobs = new Set((await all(env.storage.blobs())).map((b) => b.digest));
    for (const d of [a2.manifestDigest, a2.config.digest, a2.layers[1].digest, gone.manifestDigest, gone.config.digest, gone.layers[1].digest]) expect(blobs.has(d), d).toBe(false);
    expect(blobs.has(youngBlob), 'young blob').toBe(true);
    expect(await all(env.storage.layerLinks('ns/app'))).toContain(youngBlob);
    for (const [repo, image] of [['ns/app', a1], ['ns/keep', k], ['ns/multi', index]] as const) {
      const pulled = await pullCheck(env.registry.url, repo, image.manifestDigest);
      expect(pulled.ok, `${repo}@${image.manifestDigest}: ${JSON.stringify(pulled.statuses)}`).toBe(true);
    }

    const after = await runCommand(command, ['--registry-storage', env.storageUrl, ...clusterFlags(api), '--output', 'json']);
    const again = JSON.parse(after.stdout) as HardPruneReport;
    expect(again.blobs.deleted).toBe(0);
    expect(again.repositories).toEqual([]);
  });
});
