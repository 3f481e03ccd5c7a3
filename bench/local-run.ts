// Benchmark of a confirmed local run (the synthesized state machine on
// aws-local-stepfunctions) against the real docker-registry and the fake
// OpenShift API server: N images pushed into S streams, keepTagRevisions 3, so
// nearly every image is pruned. Prints the wall time of each top-level state
// and the rate of each deletion kind; compare the manifest rate with the bare
// registry loop of `npm run bench -- registry-delete` (docs/registry.md).
//
//   npm run bench -- local-run [--images 5000] [--streams 50] [--concurrency 16]
import type { FlagSpecs } from '../cli/flags.js';
import { parseBenchFlags } from './bench-flags.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFolderArtifacts } from '../shared/adapters/artifacts/local-folder.js';
import { connectCluster } from '../shared/adapters/kubernetes/connection.js';
import { KubernetesCollector } from '../shared/adapters/kubernetes/collector.js';
import { KubernetesClusterWriter } from '../shared/adapters/kubernetes/writers.js';
import { RegistryDeleter } from '../shared/adapters/registry/deleter.js';
import { openRegistryStorage } from '../shared/adapters/storage/storage-url.js';
import { StorageBatchBlobDeleter } from '../shared/workflow/storage-blobs.js';
import type { KubeObject } from '../shared/core/kube-types.js';
import type { DeletionKind } from '../shared/workflow/contracts.js';
import { DELETION_KINDS } from '../shared/workflow/contracts.js';
import { FolderRunLock } from '../cli/local-run/run-lock.js';
import { leaseSecondsFor, RUN_TIMEOUT_SECONDS } from '../shared/workflow/run-lock.js';
import { runLocally } from '../cli/local-run/runner.js';
import { startFakeOpenShift } from '../test/support/fake-openshift.js';
import { pushImage, type PushedImage } from '../test/support/push.js';
import { startRegistry } from '../test/support/registry.js';

async function pool<T>(n: number, concurrency: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await f(i);
      }
    }),
  );
  return out;
}

/** The flags of `npm run bench -- local-run`. */
export const LOCAL_RUN_BENCH_FLAGS = {
  images: { type: 'int', min: 1, default: 5000, help: 'images to push and prune' },
  streams: { type: 'int', min: 1, default: 50, help: 'image streams they are spread over' },
  concurrency: { type: 'int', min: 1, default: 16, help: 'pushes at once' },
} as const satisfies FlagSpecs;

/** Runs the benchmark; returns the exit status. */
export async function runLocalRunBench(argv: string[]): Promise<number> {
  const values = parseBenchFlags('local-run', argv, LOCAL_RUN_BENCH_FLAGS);
  if (!values) return 0;
  const total = values.images;
  const streams = values.streams;
  const perStream = Math.ceil(total / streams);
  const registry = await startRegistry();
  const dir = await mkdtemp(join(tmpdir(), 'pruner-bench-'));
  try {
    const t0 = performance.now();
    const pushed: PushedImage[] = await pool(total, values.concurrency, (i) =>
      pushImage(registry.url, {
        repository: `bench/app${i % streams}`,
        seed: `image-${i}`,
        layers: [{ seed: `layer-${i}`, size: 512 }],
        created: new Date(Date.UTC(2025, 0, 1) + Math.floor(i / streams) * 60_000).toISOString(),
      }),
    );
    const pushMs = performance.now() - t0;
    const objects: KubeObject[] = pushed.map((p) => p.image as unknown as KubeObject);
    for (let s = 0; s < streams; s++) {
      const mine = pushed.filter((_, i) => i % streams === s).reverse();
      objects.push({
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { namespace: 'bench', name: `app${s}`, creationTimestamp: '2025-01-01T00:00:00Z' },
        status: { tags: [{ tag: 'latest', items: mine.map((p) => ({ created: p.image.metadata.creationTimestamp!, image: p.manifestDigest, dockerImageReference: p.image.dockerImageReference })) }] },
      });
    }
    const api = await startFakeOpenShift({ objects });
    const client = await connectCluster({ kubeconfig: api.kubeconfigPath, env: {} });
    const deleter = RegistryDeleter.fromOptions({ url: registry.url });
    const reached: Partial<Record<DeletionKind, number>> = {};
    let plannedAt = 0;
    const totals: Partial<Record<DeletionKind, number>> = {};
    try {
      const result = await runLocally({
        input: { confirm: true, keepTagRevisions: 3, now: '2026-01-01T00:00:00Z' },
        ports: {
          artifacts: new LocalFolderArtifacts(join(dir, 'artifacts')),
          cluster: new KubernetesCollector(client),
          lock: new FolderRunLock(join(dir, 'artifacts'), { leaseSeconds: leaseSecondsFor(RUN_TIMEOUT_SECONDS.prune) }),
          registry: deleter,
          blobs: new StorageBatchBlobDeleter(openRegistryStorage(`file://${registry.rootDirectory}`)),
          clusterWriter: new KubernetesClusterWriter(client),
          // The registry is given: "Find the registry" must not look for a route.
          settings: { registryUrl: registry.url },
        },
        onProgress: (p) => {
          if (p.type === 'planned') {
            plannedAt = performance.now();
            Object.assign(totals, p.totals);
          }
          if (p.type === 'items' && p.done === p.total) reached[p.kind] = performance.now();
        },
      });
      process.stdout.write(`local-run: ${total} images in ${streams} streams (${perStream} revisions each), pushed in ${(pushMs / 1000).toFixed(1)}s; run ${result.status}\n`);
      process.stdout.write(`${'state'.padEnd(34)} ${'ms'.padStart(8)}\n`);
      for (const t of result.timings) process.stdout.write(`${t.state.padEnd(34)} ${String(t.ms).padStart(8)}\n`);
      process.stdout.write(`${'kind'.padEnd(14)} ${'items'.padStart(7)} ${'ms from plan'.padStart(13)} ${'items/s'.padStart(8)}\n`);
      for (const k of DELETION_KINDS) {
        const end = reached[k];
        const n = totals[k] ?? 0;
        const ms = end ? end - plannedAt : NaN;
        process.stdout.write(`${k.padEnd(14)} ${String(n).padStart(7)} ${ms.toFixed(0).padStart(13)} ${(n / (ms / 1000)).toFixed(0).padStart(8)}\n`);
      }
      if (result.status !== 'succeeded') {
        process.stderr.write(`local-run: ${result.error?.name}: ${result.error?.message}\n`);
        return 1;
      }
      return 0;
    } finally {
      await deleter.close();
      await client.close();
      await api.stop();
    }
  } finally {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const isEntryPoint = process.argv[1] !== undefined && /bench[\\/]local-run\.ts$/.test(process.argv[1]);
if (isEntryPoint) process.exitCode = await runLocalRunBench(process.argv.slice(2));
