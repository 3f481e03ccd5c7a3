// The cluster flags every command that talks to the cluster takes (collect,
// plan, run), named as oc names them, and how they become a connection.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { ClusterClient, ClusterCollection, ClusterConnectionOptions, CollectEvent, CollectOptions } from '../shared/adapters/kubernetes/index.js';
import { PROBE_HELP } from '../shared/adapters/kubernetes/probe-policy.js';
import { formatFlags, UsageError, type FlagSpecs } from './flags.js';

/** The cluster flags (see cli/flags.ts), to spread into a command's own. */
export const CLUSTER_FLAGS = {
  kubeconfig: { type: 'string', metavar: 'PATH', help: 'kubeconfig file to use' },
  context: { type: 'string', metavar: 'NAME', help: 'kubeconfig context (default: its current context)' },
  server: { type: 'url', schemes: ['https', 'http'], help: 'API server URL, e.g. https://api.example.com:6443 (needs --token-file or --token)' },
  'token-file': { type: 'string', metavar: 'PATH', help: 'file holding the bearer token for --server' },
  token: {
    type: 'string',
    metavar: 'TOKEN',
    help: "bearer token for the API server, as oc's --token; overrides the kubeconfig's\n(never printed nor stored; --token-file keeps it out of ps and shell history)",
  },
  'in-cluster': { type: 'boolean', help: "use the pod's service account" },
  'cluster-certificate-authority': { type: 'string', metavar: 'PATH', help: "PEM file of CAs to trust for the API server" },
  'insecure-skip-tls-verify': { type: 'boolean', help: "do not verify the API server's certificate (unsafe)" },
  'force-insecure': {
    type: 'boolean',
    help: 'allow plain http where a token is sent: an http:// API server\n(run: also an http:// registry, and unverified TLS to the registry)',
  },
} as const satisfies FlagSpecs;

/** Flags that say how to talk to the cluster, not which cluster: alone they do not mean "read the live cluster". */
const MANNER_FLAGS: ReadonlySet<string> = new Set(['force-insecure']);

/** Their help text, to paste into a command's help. */
export const CLUSTER_FLAGS_HELP = `Cluster flags (default: $KUBECONFIG or ~/.kube/config, else the pod's service account):
${formatFlags(CLUSTER_FLAGS, { help: false })}
${PROBE_HELP} A token it rejects (401) fails the command
at once, naming where the token came from (kubeconfig context and user,
--token, --token-file, or the in-cluster service account).
`;

/** The parsed values of {@link CLUSTER_FLAGS}. */
export interface ClusterFlagValues {
  kubeconfig?: string;
  context?: string;
  server?: string;
  'token-file'?: string;
  token?: string;
  'cluster-certificate-authority'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'in-cluster'?: boolean;
  'force-insecure'?: boolean;
}


/** The one message for a dump and a live cluster asked for at once. */
export const SNAPSHOT_WITH_CLUSTER_FLAGS = 'flag --snapshot cannot be combined with cluster flags (--kubeconfig, --server, ...)';

/** True when any cluster flag was given (e.g. `plan` then reads the live cluster). */
export function clusterFlagsGiven(v: ClusterFlagValues): boolean {
  // `--in-cluster=false` says the same as leaving the flag out.
  return Object.keys(CLUSTER_FLAGS).some((k) => !MANNER_FLAGS.has(k) && v[k as keyof ClusterFlagValues] !== undefined && v[k as keyof ClusterFlagValues] !== false);
}

/** Just the cluster flags of a command's parsed values. */
export function pickClusterFlags(v: ClusterFlagValues): ClusterFlagValues {
  const picked: Record<string, unknown> = {};
  for (const k of Object.keys(CLUSTER_FLAGS) as (keyof ClusterFlagValues)[]) if (v[k] !== undefined) picked[k] = v[k];
  return picked as ClusterFlagValues;
}

/**
 * Turns the flags into connection options, reading the token file. Throws
 * {@link UsageError} naming the flag (never the token).
 */
export function connectionOptionsFromFlags(v: ClusterFlagValues, env: Record<string, string | undefined>): ClusterConnectionOptions {
  const common = {
    certificateAuthority: v['cluster-certificate-authority'],
    insecureSkipTlsVerify: v['insecure-skip-tls-verify'] ?? false,
    allowPlainHttp: v['force-insecure'] ?? false,
    env,
  };
  // The token is never part of a message: only the flag's name is.
  if (v.token !== undefined && v['token-file'] !== undefined) throw new UsageError('flag --token cannot be combined with --token-file (give the token one way)');
  if (v.token !== undefined && v.token.trim() === '') throw new UsageError('flag --token is empty');
  const flagToken = v.token === undefined ? {} : { token: v.token.trim(), tokenSource: '--token' };
  const explicit = v.server !== undefined || v['token-file'] !== undefined;
  if (explicit) {
    if (v.server === undefined || v.server === '') throw new UsageError('flag --token-file needs --server URL');
    if (v.kubeconfig !== undefined || v.context !== undefined || v['in-cluster']) throw new UsageError('flag --server cannot be combined with --kubeconfig, --context or --in-cluster');
    if (v.token !== undefined) return { ...common, server: v.server, ...flagToken };
    if (v['token-file'] === undefined || v['token-file'] === '') throw new UsageError('flag --server needs --token-file PATH (a file holding the bearer token) or --token');
    let token: string;
    try {
      token = readFileSync(v['token-file'], 'utf8').trim();
    } catch (err) {
      throw new UsageError(`flag --token-file: ${v['token-file']} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (!token) throw new UsageError(`flag --token-file: ${v['token-file']} is empty`);
    return { ...common, server: v.server, token, tokenSource: `--token-file ${v['token-file']}` };
  }
  // Without --server, --token stands in for the credentials of the kubeconfig's user (or the service account), as oc's does.
  if (v['in-cluster']) {
    if (v.kubeconfig !== undefined || v.context !== undefined) throw new UsageError('flag --in-cluster cannot be combined with --kubeconfig or --context');
    return { ...common, inCluster: true, ...flagToken };
  }
  if (v.kubeconfig === undefined && !env.KUBECONFIG && env.KUBERNETES_SERVICE_HOST) {
    // In a pod without a kubeconfig: the service account, as client-go does.
    const home = join(env.HOME ?? homedir(), '.kube', 'config');
    if (!existsSync(home)) return { ...common, inCluster: true, ...flagToken };
  }
  return { ...common, kubeconfig: v.kubeconfig, context: v.context, ...flagToken };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Writes collection progress as lines on `out` (stderr), prefixed with the command name. */
export function progressLines(out: Writable, prefix: string, pageEvery = 20): (e: CollectEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'page':
        if (e.page % pageEvery === 0) out.write(`${prefix}: ${e.kind}: ${e.items} so far (${e.page} pages)\n`);
        return;
      case 'retry':
        out.write(`${prefix}: ${e.kind} page ${e.page}: ${e.reason}; retrying in ${seconds(e.delayMs)}\n`);
        return;
      case 'restart':
        out.write(`${prefix}: ${e.kind}: the continue token expired; listing again from the start (restart ${e.restarts})\n`);
        return;
      case 'skipped':
        out.write(`${prefix}: ${e.kind} skipped: ${e.reason}\n`);
        return;
      case 'done':
        out.write(`${prefix}: ${e.kind}: ${e.items} (${e.pages} page${e.pages === 1 ? '' : 's'})\n`);
    }
  };
}

/**
 * Connects to the cluster the flags name. A token bound for an `http://` API
 * server without --force-insecure is a {@link UsageError} naming the flag
 * (exit status 2), as for an `http://` registry.
 */
export async function connectFromFlags(v: ClusterFlagValues, env: Record<string, string | undefined>): Promise<ClusterClient> {
  const { connectCluster, PlainHttpCredentialsError } = await import('../shared/adapters/kubernetes/index.js');
  try {
    return await connectCluster(connectionOptionsFromFlags(v, env));
  } catch (err) {
    if (!(err instanceof PlainHttpCredentialsError)) throw err;
    throw new UsageError(`flag --force-insecure is required to send credentials over plain http: ${err.message}`, { cause: err });
  }
}

/** Connects with the flags, collects the whole cluster, closes the connection. */
export async function collectFromFlags(
  v: ClusterFlagValues,
  io: { env: Record<string, string | undefined>; stderr: Writable },
  prefix: string,
  options: CollectOptions = {},
): Promise<ClusterCollection & { server: string }> {
  // Loaded only when a cluster is used: the Kubernetes client is slow to import.
  const { KubernetesCollector, checkCluster } = await import('../shared/adapters/kubernetes/index.js');
  const client = await connectFromFlags(v, io.env);
  try {
    // A server that is down or a rejected token is one line before any list starts.
    await checkCluster(client);
    io.stderr.write(`${prefix}: collecting from ${client.server}\n`);
    const collector = new KubernetesCollector(client, { onProgress: progressLines(io.stderr, prefix), ...options });
    return { ...(await collector.collectAll()), server: client.server };
  } finally {
    await client.close();
  }
}
