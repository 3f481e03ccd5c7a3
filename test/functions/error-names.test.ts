// Every error name the state machine's Retry and Catch rules match is really
// thrown, by the code the contract names, with that exact name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryDeleter } from '../../shared/adapters/registry/deleter.js';
import { SnapshotClusterReader } from '../../cli/local-run/snapshot-reader.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import { RESOURCE_GROUPS } from '../../shared/core/kinds.js';
import type { CollectResult } from '../../shared/workflow/contracts.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { localPruneWorkflow } from '../../cli/local-run/runner.js';
import { connectCluster, type ClusterClient } from '../../shared/adapters/kubernetes/connection.js';
import { KubernetesCollector } from '../../shared/adapters/kubernetes/collector.js';
import { KubernetesClusterWriter } from '../../shared/adapters/kubernetes/writers.js';
import { PRUNE_TASKS as T } from '../../shared/workflow/tables/prune.js';
import { NOT_RETRIED } from '../../shared/workflow/contracts.js';
import { startFakeOpenShift, type FakeOpenShift } from '../support/fake-openshift.js';
import { HARD_PRUNE_TASKS } from '../../shared/workflow/tables/storage-tools.js';
import { storageToolDefinitions } from '../../cli/local-run/storage-tools.js';
import { putJson } from '../../shared/adapters/artifacts/artifact-store.js';
import { openRegistryStorage } from '../../shared/adapters/storage/index.js';
import { markForHardPrune, marksToJSON } from '../../shared/core/hard-prune.js';
import { startStorageTool } from '../../shared/workflow/storage-tools/common.js';
import { toolKeys } from '../../shared/workflow/storage-tools/contracts.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { fakeContext, handlersOf, harness, runContext, type Harness } from './harness.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbRunLock } from '../../functions/dynamodb-run-lock.js';

/** Every ErrorEquals name in the definition, at any depth, except the States.* and Lambda.* ones AWS throws. */
function matchedNames(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) v.forEach((x) => matchedNames(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'ErrorEquals') for (const n of x as string[]) if (!/^(States|Lambda)\./.test(n)) out.add(n);
      matchedNames(x, out);
    }
  }
  return out;
}

describe('error names of the state machine', () => {
  let h: Harness;
  const lambda = handlersOf(T, () => h);
  let api: FakeOpenShift;
  let client: ClusterClient;
  // A plain distribution registry with deleting disabled, behind a fault proxy.
  let registry: RunningRegistry;
  let proxy: FaultProxy;
  let deleter: RegistryDeleter;
  // Registry storage on the loopback S3 server, for the HardPrune sweep.
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3Server({ buckets: ['registry'] });
    h = await harness();
    api = await startFakeOpenShift({ objects: [] });
    client = await connectCluster({ kubeconfig: api.kubeconfigPath, allowPlainHttp: true, env: {} });
    registry = await startRegistry({ deleteEnabled: false });
    proxy = await startFaultProxy(registry.url);
    deleter = RegistryDeleter.fromOptions({ url: proxy.url, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } });
  });
  afterAll(async () => {
    await s3?.stop();
    await deleter?.close();
    await proxy?.stop();
    await registry?.stop();
    await client?.close();
    await api?.stop();
    await h?.stop();
  });

  // How to make each named error happen, through the handler that throws it.
  const throwers: Record<string, () => Promise<unknown>> = {
    RunLockError: async () => {
      // The lock's table cannot be reached (nothing listens on port 1).
      const client = new DynamoDBClient({ endpoint: 'http://127.0.0.1:1', region: 'eu-west-1', maxAttempts: 1, credentials: { accessKeyId: 'a', secretAccessKey: 's' } });
      h.bind({ lock: new DynamoDbRunLock(client, { tableName: 'locks', leaseSeconds: 60 }) });
      try {
        return await lambda.refuseSecondRun({ input: {}, executionId: 'e', executionName: 'e', startTime: '2026-11-24T07:00:00Z' }, fakeContext());
      } finally {
        client.destroy();
        h.bind({ lock: h.lock });
      }
    },
    CollectError: async () => {
      // The API refuses to list Images: the list cannot be completed.
      api.faults.status(403, { path: '/images' });
      h.bind({ cluster: new KubernetesCollector(client) });
      try {
        return await lambda.collect({ run: runContext(), group: 'images' }, fakeContext());
      } finally {
        api.faults.clear();
      }
    },
    ArtifactsError: () => lambda.computePlan({ run: runContext(), collected: [{ group: 'images', key: 'runs/none/snapshot/images/', chunks: 1, count: 0 }] }, fakeContext()),
    BatchItemsFailedError: async () => {
      // Every Image delete answers 500, retries included.
      api.faults.status(500, { path: '/images/', method: 'DELETE' });
      h.bind({ clusterWriter: new KubernetesClusterWriter(client, { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } }) });
      try {
        return await lambda.deleteImages({ Items: [{ name: 'sha256:' + 'a'.repeat(64) }], BatchInput: { runId: 'r', kind: 'images' } }, fakeContext());
      } finally {
        api.faults.clear();
      }
    },
    // The registry's answers that stop a batch, each through the batch handler that meets it.
    RegistryDeleteDisabledError: () => {
      h.bind({ registry: deleter });
      return lambda.deleteManifests({ Items: [{ repository: 'team/app', digest: 'sha256:' + 'b'.repeat(64) }], BatchInput: { runId: 'r', kind: 'manifests' } }, fakeContext());
    },
    RegistryEndpointNotFoundError: () => {
      // A plain distribution registry has no /admin/blobs endpoint.
      h.bind({ blobs: deleter });
      return lambda.deleteBlobs({ Items: [{ digest: 'sha256:' + 'c'.repeat(64) }], BatchInput: { runId: 'r', kind: 'blobs' } }, fakeContext());
    },
    RegistryAuthError: () => {
      proxy.inject([{ kind: 'status', status: 401, body: '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}' }], (method) => method === 'DELETE');
      h.bind({ registry: deleter });
      return lambda.deleteManifests({ Items: [{ repository: 'team/app', digest: 'sha256:' + 'd'.repeat(64) }], BatchInput: { runId: 'r', kind: 'manifests' } }, fakeContext());
    },
    InvalidInputError: () => {
      h.bind();
      return lambda.deleteManifests({ Items: [{ repository: 'team/app' }], BatchInput: { runId: 'r', kind: 'manifests' } }, fakeContext());
    },
    InvalidReferencesError: async () => {
      // A pod running an image whose reference cannot be parsed, ignoreInvalidRefs not set.
      const pod = { kind: 'Pod', apiVersion: 'v1', metadata: { namespace: 'ns', name: 'p', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { containers: [{ name: 'c', image: 'Bad Ref' }] }, status: { phase: 'Running' } };
      h.bind({ cluster: new SnapshotClusterReader(snapshotFromList({ kind: 'List', items: [pod] })) });
      const run = runContext({ ignoreInvalidRefs: false });
      const collected: CollectResult[] = [];
      for (const group of RESOURCE_GROUPS) collected.push((await lambda.collect({ run, group }, fakeContext())) as CollectResult);
      return lambda.computePlan({ run, collected }, fakeContext());
    },
    SweepItemsFailedError: async () => {
      // Nothing is marked, the one stored blob is old, and S3 refuses to delete it.
      const hex = 'e'.repeat(64);
      const key = `root/docker/registry/v2/blobs/sha256/ee/${hex}/data`;
      await s3.seed('registry', key, 'blob');
      s3.failDeletes.add(key);
      const storageUrl = `s3://registry/root?endpoint=${encodeURIComponent(s3.endpoint)}&force-path-style=true&region=${s3.region}`;
      h.bind({ storage: openRegistryStorage(storageUrl, { s3Config: { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } }) });
      const input = { confirm: true, registryReadOnlyConfirmed: true, keepYoungerThan: '1m', now: new Date(Date.now() + 3_600_000).toISOString() };
      const start = startStorageTool({ input, executionId: 'hp', executionName: 'hp', startTime: new Date().toISOString() }, 'hard-prune');
      await putJson(h.artifacts, toolKeys.marks(start.run.runId), marksToJSON(markForHardPrune([], [])));
      return handlersOf(HARD_PRUNE_TASKS, () => h).sweepBlobs({ Items: [{ prefix: 'ee' }], BatchInput: { run: start.run, tool: start.tool } }, fakeContext());
    },
    RegistryUnhealthyError: async () => {
      h.bind({ registry: Object.assign(Object.create(deleter) as RegistryDeleter, { checkHealth: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) }) });
      return lambda.checkHealth({ run: runContext() }, fakeContext());
    },
  };

  /** The prune workflow's definition and the HardPrune and Fsck definitions. */
  function definitions(): unknown[] {
    return [localPruneWorkflow().definition, ...Object.values(storageToolDefinitions())];
  }

  it('every name matched by Retry or Catch has a thrower here', () => {
    const names = [...matchedNames(definitions())].sort();
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(Object.keys(throwers), n).toContain(n);
  });

  it('every name that is never retried has a thrower here', () => {
    for (const n of NOT_RETRIED) expect(Object.keys(throwers), n).toContain(n);
  });

  it.each(Object.keys(throwers))('%s is thrown by the code that names it', async (name) => {
    await expect(throwers[name]()).rejects.toMatchObject({ name });
  });

  /** Every name some Retry rule of the definition matches. */
  function retriedNames(): Set<string> {
    const retried = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'Retry') for (const r of x as { ErrorEquals: string[] }[]) r.ErrorEquals.forEach((n) => retried.add(n));
          walk(x);
        }
      }
    };
    walk(definitions());
    return retried;
  }

  it('names that are answers, not accidents, are never retried', () => {
    const retried = retriedNames();
    for (const n of NOT_RETRIED) expect(retried.has(n), n).toBe(false);
  });

  it('every name a task throws is either retried by a rule or listed as never retried', () => {
    const retried = retriedNames();
    for (const n of Object.keys(throwers)) expect(retried.has(n) || NOT_RETRIED.includes(n), n).toBe(true);
  });
});
