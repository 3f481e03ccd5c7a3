// The connection to the cluster: where its API server is, how to authenticate,
// which CA to trust, and ONE shared keep-alive connection pool for every
// request. client-node would otherwise build a new undici Agent (and a new TLS
// connection) per request; a promise middleware puts ours on each request.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Cluster, RequestContext, ResponseContext, User } from '@kubernetes/client-node';
import { CoreV1Api, CustomObjectsApi, KubeConfig, ServerConfiguration, createConfiguration } from '@kubernetes/client-node';
import { Agent } from 'undici';
import { ClusterConfigError, PlainHttpCredentialsError } from '../errors.js';
import { hasUserInfo, redactUserInfo } from '../url-credentials.js';

/**
 * Where the cluster is and how to talk to it. Precedence: `server` (with
 * `token`) when given; else `inCluster`; else the kubeconfig file (`kubeconfig`,
 * else `$KUBECONFIG`'s first file, else `~/.kube/config`), at `context` or its
 * current context. A `token` without `server` replaces the credentials of the
 * service account or the kubeconfig's user, as oc's `--token` does.
 */
export interface ClusterConnectionOptions {
  kubeconfig?: string;
  context?: string;
  /** The API server URL, e.g. `https://api.example.com:6443`. */
  server?: string;
  /** Bearer token for `server`, or in place of the kubeconfig user's (or service account's) credentials. */
  token?: string;
  /** Use the pod's service account (`/var/run/secrets/kubernetes.io/serviceaccount`). */
  inCluster?: boolean;
  /** A PEM file of CAs to trust instead of the kubeconfig's. */
  certificateAuthority?: string;
  /** Skip TLS verification: only when the user asked for it. */
  insecureSkipTlsVerify?: boolean;
  /**
   * Send the credentials to an `http://` API server, in clear: only when the
   * user asked for it (`--force-insecure`). Without it such a connection is
   * refused with {@link PlainHttpCredentialsError}.
   */
  allowPlainHttp?: boolean;
  /** Environment (for `$KUBECONFIG` and `$HOME`); process.env when absent. */
  env?: Record<string, string | undefined>;
  /** Most concurrent connections in the pool (default 8). */
  maxConnections?: number;
  /** A request waiting longer than this for headers or body data fails (and is retried); default 60 s. */
  requestTimeoutMs?: number;
  /** Where `token` came from, for messages (e.g. `--token-file /run/token`); default "the --server token". */
  tokenSource?: string;
}

/** An open connection: the client-node API objects, all sharing one connection pool. */
export interface ClusterClient {
  /** The API server URL. */
  readonly server: string;
  /**
   * Where the credentials come from, for a "token rejected" message:
   * `kubeconfig PATH, context "C", user "U"`, `--token-file PATH`, or the
   * in-cluster service account. Never the token itself.
   */
  readonly credentialSource: string;
  readonly kubeConfig: KubeConfig;
  /** For every non-core group (`/apis/GROUP/VERSION/...`): raw JSON in and out. */
  readonly customObjects: CustomObjectsApi;
  /** For the core group (`/api/v1`): pods, replication controllers, limit ranges. */
  readonly core: CoreV1Api;
  /** The shared pool. */
  readonly dispatcher: Agent;
  /** Closes the pool's connections. */
  close(): Promise<void>;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ClusterConfigError(`${what} ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The first line of a parser's message, without the excerpt of the file it may quote (binary junk, secrets). */
function parseProblem(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code) return e.code;
  const first = (e.message ?? String(err)).split('\n')[0].trim();
  // Keep it printable: a YAML parser may quote the offending bytes.
  return first.replace(/[^\x20-\x7e]/g, '?').slice(0, 160) || 'not a kubeconfig';
}

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * `token` in place of the current user's credentials (token, basic auth, exec
 * and auth plugins); client certificates stay, as with oc's `--token`.
 */
function withToken(loaded: { kc: KubeConfig; source: string }, o: ClusterConnectionOptions): { kc: KubeConfig; source: string } {
  if (!o.token) return loaded;
  const { kc } = loaded;
  const cluster = kc.getCurrentCluster();
  if (!cluster) return loaded;
  const user = kc.getCurrentUser();
  const replaced: User = { name: user?.name ?? 'token', token: o.token, certFile: user?.certFile, certData: user?.certData, keyFile: user?.keyFile, keyData: user?.keyData };
  const out = new KubeConfig();
  out.loadFromClusterAndUser(cluster, replaced);
  return { kc: out, source: `${o.tokenSource ?? 'the --token'} (in place of the credentials of ${loaded.source})` };
}

function loadKubeConfig(o: ClusterConnectionOptions): { kc: KubeConfig; source: string } {
  const loaded = loadBaseKubeConfig(o);
  return o.server ? loaded : withToken(loaded, o);
}

function loadBaseKubeConfig(o: ClusterConnectionOptions): { kc: KubeConfig; source: string } {
  const env = o.env ?? process.env;
  const kc = new KubeConfig();
  if (o.server) {
    // Never echo a URL with a password in it; the token has its own flag.
    if (hasUserInfo(o.server)) throw new ClusterConfigError('--server: the URL must not carry a user name or password (the token goes in --token-file)');
    let url: URL;
    try {
      url = new URL(o.server);
    } catch {
      throw new ClusterConfigError(`--server ${JSON.stringify(redactUserInfo(o.server))} is not a URL (expected e.g. https://api.example.com:6443)`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ClusterConfigError(`--server ${o.server}: the scheme must be https (or http)`);
    if (!o.token) throw new ClusterConfigError(`--server ${o.server} needs a bearer token (--token-file)`);
    const cluster: Cluster = { name: 'explicit', server: o.server.replace(/\/+$/, ''), skipTLSVerify: false };
    const user: User = { name: 'explicit', token: o.token };
    kc.loadFromClusterAndUser(cluster, user);
    return { kc, source: o.tokenSource ?? 'the --server token' };
  }
  if (o.inCluster) {
    if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) {
      throw new ClusterConfigError('in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not running in a pod?)');
    }
    kc.loadFromCluster();
    return { kc, source: `the in-cluster service account token (${IN_CLUSTER_TOKEN})` };
  }
  const path = o.kubeconfig ?? env.KUBECONFIG?.split(process.platform === 'win32' ? ';' : ':').find(Boolean) ?? join(env.HOME ?? homedir(), '.kube', 'config');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const problem = parseProblem(err);
    if (problem === 'ENOENT') throw new ClusterConfigError(`kubeconfig ${path} does not exist (log in with oc login, or pass --kubeconfig)`, { cause: err });
    throw new ClusterConfigError(`kubeconfig ${path} cannot be read: ${problem}`, { cause: err });
  }
  // A kubeconfig is YAML text: a NUL byte means some other file was named (a
  // binary, a tarball); say so rather than quote it.
  if (text.includes('\u0000')) throw new ClusterConfigError(`kubeconfig ${path} is not a kubeconfig: it holds binary data`);
  try {
    kc.loadFromString(text);
    // As loadFromFile does: certificate and key paths are relative to the file.
    kc.makePathsAbsolute(dirname(path));
  } catch (err) {
    throw new ClusterConfigError(`kubeconfig ${path} is not a valid kubeconfig: ${parseProblem(err)}`, { cause: err });
  }
  if (kc.contexts.length === 0 && kc.clusters.length === 0) throw new ClusterConfigError(`kubeconfig ${path} is not a kubeconfig: it names no cluster and no context`);
  if (o.context) {
    if (!kc.getContextObject(o.context)) throw new ClusterConfigError(`kubeconfig ${path}: context "${o.context}" does not exist`);
    kc.setCurrentContext(o.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ClusterConfigError(`kubeconfig ${path}: no current context with a cluster (pass --context)`);
  if (hasUserInfo(cluster.server)) {
    throw new ClusterConfigError(`kubeconfig ${path}: the server of cluster "${cluster.name}" must not carry a user name or password in its URL (put them in the user entry)`);
  }
  return { kc, source: `kubeconfig ${path}, context "${kc.getCurrentContext()}", user "${kc.getCurrentUser()?.name ?? '(none)'}"` };
}

/** True when the user entry sends something secret with each request (not client certificates: plain http has no TLS to carry them). */
function carriesCredentials(user: User | null): boolean {
  if (!user) return false;
  return Boolean(user.token || user.username || user.password || user.authProvider || user.exec);
}

/**
 * Opens a {@link ClusterClient}. Throws {@link ClusterConfigError} naming the
 * flag or file that is wrong, and {@link PlainHttpCredentialsError} for
 * credentials to an `http://` server without `allowPlainHttp`.
 */
export async function connectCluster(o: ClusterConnectionOptions): Promise<ClusterClient> {
  const { kc, source } = loadKubeConfig(o);
  const current = kc.getCurrentCluster()!;
  const server = current.server;
  // client-node refuses plain http unless the cluster is marked insecure; an
  // http:// URL is the user's explicit choice of no TLS, so say so for it.
  const plainHttp = server.startsWith('http:');
  if (plainHttp && !o.allowPlainHttp && carriesCredentials(kc.getCurrentUser())) {
    throw new PlainHttpCredentialsError(`API server ${server} is plain http: its credentials would cross the network in clear (use https, or allow plain http explicitly)`);
  }
  const skipTLSVerify = Boolean(o.insecureSkipTlsVerify || current.skipTLSVerify || plainHttp);
  const caFile = o.certificateAuthority ?? current.caFile;
  const caData = o.certificateAuthority ? undefined : current.caData;
  if (o.certificateAuthority) readPem(o.certificateAuthority, '--cluster-certificate-authority');
  const patched: Cluster = { ...current, skipTLSVerify, caFile, caData };
  kc.clusters = kc.clusters.map((c) => (c.name === current.name ? patched : c));

  // TLS material for our pool, read the way client-node reads it (caFile/caData, client certs).
  const tls: { ca?: Buffer | string; cert?: Buffer | string; key?: Buffer | string; rejectUnauthorized?: boolean; servername?: string } = {};
  try {
    const httpsOptions: Record<string, unknown> = {};
    await kc.applyToHTTPSOptions(httpsOptions);
    for (const k of ['ca', 'cert', 'key', 'servername'] as const) if (httpsOptions[k] !== undefined) (tls as Record<string, unknown>)[k] = httpsOptions[k];
  } catch (err) {
    throw new ClusterConfigError(`cluster ${server}: the credentials or CA cannot be loaded: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (skipTLSVerify && !plainHttp) tls.rejectUnauthorized = false;
  const timeout = o.requestTimeoutMs ?? 60_000;
  const dispatcher = new Agent({
    connections: o.maxConnections ?? 8,
    keepAliveTimeout: 30_000,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    connect: { ...tls, keepAlive: true, keepAliveInitialDelay: 30_000 },
  });

  const config = createConfiguration({
    baseServer: new ServerConfiguration<Record<string, string>>(server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        // Runs after client-node applied auth (which may have set a fresh Agent of its own).
        pre: async (ctx: RequestContext) => {
          ctx.setDispatcher(dispatcher);
          return ctx;
        },
        post: async (rsp: ResponseContext) => rsp,
      },
    ],
  });
  return {
    server,
    credentialSource: source,
    kubeConfig: kc,
    customObjects: new CustomObjectsApi(config),
    core: new CoreV1Api(config),
    dispatcher,
    close: () => dispatcher.close(),
  };
}

/**
 * The bearer token the cluster connection authenticates with, however the
 * kubeconfig gets it (a token, a token file, an exec or OIDC plugin): the
 * OpenShift registry takes the same token. Undefined when the user has none
 * (client certificates, basic auth).
 */
export async function clusterBearerToken(client: ClusterClient): Promise<string | undefined> {
  const opts: { headers?: Record<string, unknown> } = { headers: {} };
  await client.kubeConfig.applyToHTTPSOptions(opts as Parameters<KubeConfig['applyToHTTPSOptions']>[0]);
  const auth = opts.headers?.Authorization ?? opts.headers?.authorization;
  return typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
}
