// Shared set-up of the cluster adapter tests: the fake OpenShift API server and
// a real client-node connection to it, with retries fast enough for tests.
import type { ClusterClient, CollectOptions } from '../../../shared/adapters/kubernetes/index.js';
import { KubernetesCollector, connectCluster } from '../../../shared/adapters/kubernetes/index.js';
import type { RetryPolicy } from '../../../shared/adapters/retry.js';
import type { KubeObject } from '../../../shared/core/kube-types.js';
import type { FakeOpenShift, FakeOpenShiftOptions } from '../../support/fake-openshift.js';
import { startFakeOpenShift } from '../../support/fake-openshift.js';

/** Four tries with millisecond backoffs; Retry-After is still honoured (up to 5 s). */
export const FAST_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 2, maxDelayMs: 10, maxRetryAfterMs: 5_000 };

export interface Cluster {
  api: FakeOpenShift;
  client: ClusterClient;
  collector(options?: CollectOptions): KubernetesCollector;
  close(): Promise<void>;
}

/** Starts the fake server and connects to it through its kubeconfig. */
export async function startCluster(options: FakeOpenShiftOptions = {}, connect: { requestTimeoutMs?: number } = {}): Promise<Cluster> {
  const api = await startFakeOpenShift(options);
  const client = await connectCluster({ kubeconfig: api.kubeconfigPath, allowPlainHttp: true, env: {}, requestTimeoutMs: connect.requestTimeoutMs });
  return {
    api,
    client,
    collector: (o = {}) => new KubernetesCollector(client, { retry: FAST_RETRY, ...o }),
    async close() {
      await client.close();
      await api.stop();
    },
  };
}

/** `namespace/name` of each object, sorted: what a test compares lists by. */
export function names(objects: readonly KubeObject[]): string[] {
  return objects.map((o) => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : String(o.metadata?.name))).sort();
}

/** The requests of one kind's list path (cluster-wide). */
export function listRequests(api: FakeOpenShift, path: string) {
  return api.requests.filter((r) => r.method === 'GET' && r.path === path);
}
