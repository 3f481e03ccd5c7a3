// A small cluster pushed into the real registry and served by the fake API
// server, for the local end-to-end runs: one stream with five revisions of
// which two are pruned (keepTagRevisions 2, the oldest is kept by a pod), and
// the expected plan computed by the rules.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { main } from '../../cli/main.js';
import type { CliIO } from '../../cli/io.js';
import type { KubeObject } from '../../shared/core/kube-types.js';
import { computePlan } from '../../shared/core/plan.js';
import type { Plan } from '../../shared/core/plan-types.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import { startFakeOpenShift, type FakeOpenShift } from '../support/fake-openshift.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { pushImage, type PushedImage } from '../support/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

export const NOW = '2026-11-01T00:00:00Z';
export const REPO = 'team/app';

export interface Cluster {
  registry: RunningRegistry;
  /** The fault proxy in front of the registry; the runs talk to this. */
  proxy: FaultProxy;
  api: FakeOpenShift;
  /** Newest first, as the stream's history lists them. */
  pushed: PushedImage[];
  plan: Plan;
  artifacts: string;
  stop(): Promise<void>;
}

/** Pushes the images, starts the servers, computes the expected plan. */
export async function startCluster(): Promise<Cluster> {
  const registry = await startRegistry();
  const proxy = await startFaultProxy(registry.url);
  const pushed: PushedImage[] = [];
  // Oldest first; every image shares a base layer, so blobs shared with kept images must stay.
  for (let i = 1; i <= 5; i++) {
    pushed.unshift(
      await pushImage(registry.url, {
        repository: REPO,
        tag: `v${i}`,
        layers: [{ seed: 'base', size: 2048 }, { seed: `app-${i}`, size: 1024 + i }],
        created: `2025-0${i}-01T00:00:00Z`,
      }),
    );
  }
  const [ns, name] = REPO.split('/');
  const stream: KubeObject = {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: { namespace: ns, name, creationTimestamp: '2025-01-01T00:00:00Z' },
    status: {
      dockerImageRepository: `registry.local/${REPO}`,
      tags: [{ tag: 'latest', items: pushed.map((p, i) => ({ created: `2025-0${5 - i}-01T00:00:00Z`, dockerImageReference: p.image.dockerImageReference, image: p.manifestDigest })) }],
    },
  };
  const oldest = pushed[pushed.length - 1];
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: ns, name: 'runs-oldest', creationTimestamp: '2025-06-01T00:00:00Z' },
    spec: { containers: [{ name: 'app', image: `registry.local/${REPO}@${oldest.manifestDigest}` }] },
    status: { phase: 'Running' },
  };
  const objects = [...pushed.map((p) => p.image as unknown as KubeObject), stream, pod];
  const api = await startFakeOpenShift({ objects });
  const plan = computePlan(snapshotFromList({ kind: 'List', items: objects }), {
    keepTagRevisions: 2,
    keepYoungerThanMs: 3_600_000,
    now: new Date(NOW),
    all: false,
    ignoreInvalidRefs: false,
  });
  const artifacts = await mkdtemp(join(tmpdir(), 'pruner-artifacts-'));
  return {
    registry,
    proxy,
    api,
    pushed,
    plan,
    artifacts,
    async stop() {
      await api.stop();
      await proxy.stop();
      await registry.stop();
      await rm(artifacts, { recursive: true, force: true });
    },
  };
}

/** The flags of a run against the cluster (add --confirm to delete). */
export function runFlags(c: Cluster, extra: string[] = []): string[] {
  return [
    'run',
    '--kubeconfig',
    c.api.kubeconfigPath,
    '--registry-url',
    c.proxy.url,
    // Registry and fake API server are plain http on loopback.
    '--force-insecure',
    '--registry-storage',
    `file://${c.registry.rootDirectory}`,
    '--artifacts',
    c.artifacts,
    '--keep-tag-revisions',
    '2',
    '--now',
    NOW,
    ...extra,
  ];
}

/** Runs the CLI in-process; resolves with exit code and output. */
export async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(String(chunk));
        cb();
      },
    });
  const io: CliIO = { stdin: new PassThrough(), stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), env: { HOME: tmpdir() } };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** The requests that changed the cluster: method and path. */
export function clusterWrites(api: FakeOpenShift): string[] {
  return api.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
}

/** The writes the plan calls for: one status update per stream, one delete per Image. */
export function plannedWrites(plan: Plan): string[] {
  return [
    ...plan.streamUpdates.map((u) => `PUT /apis/image.openshift.io/v1/namespaces/${u.namespace}/imagestreams/${u.name}/status`),
    ...plan.images.map((d) => `DELETE /apis/image.openshift.io/v1/images/${d}`),
  ].sort();
}
