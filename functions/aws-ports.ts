// The ports on AWS: S3, DynamoDB (the run lock), Secrets Manager, the cluster and the
// registry, built from the environment the construct sets (infra/task-function.ts
// derives it from the ports a task names). Each is made on first use and kept
// for the container's life, as Lambda's own clients are.
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Artifacts } from '../shared/adapters/artifacts/s3.js';
import { KubernetesCollector } from '../shared/adapters/kubernetes/collector.js';
import { connectCluster } from '../shared/adapters/kubernetes/connection.js';
import { KubernetesClusterWriter } from '../shared/adapters/kubernetes/writers.js';
import type { RegistryClientOptions } from '../shared/adapters/registry/client.js';
import { RegistryDeleter } from '../shared/adapters/registry/deleter.js';
import { openRegistryStorage } from '../shared/adapters/storage/storage-url.js';
import { InvalidInputError } from '../shared/errors.js';
import type { RunOptions } from '../shared/workflow/contracts.js';
import { ENV } from '../shared/workflow/environment.js';
import { registryUrlOfEvent } from '../shared/workflow/registry-detection.js';
import { DEFAULT_ITEM_POLICY } from '../shared/workflow/run-items.js';
import { StorageBatchBlobDeleter } from '../shared/workflow/storage-blobs.js';
import type { PortSource } from './ports-middleware.js';
import { metrics, tracer } from './powertools.js';
import { DynamoDbRunLock } from './dynamodb-run-lock.js';
import type { SecretSource } from './secrets.js';
import { secretsManagerSource } from './secrets.js';


function required(env: Record<string, string | undefined>, name: string): string {
  const v = env[name];
  if (!v) throw new InvalidInputError(`environment: ${name} is not set`);
  return v;
}

/**
 * What `make` built from the latest `read`, made again (and the old one
 * closed) only when what `read` returns has changed.
 */
function rebuiltWhenChanged<S, T, A extends unknown[] = []>(read: (...args: A) => Promise<S>, make: (source: S) => Promise<T>, close: (value: T) => Promise<void>): (...args: A) => Promise<T> {
  let current: { key: string; value: Promise<T> } | undefined;
  return async (...args: A) => {
    const source = await read(...args);
    const key = JSON.stringify(source);
    if (current?.key !== key) {
      const previous = current;
      const value = make(source);
      // A failed build is not kept: the next invocation tries again.
      value.catch(() => {
        if (current?.value === value) current = undefined;
      });
      current = { key, value };
      if (previous) void previous.value.then(close).catch(() => undefined);
    }
    return current.value;
  };
}

function once<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: make() }).v;
}

/**
 * The registry credentials a registry secret holds: `{"token"}` (a bearer token)
 * or `{"username", "password"}` (basic credentials, a registry behind htpasswd).
 * Anything else is an error: a run must not silently send no credentials.
 */
export function registryCredentials(secret: Record<string, string>): Pick<RegistryClientOptions, 'token' | 'basicAuth'> {
  const where = `secret of ${ENV.registrySecretArn}`;
  const basic = secret.username !== undefined || secret.password !== undefined;
  if (secret.token !== undefined && basic) throw new InvalidInputError(`${where}: give "token" or "username" and "password", not both`);
  if (secret.token !== undefined) return { token: secret.token };
  if (basic) {
    if (!secret.username) throw new InvalidInputError(`${where}: "username" is missing or empty`);
    if (!secret.password) throw new InvalidInputError(`${where}: "password" is missing or empty`);
    return { basicAuth: { username: secret.username, password: secret.password } };
  }
  throw new InvalidInputError(`${where}: needs "token", or "username" and "password"`);
}

/**
 * The PEM of the CA that signed the registry's certificate, when not a public
 * CA: `certificateAuthority` of the registry secret, else
 * `registryCertificateAuthority` of the cluster secret (the OpenShift route's
 * ingress CA often differs from the API server's). Kept in Secrets Manager,
 * not the environment: Lambda holds 4 KB of environment in all, and a CA
 * bundle alone can pass that.
 */
export function registryCa(registrySecret: Record<string, string> | undefined, clusterSecret: Record<string, string> | undefined): string | undefined {
  return (registrySecret ? registrySecret.certificateAuthority : clusterSecret?.registryCertificateAuthority) || undefined;
}

/** Every port, as the environment of this function describes it. */
export function awsPorts(env: Record<string, string | undefined> = process.env, secrets: SecretSource = secretsManagerSource()): PortSource {
  const s3 = once(() => tracer.captureAWSv3Client(new S3Client({})));
  // The connections are made again when their secret changed (it is re-read
  // at most every few minutes), so a rotated token is used without a cold start.
  const cluster = rebuiltWhenChanged(
    () => secrets.readSecret(required(env, ENV.clusterSecretArn), ENV.clusterSecretArn),
    async (secret) => {
      if (!secret.server || !secret.token) throw new InvalidInputError(`secret of ${ENV.clusterSecretArn}: needs "server" and "token"`);
      // client-node reads a CA from a file; Lambda's /tmp is the one writable place.
      let certificateAuthority: string | undefined;
      if (secret.certificateAuthority) {
        const { writeFile } = await import('node:fs/promises');
        certificateAuthority = '/tmp/pruner-cluster-ca.pem';
        await writeFile(certificateAuthority, secret.certificateAuthority, { mode: 0o600 });
      }
      // An http:// server gets the token only when the deployment says insecure (the construct's forceInsecure).
      const allowPlainHttp = env[ENV.forceInsecure] === 'true';
      return { client: await connectCluster({ server: secret.server, token: secret.token, certificateAuthority, allowPlainHttp, env: {} }), token: secret.token };
    },
    (c) => c.client.close(),
  );
  // The OpenShift registry takes the cluster token unless a registry secret says otherwise.
  const registryArn = env[ENV.registrySecretArn];
  // The registry "Find the registry" chose, which the event names; else the
  // deployment's registryUrl (an event from before the registry was detected).
  const registryUrl = (event: unknown): string => {
    const url = registryUrlOfEvent(event) ?? env[ENV.registryUrl];
    if (!url) throw new InvalidInputError(`the event names no registryUrl and ${ENV.registryUrl} is not set: no registry to talk to`);
    return url;
  };
  const registry = rebuiltWhenChanged(
    async (event?: unknown) => {
      const url = registryUrl(event);
      if (registryArn) {
        const secret = await secrets.readSecret(registryArn, ENV.registrySecretArn);
        return { url, ...registryCredentials(secret), ca: registryCa(secret, undefined) };
      }
      const clusterSecret = await secrets.readSecret(required(env, ENV.clusterSecretArn), ENV.clusterSecretArn);
      return { url, token: (await cluster()).token, ca: registryCa(undefined, clusterSecret) };
    },
    async (source) => RegistryDeleter.fromOptions({ ...source, insecure: env[ENV.forceInsecure] === 'true' }),
    (r) => r.close(),
  );
  const storageRoot = () => (env[ENV.registryStorageRoot] ?? '').replace(/^\/+|\/+$/g, '');
  const storage = once(() => openRegistryStorage({ kind: 's3', bucket: required(env, ENV.registryStorageBucket), root: storageRoot() }, { s3Client: s3() }));
  const defaults = once((): Partial<Omit<RunOptions, 'now'>> => {
    const raw = env[ENV.defaults];
    if (!raw) return {};
    try {
      return JSON.parse(raw) as Partial<Omit<RunOptions, 'now'>>;
    } catch (err) {
      throw new InvalidInputError(`environment: ${ENV.defaults} is not JSON`, { cause: err });
    }
  });
  return {
    artifacts: once(async () => new S3Artifacts(s3(), required(env, ENV.artifactsBucket))),
    cluster: async () => new KubernetesCollector((await cluster()).client),
    clusterWriter: async () => new KubernetesClusterWriter((await cluster()).client),
    clusterCreator: async () => new KubernetesClusterWriter((await cluster()).client),
    registry,
    // Blobs go to the registry's storage when the deployment names its bucket (a
    // plain distribution registry has no blob delete endpoint), else through the registry.
    blobs: async (event?: unknown) => (env[ENV.registryStorageBucket] ? new StorageBatchBlobDeleter(storage()) : registry(event)),
    storage: once(async () => storage()),
    // The lease is set on the start tasks only; the release task needs none.
    lock: once(async () => {
      const lease = env[ENV.lockLeaseSeconds];
      return new DynamoDbRunLock(tracer.captureAWSv3Client(new DynamoDBClient({})), { tableName: required(env, ENV.lockTable), ...(lease ? { leaseSeconds: Number(lease) } : {}) });
    }),
    metrics: once(async () => ({ add: (name: string, value: number, unit: 'Count' | 'Bytes') => metrics.addMetric(name, unit as never, value) })),
    settings: once(async () => ({
      defaults: defaults(),
      itemPolicy: { concurrency: Number(env[ENV.itemConcurrency] ?? DEFAULT_ITEM_POLICY.concurrency) || DEFAULT_ITEM_POLICY.concurrency },
      ...(env[ENV.registryUrl] ? { registryUrl: env[ENV.registryUrl] } : {}),
    })),
  };
}
