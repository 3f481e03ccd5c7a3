// The Fsck state machine, synthesized from the construct and run locally,
// against the real docker-registry on filesystem storage with damage made on
// purpose: its findings are exactly those of `image-pruner fsck` (check only),
// with and without a namespace, and it changes nothing; with confirm, its
// recover task tags the lost manifests through the cluster writer.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFsckCommand } from '../../cli/commands/fsck.js';
import type { FsckReport } from '../../shared/workflow/storage-tools/reports.js';
import { runFsckLocally, type StorageToolPorts } from '../../cli/local-run/storage-tools.js';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/index.js';
import { connectCluster, KubernetesClusterWriter, KubernetesCollector, type ClusterClient, type ClusterCreator } from '../../shared/adapters/kubernetes/index.js';
import { toolKeys } from '../../shared/workflow/storage-tools/contracts.js';
import { openRegistryStorage } from '../../shared/adapters/storage/index.js';
import type { FakeOpenShift } from '../support/fake-openshift.js';
import type { PushedImage } from '../support/push.js';
import { clusterFlags, damagedCluster, runCommand, startStorageEnv, type StorageEnv } from '../storage-tools/env.js';

describe('the Fsck state machine, run locally on filesystem storage', () => {
  let env: StorageEnv;
  let api: FakeOpenShift;
  let client: ClusterClient;
  let artifactsDir: string;
  let ports: StorageToolPorts;
  let a2: PushedImage, b: PushedImage, untagged: PushedImage, orphan: PushedImage;
  let command: ReturnType<typeof makeFsckCommand>;

  beforeAll(async () => {
    env = await startStorageEnv('filesystem');
    ({ api, a2, untagged, b, orphan } = await damagedCluster(env, 'sm-'));
    command = makeFsckCommand({ artifactsDir: env.artifactsDir });

    client = await connectCluster({ kubeconfig: api.kubeconfigPath, allowPlainHttp: true, env: {} });
    artifactsDir = await mkdtemp(join(tmpdir(), 'storage-tools-fsck-sm-'));
    ports = { artifacts: new LocalFolderArtifacts(artifactsDir), cluster: new KubernetesCollector(client), storage: openRegistryStorage(env.storageUrl) };
  });

  afterAll(async () => {
    await client?.close();
    await api?.stop();
    await env?.stop();
    if (artifactsDir) await rm(artifactsDir, { recursive: true, force: true });
  });

  const commandReport = async (extra: string[] = []): Promise<FsckReport> => {
    const r = await runCommand(command, ['--registry-storage', env.storageUrl, ...clusterFlags(api), '--output', 'json', ...extra], 'fsck');
    expect(r.code, r.stderr).toBe(1);
    return JSON.parse(r.stdout) as FsckReport;
  };

  it('finds what the command finds: the broken revision, the broken image with its tags, the lost manifests', async () => {
    const before = await env.listAll();
    const r = await runFsckLocally({}, ports);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('succeeded');
    const expected = await commandReport();
    expect(r.output?.report).toEqual(expected);
    // Not vacuous: each kind of damage is there.
    expect(expected.missingImages.map((f) => f.image)).toEqual([a2.manifestDigest]);
    expect(expected.missingBlobs.map((f) => f.image)).toEqual([b.manifestDigest]);
    expect(expected.lostManifests.map((f) => f.digest)).toEqual([orphan.manifestDigest, untagged.manifestDigest]);
    expect(await env.listAll()).toEqual(before);
  });

  it('with a namespace, finds what the command finds with --namespace', async () => {
    const r = await runFsckLocally({ namespace: 'other' }, ports);
    expect(r.status).toBe('succeeded');
    const expected = await commandReport(['--namespace', 'other']);
    expect(r.output?.report).toEqual(expected);
    expect(expected.missingBlobs.map((f) => f.image)).toEqual([b.manifestDigest]);
    expect(expected.lostManifests).toEqual([]);
  });

  it.each([
    ['an input field only hard prune takes', { registryReadOnlyConfirmed: true }, /unknown field "registryReadOnlyConfirmed"/],
    ['a namespace that is no namespace name', { namespace: 'Not/A/Namespace' }, /execution input.namespace: "Not\/A\/Namespace" is not a namespace name/],
  ])('fails with %s, naming the field', async (_, input, message) => {
    const r = await runFsckLocally(input as never, ports);
    expect(r.status).toBe('failed');
    expect(r.error?.message).toMatch(message);
  });

  /** The real writer, counting each call, so a test can say none was made. */
  const countingWriter = (): ClusterCreator & { calls: string[] } => {
    const real = new KubernetesClusterWriter(client);
    const calls: string[] = [];
    return {
      calls,
      createImage: (i) => (calls.push(`image ${i.metadata.name}`), real.createImage(i)),
      createImageStream: (ns, n) => (calls.push(`stream ${ns}/${n}`), real.createImageStream(ns, n)),
      createImageStreamMapping: (ns, n, tag, i) => (calls.push(`tag ${ns}/${n}:${tag}`), real.createImageStreamMapping(ns, n, tag, i)),
    };
  };

  it('with confirm: false, changes nothing even with a cluster writer at hand: no write, no recovery file, storage as it was', async () => {
    const before = await env.listAll();
    const writer = countingWriter();
    const requests = api.requests.length;
    const r = await runFsckLocally({ confirm: false }, { ...ports, clusterWriter: writer });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('succeeded');
    expect(writer.calls).toEqual([]);
    expect(api.requests.slice(requests).filter((q) => q.method !== 'GET')).toEqual([]);
    expect(r.output?.report?.recover).toBe(false);
    expect(r.output?.report?.lostManifests.map((f) => f.recoveredAs)).toEqual([undefined, undefined]);
    await expect(ports.artifacts.get(toolKeys.recovery(r.output!.runId))).rejects.toThrow();
    expect(await env.listAll()).toEqual(before);
  });

  it('with confirm but no cluster writer, the recover task fails the run naming what is missing', async () => {
    const r = await runFsckLocally({ confirm: true }, ports);
    expect(r.status).toBe('failed');
    expect(r.error?.message).toMatch(/recovery needs a cluster to write to/);
    expect(api.objects('ImageStream', 'lost')).toEqual([]);
  });

  it('with confirm, the recover task tags each lost manifest as lost-found-<hex>; the next run finds none lost', async () => {
    const before = await env.listAll();
    const writer = countingWriter();
    const r = await runFsckLocally({ confirm: true }, { ...ports, clusterWriter: writer });
    expect(r.error).toBeUndefined();
    const hex = (d: string) => d.slice('sha256:'.length);
    expect(r.output?.report?.recover).toBe(true);
    expect(r.output?.report?.lostManifests.map((f) => f.recoveredAs)).toEqual([`lost/thing:lost-found-${hex(orphan.manifestDigest)}`, `ns/app:lost-found-${hex(untagged.manifestDigest)}`]);
    expect(writer.calls).toEqual(expect.arrayContaining(['stream lost/thing', `image ${orphan.manifestDigest}`, `tag ns/app:lost-found-${hex(untagged.manifestDigest)}`]));
    expect(await env.listAll()).toEqual(before);
    const again = await runFsckLocally({}, ports);
    expect(again.output?.report?.lostManifests).toEqual([]);
    // The Image the stream still named was recreated from storage too.
    expect(again.output?.report?.missingImages).toEqual([]);
    expect(writer.calls).toContain(`image ${a2.manifestDigest}`);
  });
});
