// One task process of the aws-scale benchmark: what a warm Lambda container
// of one task row is. It builds its own ports once (artifacts in a local
// folder, the fake API server, the registry stand-in, blobs in a file://
// storage folder), then runs the invocations the parent sends over IPC, one
// at a time, and answers each with its result and what it cost: the CPU time
// of this process during the invocation (process.cpuUsage delta) and the
// process's peak RSS so far (process.resourceUsage().maxRSS).
//
//   bundled and started by bench/aws-scale-pool.ts (plain JavaScript, no TypeScript
//   loader in the process: as on Lambda, the memory is the task's and the runtime's)
import { LocalFolderArtifacts } from '../shared/adapters/artifacts/local-folder.js';
import { connectCluster, type ClusterClient } from '../shared/adapters/kubernetes/connection.js';
import { KubernetesCollector } from '../shared/adapters/kubernetes/collector.js';
import { KubernetesClusterWriter } from '../shared/adapters/kubernetes/writers.js';
import { RegistryDeleter } from '../shared/adapters/registry/deleter.js';
import { openRegistryStorage } from '../shared/adapters/storage/storage-url.js';
import { StorageBatchBlobDeleter } from '../shared/workflow/storage-blobs.js';
import { FolderRunLock } from '../cli/local-run/run-lock.js';
import { leaseSecondsFor, RUN_TIMEOUT_SECONDS } from '../shared/workflow/run-lock.js';
import { DEFAULT_ITEM_POLICY } from '../shared/workflow/run-items.js';
import { taskById } from '../shared/workflow/tables/index.js';
import type { Ports } from '../shared/workflow/task.js';

/** Where a task process finds the run's servers and folders. */
export interface WorkerConfig {
  artifactsDir: string;
  kubeconfigPath: string;
  registryUrl: string;
  /** file:// URL of the registry's storage (blobs are deleted there). */
  storageUrl: string;
}

/** Parent -> worker. */
export type WorkerRequest = { type: 'invoke'; id: number; event: unknown };

/** Worker -> parent: one invocation's outcome and cost. */
export interface WorkerReply {
  type: 'done';
  id: number;
  result?: unknown;
  error?: { name: string; message: string };
  cpuMs: number;
  maxRssBytes: number;
}

/** The ports of this process, each made when first read (as the Lambda handler makes them). */
function lazyPorts(config: WorkerConfig, connected: { client?: ClusterClient }): Partial<Ports> {
  const made = new Map<string, unknown>();
  const once = <T>(name: string, make: () => T): T => {
    if (!made.has(name)) made.set(name, make());
    return made.get(name) as T;
  };
  const cluster = () => {
    if (!connected.client) throw new Error('aws-scale worker: cluster client not connected');
    return connected.client;
  };
  return {
    get artifacts() {
      return once('artifacts', () => new LocalFolderArtifacts(config.artifactsDir));
    },
    get cluster() {
      return once('cluster', () => new KubernetesCollector(cluster()));
    },
    get clusterWriter() {
      return once('clusterWriter', () => new KubernetesClusterWriter(cluster()));
    },
    get registry() {
      return once('registry', () => RegistryDeleter.fromOptions({ url: config.registryUrl }));
    },
    get blobs() {
      return once('blobs', () => new StorageBatchBlobDeleter(openRegistryStorage(config.storageUrl)));
    },
    get lock() {
      return once('lock', () => new FolderRunLock(config.artifactsDir, { leaseSeconds: leaseSecondsFor(RUN_TIMEOUT_SECONDS.prune) }));
    },
    get metrics() {
      return { add: () => undefined };
    },
    get settings() {
      return { defaults: {}, itemPolicy: DEFAULT_ITEM_POLICY, registryUrl: config.registryUrl };
    },
  };
}

async function main(): Promise<void> {
  const [rowId, configJson] = process.argv.slice(2);
  const row = taskById(rowId);
  const config = JSON.parse(configJson) as WorkerConfig;
  const connected: { client?: ClusterClient } = {};
  const needsCluster = row.ports.some((p) => p === 'cluster' || p === 'clusterWriter');
  if (needsCluster) connected.client = await connectCluster({ kubeconfig: config.kubeconfigPath, env: {}, allowPlainHttp: true });
  const ports = lazyPorts(config, connected) as Ports;
  process.on('message', (m: WorkerRequest) => {
    void (async () => {
      const c0 = process.cpuUsage();
      let reply: WorkerReply;
      try {
        const result = await row.run(row.parse(m.event), ports);
        const c = process.cpuUsage(c0);
        reply = { type: 'done', id: m.id, result, cpuMs: (c.user + c.system) / 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
      } catch (err) {
        const c = process.cpuUsage(c0);
        const e = err instanceof Error ? err : new Error(String(err));
        reply = { type: 'done', id: m.id, error: { name: e.name, message: e.message.split('\n')[0] }, cpuMs: (c.user + c.system) / 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
      }
      process.send!(reply);
    })();
  });
  // What the process holds before its first invocation: the runtime and the loaded code.
  process.send!({ type: 'ready', rssBytes: process.memoryUsage().rss });
}

await main();
