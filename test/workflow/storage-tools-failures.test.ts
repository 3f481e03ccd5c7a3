// HardPrune stops safely: when a manifest-list child has no Image and its
// manifest is gone from storage, marking cannot know its layers, so the run
// fails before the sweep, reports why, and deletes nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHardPruneLocally, type StorageToolPorts } from '../../cli/local-run/storage-tools.js';
import { getJson, LocalFolderArtifacts } from '../../shared/adapters/artifacts/index.js';
import { connectCluster, KubernetesCollector, type ClusterClient } from '../../shared/adapters/kubernetes/index.js';
import { openRegistryStorage } from '../../shared/adapters/storage/index.js';
import type { HardPruneRunReport } from '../../shared/workflow/storage-tools/hard-prune.js';
import type { FakeOpenShift } from '../support/fake-openshift.js';
import { pushImage, pushIndex, type PushedImage } from '../support/push.js';
import { startCluster, startStorageEnv, streamOf, type StorageEnv } from '../storage-tools/env.js';

describe('HardPrune with an unreadable manifest-list child', () => {
  let env: StorageEnv;
  let api: FakeOpenShift;
  let client: ClusterClient;
  let artifactsDir: string;
  let ports: StorageToolPorts;
  let amd: PushedImage;

  beforeAll(async () => {
    env = await startStorageEnv('filesystem');
    const url = env.registry.url;
    const stale = await pushImage(url, { repository: 'ns/old', tag: 'x', layers: [{ seed: 'fail-stale' }] });
    amd = await pushImage(url, { repository: 'ns/multi', layers: [{ seed: 'fail-amd' }], architecture: 'amd64', seed: 'fail-amd' });
    const arm = await pushImage(url, { repository: 'ns/multi', layers: [{ seed: 'fail-arm' }], architecture: 'arm64', seed: 'fail-arm' });
    const index = await pushIndex(url, { repository: 'ns/multi', tag: 'latest', manifests: [amd, arm] });
    // amd64 has no Image object and its manifest is gone; ns/old has no stream (hard prune would remove it).
    api = await startCluster([arm.image, index.image, stale.image], [streamOf('ns', 'multi', { latest: [index.image] })]);
    for await (const r of env.storage.deleteBlobs([amd.manifestDigest])) expect(r.status).toBe('done');
    await env.ageAll(new Date(Date.now() - 3 * 3_600_000));
    client = await connectCluster({ kubeconfig: api.kubeconfigPath, allowPlainHttp: true, env: {} });
    artifactsDir = await mkdtemp(join(tmpdir(), 'storage-tools-fail-'));
    ports = { artifacts: new LocalFolderArtifacts(artifactsDir), cluster: new KubernetesCollector(client), storage: openRegistryStorage(env.storageUrl) };
  });

  afterAll(async () => {
    await client?.close();
    await api?.stop();
    await env?.stop();
    if (artifactsDir) await rm(artifactsDir, { recursive: true, force: true });
  });

  it('fails before the sweep, names the child in report.json, and deletes nothing even when confirmed', async () => {
    const before = await env.listAll();
    const r = await runHardPruneLocally({ confirm: true, registryReadOnlyConfirmed: true }, ports);
    expect(r.status).toBe('failed');
    expect(r.error?.name).toBe('HardPruneMarkingError');
    expect(r.error?.message).toContain(amd.manifestDigest);
    expect(r.output?.status).toBe('failed');
    expect(r.output?.report).toBeUndefined();
    const stored = await getJson<HardPruneRunReport>(ports.artifacts, r.output!.reportKey);
    expect(stored.error?.name).toBe('HardPruneMarkingError');
    expect(await env.listAll()).toEqual(before);
  });
});
