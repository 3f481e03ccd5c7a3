// Distributed Map results live in S3 (the artifacts store), never in the
// state: the local run writes them as Step Functions' ResultWriter does, and
// "Report" reads counts and failed items from those files. A generated cluster
// whose per-batch results would pass 256 KiB inline finishes, with the report's
// counts equal to the plan's; a failing item is named in report.json, read from
// the FAILED result file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_NOW, clusterText } from '../../bench/generate-cluster.js';
import { payloadBytes, PAYLOAD_LIMIT_BYTES } from '../../cli/local-run/limits.js';
import { synthesizeLocal, type LocalWorkflow } from '../../cli/local-run/engine.js';
import { FolderRunLock } from '../../cli/local-run/run-lock.js';
import { runLocally } from '../../cli/local-run/runner.js';
import { ImagePruner } from '../../infra/image-pruner.js';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import { connectCluster } from '../../shared/adapters/kubernetes/connection.js';
import { KubernetesCollector } from '../../shared/adapters/kubernetes/collector.js';
import { KubernetesClusterWriter } from '../../shared/adapters/kubernetes/writers.js';
import type { KubeObject } from '../../shared/core/kube-types.js';
import type { ItemStatus } from '../../shared/core/ports.js';
import type { DeletionKind, PlanResult, Report } from '../../shared/workflow/contracts.js';
import { DELETION_STEPS, resolveRunOptions } from '../../shared/workflow/contracts.js';
import { planOptionsOf } from '../../shared/workflow/contracts.js';
import { computePlan } from '../../shared/core/plan.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import { mapResultsPrefix } from '../../shared/workflow/map-results.js';
import type { Ports } from '../../shared/workflow/task.js';
import { startFakeOpenShift, type FakeOpenShift } from '../support/fake-openshift.js';
import { clusterWrites } from './fixture.js';

const INPUT = { confirm: true, keepTagRevisions: 2, keepYoungerThan: '60m', now: BENCH_NOW.toISOString() };

/** The prune workflow as the construct builds it with one item per batch: a batch per item. */
function oneItemBatches(): LocalWorkflow {
  return synthesizeLocal((stack) => {
    const pruner = new ImagePruner(stack, 'Pruner', {
      registryUrl: 'https://registry.local',
      clusterSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Cluster', 'local'),
      batchSize: 1,
    });
    return { prune: { machine: pruner.stateMachine, taskStates: pruner.taskStates } };
  }).prune;
}

/**
 * The registry side as counters: the generated cluster's images were never
 * pushed anywhere, and what is under test is where the results go. `failing`
 * names manifest digests whose delete keeps failing.
 */
function countingRegistry(failing: ReadonlySet<string> = new Set()) {
  const deleted: Record<'manifests' | 'layerLinks' | 'blobs', number> = { manifests: 0, layerLinks: 0, blobs: 0 };
  const done = (k: keyof typeof deleted): ItemStatus => {
    deleted[k] += 1;
    return 'done';
  };
  const registry: Ports['registry'] = {
    checkHealth: async () => undefined,
    deleteManifest: async (_repository, digest) => {
      if (failing.has(digest)) throw Object.assign(new Error(`delete manifest ${digest}: HTTP 500`), { name: 'RegistryRequestError' });
      return done('manifests');
    },
    deleteLayerLink: async () => done('layerLinks'),
  };
  const blobs: Ports['blobs'] = { deleteBlob: async () => done('blobs'), checkBlobDelete: async () => undefined };
  return { registry, blobs, deleted };
}

describe('Map results in the artifacts store', () => {
  let api: FakeOpenShift;
  let dir: string;
  let workflow: LocalWorkflow;
  const objects = (JSON.parse(clusterText({ images: 1500, seed: 7 })) as { items: KubeObject[] }).items;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'map-results-'));
    workflow = oneItemBatches();
  });
  afterAll(async () => {
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(name: string, failing?: ReadonlySet<string>) {
    await api?.stop();
    api = await startFakeOpenShift({ objects });
    const client = await connectCluster({ kubeconfig: api.kubeconfigPath, env: {}, allowPlainHttp: true });
    const reg = countingRegistry(failing);
    const artifacts = new LocalFolderArtifacts(join(dir, name));
    let plan: PlanResult | undefined;
    const result = await runLocally({
      input: INPUT,
      workflow,
      executionName: name,
      ports: {
        artifacts,
        cluster: new KubernetesCollector(client),
        lock: new FolderRunLock(join(dir, name), { leaseSeconds: 3600 }),
        registry: reg.registry,
        blobs: reg.blobs,
        // The registry the ports talk to, as --registry-url would name it ("Find the registry").
        settings: { registryUrl: 'http://registry.test' },
        clusterWriter: new KubernetesClusterWriter(client),
      },
      onProgress: () => undefined,
    });
    if (result.report) plan = { keys: {} as PlanResult['keys'], counts: result.report.plan! };
    return { result, plan, reg, artifacts };
  }

  it('finishes a run whose per-batch results would pass 256 KiB inline, with the counts of the plan', async () => {
    const { result, plan, reg } = await run('many');
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    const c = plan!.counts;
    // One batch per item: the results the Maps used to return inline, "Delete registry links" packing two of them.
    const batches = c.layerLinks + c.manifestLinks + c.blobs + c.streamUpdates + c.images;
    const inline = batches * payloadBytes({ kind: 'layerLinks', done: 1, gone: 0 });
    expect(inline).toBeGreaterThan(PAYLOAD_LIMIT_BYTES);
    const report = result.report!;
    expect(report.carriedOut).toEqual({
      layerLinks: { done: c.layerLinks, gone: 0 },
      manifests: { done: c.manifestLinks, gone: 0 },
      blobs: { done: c.blobs, gone: 0 },
      streamUpdates: { done: c.streamUpdates, gone: 0 },
      images: { done: c.images, gone: 0 },
    });
    // The counts are the ports' own, not the plan echoed.
    expect(reg.deleted).toEqual({ layerLinks: c.layerLinks, manifests: c.manifestLinks, blobs: c.blobs });
    expect(report.failures).toBeUndefined();
  }, 600_000);

  it('names a failed item in report.json, read from the FAILED result file, and updates no stream', async () => {
    // A manifest the plan deletes: its delete fails every time.
    const plan = computePlan(snapshotFromList({ kind: 'List', items: objects }), planOptionsOf(resolveRunOptions(INPUT, {}, INPUT.now)));
    const victim = plan.manifestLinks[Math.floor(plan.manifestLinks.length / 2)].digest;
    const { result, artifacts } = await run('failing', new Set([victim]));
    expect(result.status).toBe('failed');
    const runId = result.report!.runId;
    const onDisk = JSON.parse(await readFile(join(dir, 'failing', 'runs', runId, 'report.json'), 'utf8')) as Report;
    expect(onDisk).toMatchObject({ status: 'failed', error: { name: 'BatchItemsFailedError', message: expect.stringContaining(victim) } });
    expect(onDisk.failures).toEqual({ total: 1, items: [{ kind: 'manifests', item: expect.stringContaining(victim), reason: expect.stringMatching(/^RegistryRequestError: /) }] });
    expect(onDisk.carriedOut?.manifests).toMatchObject({ failed: 1 });
    // The failure is in the Map's FAILED file, whole: the batch's input and its error.
    const keys = await artifacts.list(`${mapResultsPrefix(runId, DELETION_STEPS.manifests.map)}/`);
    const failedFile = keys.find((k) => /\/FAILED_\d+\.json$/.test(k));
    expect(keys.some((k) => k.endsWith('/manifest.json'))).toBe(true);
    const records = JSON.parse((await artifacts.get(failedFile!)).toString('utf8')) as { Input: string; Error: string; Cause: string }[];
    expect(records).toHaveLength(1);
    expect(records[0].Error).toBe('BatchItemsFailedError');
    expect(JSON.parse(records[0].Input).Items).toEqual([expect.objectContaining({ digest: victim })]);
    // Nothing after the registry deletions ran: no stream was updated, no Image deleted.
    const later: DeletionKind[] = ['streamUpdates', 'images'];
    for (const k of later) expect(await artifacts.list(`${mapResultsPrefix(runId, DELETION_STEPS[k].map)}/`)).toEqual([]);
    expect(clusterWrites(api)).toEqual([]);
  }, 600_000);
});

