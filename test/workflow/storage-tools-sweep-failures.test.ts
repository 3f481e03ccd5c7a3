// A HardPrune that could not delete everything ends failed: on S3 storage
// whose DeleteObjects refuses one blob, report.json lists the refused one, and the execution ends in the
// Fail state under the sweep's error name (like `image-pruner hard-prune`
// exits 1). Safety: the refused blob is still there and kept images still pull.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHardPruneLocally, type StorageToolPorts } from '../../cli/local-run/storage-tools.js';
import { getJson, LocalFolderArtifacts } from '../../shared/adapters/artifacts/index.js';
import { connectCluster, KubernetesCollector, type ClusterClient } from '../../shared/adapters/kubernetes/index.js';
import { ERROR } from '../../shared/workflow/contracts.js';
import type { HardPruneRunReport } from '../../shared/workflow/storage-tools/hard-prune.js';
import type { FakeOpenShift } from '../support/fake-openshift.js';
import { pullCheck, pushImage, type PushedImage } from '../support/push.js';
import { startCluster, startStorageEnv, streamOf, type StorageEnv } from '../storage-tools/env.js';

describe('HardPrune on storage that refuses to delete one blob', () => {
  let env: StorageEnv;
  let api: FakeOpenShift;
  let client: ClusterClient;
  let artifactsDir: string;
  let ports: StorageToolPorts;
  let keep: PushedImage;
  let refused: string;

  beforeAll(async () => {
    env = await startStorageEnv('s3');
    const url = env.registry.url;
    keep = await pushImage(url, { repository: 'ns/keep', tag: 'latest', layers: [{ seed: 'sf-keep' }] });
    // No Image and no stream: every blob of it is unused.
    const orphan = await pushImage(url, { repository: 'ns/orphan', tag: 'latest', layers: [{ seed: 'sf-orphan-1' }, { seed: 'sf-orphan-2' }] });
    api = await startCluster([keep.image], [streamOf('ns', 'keep', { latest: [keep.image] })]);
    await env.ageAll(new Date(Date.now() - 3 * 3_600_000));
    refused = orphan.layers[0].digest;
    const hex = refused.slice('sha256:'.length);
    env.s3!.failDeletes.add(`tools/root/docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`);
    client = await connectCluster({ kubeconfig: api.kubeconfigPath, allowPlainHttp: true, env: {} });
    artifactsDir = await mkdtemp(join(tmpdir(), 'storage-tools-sweep-fail-'));
    ports = { artifacts: new LocalFolderArtifacts(artifactsDir), cluster: new KubernetesCollector(client), storage: env.storage };
  });

  afterAll(async () => {
    await client?.close();
    await api?.stop();
    await env?.stop();
    if (artifactsDir) await rm(artifactsDir, { recursive: true, force: true });
  });

  it("lists the refused blob in report.json and ends the execution failed under the sweep's error name", async () => {
    const r = await runHardPruneLocally({ confirm: true, registryReadOnlyConfirmed: true }, ports);
    expect(r.status).toBe('failed');
    expect(r.error?.name).toBe(ERROR.sweepFailed);
    expect(r.error?.message).toContain('1 deletion(s) failed');
    const stored = await getJson<HardPruneRunReport>(ports.artifacts, r.output!.reportKey);
    expect(stored.status).toBe('failed');
    expect(stored.error?.name).toBe(ERROR.sweepFailed);
    expect(stored.report?.failures).toEqual([expect.stringContaining(`delete blob ${refused}`)]);
    expect(stored.report?.blobs.failed).toBe(1);
    // Safety: the refused blob is still stored (other batches may stop once the Map fails).
    const left = (await env.listAll()).filter((f) => f.includes('/blobs/')).join('\n');
    expect(left).toContain(refused.slice('sha256:'.length));
    expect((await pullCheck(env.registry.url, 'ns/keep', keep.manifestDigest)).ok).toBe(true);
  });
});
