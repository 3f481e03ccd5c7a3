// Every error name the state machine's Retry and Catch rules match is really
// thrown, by the code the contract names, with that exact name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as refuseHandler } from '../../functions/refuse-second-run/handler.js';
import { handler as collectHandler } from '../../functions/collect/handler.js';
import { handler as planHandler } from '../../functions/compute-plan/handler.js';
import { handler as healthHandler } from '../../functions/check-health/handler.js';
import { handler as imagesHandler } from '../../functions/delete-images/handler.js';
import { handler as manifestsHandler } from '../../functions/delete-manifests/handler.js';
import { handler as blobsHandler } from '../../functions/delete-blobs/handler.js';
import { RegistryDeleter } from '../../shared/adapters/registry/deleter.js';
import { SnapshotClusterReader } from '../../cli/local-run/snapshot-reader.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import { RESOURCE_GROUPS } from '../../shared/core/kinds.js';
import type { CollectResult } from '../../shared/workflow/contracts.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { localDefinition } from '../../cli/local-run/definition.js';
import { connectCluster, type ClusterClient } from '../../shared/adapters/kubernetes/connection.js';
import { KubernetesCollector } from '../../shared/adapters/kubernetes/collector.js';
import { KubernetesClusterWriter } from '../../shared/adapters/kubernetes/writers.js';
import { useDependencies } from '../../functions/common/dependencies.js';
import { NOT_RETRIED } from '../../shared/workflow/contracts.js';
import { startFakeOpenShift, type FakeOpenShift } from '../support/fake-openshift.js';
import { fakeContext, harness, runContext, type Harness } from './harness.js';

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
  let api: FakeOpenShift;
  let client: ClusterClient;
  // A plain distribution registry with deleting disabled, behind a fault proxy.
  let registry: RunningRegistry;
  let proxy: FaultProxy;
  let deleter: RegistryDeleter;
  beforeAll(async () => {
    h = await harness();
    api = await startFakeOpenShift({ objects: [] });
    client = await connectCluster({ kubeconfig: api.kubeconfigPath, env: {} });
    registry = await startRegistry({ deleteEnabled: false });
    proxy = await startFaultProxy(registry.url);
    deleter = RegistryDeleter.fromOptions({ url: proxy.url, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } });
  });
  afterAll(async () => {
    await deleter?.close();
    await proxy?.stop();
    await registry?.stop();
    await client?.close();
    await api?.stop();
    await h?.stop();
  });

  // How to make each named error happen, through the handler that throws it.
  const throwers: Record<string, () => Promise<unknown>> = {
    ConcurrentRunError: async () => {
      const ev = (id: string) => ({ input: {}, executionId: id, executionName: id, startTime: '2026-11-24T07:00:00Z' });
      await refuseHandler(ev('holder'), fakeContext());
      try {
        return await refuseHandler(ev('second'), fakeContext());
      } finally {
        await h.lock.release();
      }
    },
    CollectError: async () => {
      // The API refuses to list Images: the list cannot be completed.
      api.faults.status(403, { path: '/images' });
      h.bind({ cluster: new KubernetesCollector(client) });
      try {
        return await collectHandler({ run: runContext(), group: 'images' }, fakeContext());
      } finally {
        api.faults.clear();
      }
    },
    ArtifactsError: () => planHandler({ run: runContext(), collected: [{ group: 'images', key: 'runs/none/snapshot/images.json.gz', count: 0 }] }, fakeContext()),
    BatchItemsFailedError: async () => {
      // Every Image delete answers 500, retries included.
      api.faults.status(500, { path: '/images/', method: 'DELETE' });
      h.bind({ writer: new KubernetesClusterWriter(client, { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } }) });
      try {
        return await imagesHandler({ Items: [{ name: 'sha256:' + 'a'.repeat(64) }], BatchInput: { runId: 'r', kind: 'images' } }, fakeContext());
      } finally {
        api.faults.clear();
      }
    },
    // The registry's answers that stop a batch, each through the batch handler that meets it.
    RegistryDeleteDisabledError: () => {
      useDependencies({ ...depsWith(h), registryDeleter: async () => deleter });
      return manifestsHandler({ Items: [{ repository: 'team/app', digest: 'sha256:' + 'b'.repeat(64) }], BatchInput: { runId: 'r', kind: 'manifests' } }, fakeContext());
    },
    RegistryEndpointNotFoundError: () => {
      // A plain distribution registry has no /admin/blobs endpoint.
      useDependencies({ ...depsWith(h), blobDeleter: async () => deleter });
      return blobsHandler({ Items: [{ digest: 'sha256:' + 'c'.repeat(64) }], BatchInput: { runId: 'r', kind: 'blobs' } }, fakeContext());
    },
    RegistryAuthError: () => {
      proxy.inject([{ kind: 'status', status: 401, body: '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}' }], (method) => method === 'DELETE');
      useDependencies({ ...depsWith(h), registryDeleter: async () => deleter });
      return manifestsHandler({ Items: [{ repository: 'team/app', digest: 'sha256:' + 'd'.repeat(64) }], BatchInput: { runId: 'r', kind: 'manifests' } }, fakeContext());
    },
    InvalidInputError: () => {
      h.bind();
      return manifestsHandler({ Items: [{ repository: 'team/app' }], BatchInput: { runId: 'r', kind: 'manifests' } }, fakeContext());
    },
    InvalidReferencesError: async () => {
      // A pod running an image whose reference cannot be parsed, ignoreInvalidRefs not set.
      const pod = { kind: 'Pod', apiVersion: 'v1', metadata: { namespace: 'ns', name: 'p', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { containers: [{ name: 'c', image: 'Bad Ref' }] }, status: { phase: 'Running' } };
      h.bind({ cluster: new SnapshotClusterReader(snapshotFromList({ kind: 'List', items: [pod] })) });
      const run = runContext({ ignoreInvalidRefs: false });
      const collected: CollectResult[] = [];
      for (const group of RESOURCE_GROUPS) collected.push((await collectHandler({ run, group }, fakeContext())) as CollectResult);
      return planHandler({ run, collected }, fakeContext());
    },
    RegistryUnhealthyError: async () => {
      useDependencies({ ...depsWith(h), registryHealth: async () => ({ checkHealth: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) }) });
      return healthHandler({ run: runContext() }, fakeContext());
    },
  };

  /** Dependencies that only a test's own override can satisfy. */
  function depsWith(harnessed: Harness) {
    const unused = () => Promise.reject(new Error('not used by this test'));
    return {
      artifacts: () => harnessed.artifacts,
      runningExecutions: () => harnessed.lock,
      defaults: () => ({}),
      clusterReader: unused,
      clusterWriter: unused,
      registryHealth: unused,
      registryDeleter: unused,
      blobDeleter: unused,
      metrics: () => ({ add: () => undefined }),
      itemPolicy: () => ({ concurrency: 1 }),
    };
  }

  it('every name matched by Retry or Catch has a thrower here', () => {
    const names = [...matchedNames(localDefinition())].sort();
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
    walk(localDefinition());
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
