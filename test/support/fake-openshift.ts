// A fake OpenShift API server for the tests: plain node:http on 127.0.0.1,
// speaking the real REST protocol (paths, List and Status objects, paging with
// opaque continue tokens, resourceVersion conflicts) for every kind the rules
// read, so the adapters are proven through the real @kubernetes/client-node.
//
// Known differences from the real server: pages are not a consistent snapshot
// (a continued list sees changes made after its first page), there is no watch,
// no discovery, no field or label selectors, and only bearer-token auth.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeList, KubeObject } from '../../shared/core/kube-types.js';
import type { ResourceKind } from '../../shared/core/kinds.js';
import { RESOURCE_KINDS, apiVersionOf, kindByName } from '../../shared/core/kinds.js';
import type { FaultControls } from './fake-openshift/faults.js';
import { Faults } from './fake-openshift/faults.js';
import { ObjectStore, apiTimestamp } from './fake-openshift/store.js';
import type { GeneratedKind } from './fake-openshift/generated.js';
import { GeneratedKinds } from './fake-openshift/generated.js';

export type { FaultControls, FaultMatch, FaultRule } from './fake-openshift/faults.js';
export type { GeneratedKind } from './fake-openshift/generated.js';

/** How to start the fake server. */
export interface FakeOpenShiftOptions {
  /** Objects to start with: a List or an array of objects, each with `kind` (and `metadata.namespace` when namespaced). */
  objects?: KubeList | KubeObject[];
  /** The most items one page holds, whatever `limit` asks for (the real server may return fewer). */
  pageSizeCap?: number;
  /** Kinds (e.g. `DeploymentConfig`) or API groups (e.g. `apps.openshift.io`) answered with 404, as on plain Kubernetes. */
  notServed?: string[];
  /** The bearer token clients must send; random when absent. */
  token?: string;
  /**
   * Serve https with this key and certificate (self-signed: it is its own CA,
   * see {@link selfSignedCertificate}). Plain http when absent.
   */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * Kinds (by name, e.g. `Image`) served from a generator instead of stored
   * objects, for benchmarks bigger than memory (./fake-openshift/generated.ts).
   */
  generated?: Record<string, GeneratedKind>;
}

/** One request the server received, with the status it answered (0 when the connection was dropped). */
export interface RecordedRequest {
  method: string;
  /** The path without the query, percent-decoded (`/apis/image.openshift.io/v1/images/sha256:…`). */
  path: string;
  query: Record<string, string>;
  /** The parsed JSON body of a write. */
  body?: unknown;
  status: number;
  /** When it arrived (Date.now()). */
  at: number;
  /** Which TCP connection it came on (1 = the first the server accepted). */
  connection: number;
}

/** A running fake server. */
export interface FakeOpenShift {
  /** `http://127.0.0.1:PORT` (`https://` with `tls`). */
  url: string;
  /** The bearer token it accepts. */
  token: string;
  /** A kubeconfig file (context `fake`) pointing at the server with the token. */
  kubeconfigPath: string;
  /** A token file holding {@link token}, for `--token-file`. */
  tokenPath: string;
  /** With `tls`: a PEM file of the server's certificate, for `--cluster-certificate-authority`. */
  caPath?: string;
  /** The stored objects of a kind (kind/apiVersion set), in key order, optionally of one namespace. */
  objects(kind: string, namespace?: string): KubeObject[];
  get(kind: string, name: string, namespace?: string): KubeObject | undefined;
  /** Creates or replaces an object directly (no request), bumping its resourceVersion; returns it as stored. */
  put(obj: KubeObject): KubeObject;
  /** Deletes an object directly; false when it was not there. */
  remove(kind: string, name: string, namespace?: string): boolean;
  faults: FaultControls;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /**
   * Called with each request before it is handled (after faults), so a test
   * can change state in between a client's read and its write.
   */
  beforeHandle?: (request: RecordedRequest) => void;
  /** How many TCP connections clients have opened. */
  readonly connections: number;
  /** Closes the server and removes its temporary files. */
  stop(): Promise<void>;
}

/** The Kubernetes Status object the API server answers errors (and some deletes) with. */
function status(code: number, reason: string, message: string, details?: Record<string, unknown>, extraMetadata?: Record<string, unknown>): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: extraMetadata ?? {},
    status: code < 300 ? 'Success' : 'Failure',
    // A success Status carries neither message nor reason.
    ...(message ? { message } : {}),
    ...(reason ? { reason } : {}),
    ...(details ? { details } : {}),
    code,
  };
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

function resourceName(k: ResourceKind): string {
  return k.group ? `${k.plural}.${k.group}` : k.plural;
}

interface Route {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
}

/** Splits `/api/v1/...` and `/apis/GROUP/VERSION/...` paths; undefined when the path is no resource path. */
function parseRoute(path: string): Route | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length < 1 || rest.length > 3) return undefined;
  return { group, version, namespace, plural: rest[0], name: rest[1], subresource: rest[2] };
}

interface ContinueToken {
  /** The list it continues: kind and namespace. */
  k: string;
  ns?: string;
  /** The last key served. */
  a?: string;
  /** Of a generated kind: the index to go on from. */
  g?: number;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
    readonly extraMetadata?: Record<string, unknown>,
    /** The Status reason when it is not the usual one for the code (e.g. AlreadyExists for 409). */
    readonly reason?: string,
  ) {
    super(message);
  }
}

function notFound(k: ResourceKind, name: string): HttpError {
  return new HttpError(404, `${resourceName(k)} "${name}" not found`, { name, group: k.group, kind: k.plural });
}

const NO_RESOURCE = 'the server could not find the requested resource';

/**
 * Starts the fake OpenShift API server on a random free port of 127.0.0.1.
 *
 * @example
 * const api = await startFakeOpenShift({ objects: [image('sha256:…')], pageSizeCap: 2 });
 * api.faults.status(429, { times: 1, retryAfterSeconds: 1 });
 * // … point the adapter at api.kubeconfigPath …
 * await api.stop();
 */
export async function startFakeOpenShift(options: FakeOpenShiftOptions = {}): Promise<FakeOpenShift> {
  // Shaped as OpenShift's own tokens (sha256~ and base64url): a bare base64url
  // string starts with "-" one time in 64, and `--token -x...` is then a usage
  // error (a flag value may not start with "-" unless given with "="), which
  // made a CLI test fail at random.
  const token = options.token ?? `sha256~${randomBytes(24).toString('base64url')}`;
  const store = new ObjectStore();
  const faults = new Faults();
  const requests: RecordedRequest[] = [];
  const notServed = new Set(options.notServed ?? []);
  const generated = new GeneratedKinds(options.generated ?? {});
  let connections = 0;
  const sockets = new Set<Socket>();
  const connectionIds = new WeakMap<Socket, number>();

  const seed = Array.isArray(options.objects) ? options.objects : (options.objects?.items ?? []);
  for (const o of seed) store.put(o);

  const served = (k: ResourceKind): boolean => !notServed.has(k.kind) && !notServed.has(k.group);

  function kindOf(route: Route): ResourceKind | undefined {
    const k = RESOURCE_KINDS.find((r) => r.group === route.group && r.version === route.version && r.plural === route.plural);
    return k && served(k) ? k : undefined;
  }

  function list(k: ResourceKind, route: Route, query: URLSearchParams): Record<string, unknown> {
    const limitParam = query.get('limit');
    let limit = limitParam ? Number(limitParam) : Number.POSITIVE_INFINITY;
    if (!Number.isInteger(limit) && limit !== Number.POSITIVE_INFINITY) throw new HttpError(400, `invalid limit "${limitParam}"`);
    if (limit <= 0) limit = Number.POSITIVE_INFINITY;
    if (options.pageSizeCap) limit = Math.min(limit, options.pageSizeCap);
    let after: string | undefined;
    let from = 0;
    const cont = query.get('continue');
    if (cont) {
      let t: ContinueToken;
      try {
        t = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as ContinueToken;
      } catch {
        throw new HttpError(400, 'continue key is not valid: illegal base64 data');
      }
      if (t.k !== k.kind || t.ns !== route.namespace) throw new HttpError(400, 'continue key is not valid: key does not match the list');
      after = t.a;
      from = t.g ?? 0;
    }
    if (generated.has(k.kind)) {
      if (route.namespace !== undefined) throw new HttpError(400, `fake OpenShift: generated kind ${k.kind} is listed cluster-wide only`);
      const g = generated.page(k.kind, from, limit === Number.POSITIVE_INFINITY ? Number.MAX_SAFE_INTEGER : limit);
      const metadata: Record<string, unknown> = { resourceVersion: store.resourceVersion };
      if (g.next !== undefined) metadata.continue = Buffer.from(JSON.stringify({ k: k.kind, g: g.next } satisfies ContinueToken)).toString('base64url');
      return { __raw: `{"kind":"${k.kind}List","apiVersion":"${apiVersionOf(k)}","metadata":${JSON.stringify(metadata)},"items":[${g.items.join(',')}]}` };
    }
    const page = store.page(k.kind, route.namespace, after, limit);
    const metadata: Record<string, unknown> = { resourceVersion: store.resourceVersion };
    if (page.next !== undefined) {
      const t: ContinueToken = { k: k.kind, ns: route.namespace, a: page.next };
      metadata.continue = Buffer.from(JSON.stringify(t)).toString('base64url');
    }
    // Items are pre-serialized; splice them into the envelope as raw JSON.
    return { __raw: `{"kind":"${k.kind}List","apiVersion":"${apiVersionOf(k)}","metadata":${JSON.stringify(metadata)},"items":[${page.items.join(',')}]}` };
  }

  function requireBody(body: unknown, k: ResourceKind): Record<string, unknown> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, `${resourceName(k)}: the request body must be a JSON object`);
    return body as Record<string, unknown>;
  }

  function create(k: ResourceKind, route: Route, body: unknown): [number, unknown] {
    const o = requireBody(body, k);
    const md = (o.metadata ?? {}) as Record<string, unknown>;
    const name = md.name;
    if (typeof name !== 'string' || !name) throw new HttpError(422, `${k.kind}.${k.group || 'core'} is invalid: metadata.name: Required value: name is required`);
    if (k.namespaced) {
      if (md.namespace !== undefined && md.namespace !== route.namespace) throw new HttpError(400, 'the namespace of the provided object does not match the namespace sent on the request');
    }
    if (store.get(k.kind, name, route.namespace)) {
      throw new HttpError(409, `${resourceName(k)} "${name}" already exists`, { name, group: k.group, kind: k.plural }, {}, undefined, 'AlreadyExists');
    }
    const { uid: _u, resourceVersion: _rv, creationTimestamp: _c, ...keep } = md;
    const stored = store.put({ ...o, metadata: { ...keep, name, ...(k.namespaced ? { namespace: route.namespace } : {}) } } as KubeObject, k);
    return [201, stored];
  }

  function update(k: ResourceKind, route: Route, body: unknown): [number, unknown] {
    const name = route.name!;
    const current = store.get(k.kind, name, route.namespace);
    if (!current) throw notFound(k, name);
    const o = requireBody(body, k);
    const md = (o.metadata ?? {}) as Record<string, unknown>;
    if (md.name !== name) throw new HttpError(400, 'the name of the object does not match the name on the URL');
    if (typeof md.resourceVersion !== 'string' || !md.resourceVersion) {
      throw new HttpError(422, `${k.kind}.${k.group || 'core'} "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`);
    }
    if (md.resourceVersion !== current.metadata?.resourceVersion) {
      throw new HttpError(
        409,
        `Operation cannot be fulfilled on ${resourceName(k)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, group: k.group, kind: k.plural },
      );
    }
    // As on the real server: the status subresource changes only status, the
    // main resource everything but status.
    const next: KubeObject =
      route.subresource === 'status'
        ? { ...current, status: o.status }
        : { ...o, metadata: { ...md, uid: current.metadata?.uid, creationTimestamp: current.metadata?.creationTimestamp }, ...(current.status !== undefined ? { status: current.status } : {}) };
    if (next.status === undefined) delete next.status;
    return [200, store.put(next, k)];
  }

  function remove(k: ResourceKind, route: Route): [number, unknown] {
    const name = route.name!;
    if (generated.has(k.kind)) {
      if (!generated.remove(k.kind, name)) throw notFound(k, name);
      return [200, status(200, '', '', { name, group: k.group, kind: k.plural, uid: undefined })];
    }
    if (!store.remove(k.kind, name, route.namespace)) throw notFound(k, name);
    return [200, status(200, '', '', { name, group: k.group, kind: k.plural, uid: undefined })];
  }

  /** POST imagestreammappings: how OpenShift tags an image, creating the Image when it is new. */
  function createMapping(route: Route, body: unknown): [number, unknown] {
    const streamKind = kindByName('ImageStream')!;
    const imageKind = kindByName('Image')!;
    const o = requireBody(body, streamKind);
    const md = (o.metadata ?? {}) as Record<string, unknown>;
    const streamName = md.name;
    const tag = o.tag;
    const image = o.image as KubeObject | undefined;
    const digest = image?.metadata?.name;
    if (typeof streamName !== 'string' || !streamName) throw new HttpError(422, 'ImageStreamMapping.image.openshift.io is invalid: metadata.name: Required value');
    if (typeof tag !== 'string' || !tag) throw new HttpError(422, `ImageStreamMapping.image.openshift.io "${streamName}" is invalid: tag: Required value`);
    if (typeof digest !== 'string' || !digest) throw new HttpError(422, `ImageStreamMapping.image.openshift.io "${streamName}" is invalid: image.metadata.name: Required value`);
    const stream = store.get('ImageStream', streamName, route.namespace);
    if (!stream) throw notFound(streamKind, streamName);
    if (!store.get('Image', digest)) {
      const { uid: _u, resourceVersion: _rv, creationTimestamp: _c, namespace: _n, ...keep } = image!.metadata as Record<string, unknown>;
      store.put({ ...image, kind: 'Image', metadata: { ...keep, name: digest } } as KubeObject, imageKind);
    }
    const next = structuredClone(stream) as KubeObject & { status?: { dockerImageRepository?: string; tags?: { tag: string; items: unknown[] | null }[] | null } };
    next.status ??= {};
    next.status.tags ??= [];
    let entry = next.status.tags.find((t) => t.tag === tag);
    if (!entry) {
      entry = { tag, items: [] };
      next.status.tags.push(entry);
    }
    entry.items ??= [];
    const newest = entry.items[0] as { image?: string } | undefined;
    if (newest?.image !== digest) {
      const ref = (image as { dockerImageReference?: string }).dockerImageReference ?? `${next.status.dockerImageRepository ?? `${route.namespace}/${streamName}`}@${digest}`;
      entry.items.unshift({ created: apiTimestamp(), dockerImageReference: ref, image: digest, generation: 1 });
    }
    store.put(next, streamKind);
    return [201, status(201, '', '')];
  }

  function handle(method: string, route: Route, query: URLSearchParams, body: unknown): [number, unknown] {
    if (route.group === 'image.openshift.io' && route.version === 'v1' && route.plural === 'imagestreammappings' && route.namespace && !route.name) {
      if (!notServed.has('image.openshift.io') && method === 'POST') return createMapping(route, body);
      throw new HttpError(notServed.has('image.openshift.io') ? 404 : 405, notServed.has('image.openshift.io') ? NO_RESOURCE : 'the server does not allow this method on the requested resource');
    }
    const k = kindOf(route);
    if (!k) throw new HttpError(404, NO_RESOURCE);
    if (route.namespace !== undefined && !k.namespaced) throw new HttpError(404, NO_RESOURCE);
    if (route.subresource !== undefined && (route.subresource !== 'status' || k.kind === 'Image')) throw new HttpError(404, NO_RESOURCE);
    if (route.name === undefined) {
      if (method === 'GET') return [200, list(k, route, query)];
      if (method === 'POST' && (route.namespace !== undefined || !k.namespaced)) return create(k, route, body);
      throw new HttpError(405, 'the server does not allow this method on the requested resource');
    }
    if (k.namespaced && route.namespace === undefined) throw new HttpError(404, NO_RESOURCE);
    switch (method) {
      case 'GET': {
        const o = store.get(k.kind, route.name, route.namespace);
        if (!o) throw notFound(k, route.name);
        return [200, o];
      }
      case 'PUT':
        return update(k, route, body);
      case 'DELETE':
        if (route.subresource) throw new HttpError(405, 'the server does not allow this method on the requested resource');
        return remove(k, route);
      default:
        throw new HttpError(405, 'the server does not allow this method on the requested resource');
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = (req.method ?? 'GET').toUpperCase();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    let badBody = false;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        badBody = true;
      }
    }
    const path = safeDecode(url.pathname);
    const record: RecordedRequest = { method, path, query: Object.fromEntries(url.searchParams), status: 0, at: Date.now(), connection: connectionIds.get(req.socket) ?? 0, ...(raw ? { body: badBody ? raw : body } : {}) };
    requests.push(record);

    const send = (code: number, payload: unknown, headers: Record<string, string> = {}): void => {
      record.status = code;
      const text = typeof payload === 'object' && payload !== null && '__raw' in payload ? (payload as { __raw: string }).__raw : JSON.stringify(payload);
      res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    const sendError = (e: HttpError): void => {
      send(e.code, status(e.code, e.reason ?? REASONS[e.code] ?? 'Unknown', e.message, e.details, e.extraMetadata), e.headers);
    };

    for (const action of faults.take(method, path, url.searchParams.has('continue'))) {
      switch (action.type) {
        case 'drop':
          req.socket.destroy();
          return;
        case 'slow':
          await new Promise((r) => setTimeout(r, action.delayMs));
          if (req.socket.destroyed) return;
          break;
        case 'expire':
          return sendError(
            new HttpError(
              410,
              'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
              undefined,
              {},
              { continue: url.searchParams.get('continue') ?? '' },
            ),
          );
        case 'status':
          return sendError(
            new HttpError(
              action.status,
              action.status === 429 ? 'Too many requests, please try again later.' : 'Internal error occurred: injected fault',
              action.retryAfterSeconds !== undefined ? { retryAfterSeconds: action.retryAfterSeconds } : undefined,
              action.retryAfterSeconds !== undefined ? { 'retry-after': String(action.retryAfterSeconds) } : {},
            ),
          );
      }
    }

    if (req.headers.authorization !== `Bearer ${token}`) return sendError(new HttpError(401, 'Unauthorized'));
    api.beforeHandle?.(record);
    if (badBody) return sendError(new HttpError(400, 'the request body is not valid JSON'));
    const route = parseRoute(url.pathname);
    if (!route) return sendError(new HttpError(404, NO_RESOURCE));
    try {
      const [code, payload] = handle(method, route, url.searchParams, body);
      send(code, payload);
    } catch (err) {
      if (err instanceof HttpError) return sendError(err);
      send(500, status(500, 'InternalError', `fake OpenShift: ${(err as Error).message}`));
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    onRequest(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(status(500, 'InternalError', String(err))));
      }
    });
  };
  const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createServer(listener);
  server.keepAliveTimeout = 30_000;
  server.on(options.tls ? 'secureConnection' : 'connection', (s: Socket) => {
    connections += 1;
    connectionIds.set(s, connections);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  const dir = await mkdtemp(join(tmpdir(), 'fake-openshift-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const tokenPath = join(dir, 'token');
  const caPath = options.tls ? join(dir, 'ca.pem') : undefined;
  if (caPath) await writeFile(caPath, options.tls!.cert);
  // JSON is YAML; client-node refuses plain http unless the cluster says insecure-skip-tls-verify.
  const clusterEntry = options.tls
    ? { server: url, 'certificate-authority-data': Buffer.from(options.tls.cert).toString('base64') }
    : { server: url, 'insecure-skip-tls-verify': true };
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: clusterEntry }],
    users: [{ name: 'fake-user', user: { token } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake-user', namespace: 'default' } }],
    'current-context': 'fake',
  };
  await writeFile(kubeconfigPath, JSON.stringify(kubeconfig, null, 2), { mode: 0o600 });
  await writeFile(tokenPath, `${token}\n`, { mode: 0o600 });

  const api: FakeOpenShift = {
    url,
    token,
    kubeconfigPath,
    tokenPath,
    caPath,
    // Copies, so that a test cannot change the server's state by accident.
    objects: (kind, namespace) => store.list(kind, namespace).map((o) => structuredClone(o)),
    get: (kind, name, namespace) => {
      const o = store.get(kind, name, namespace);
      return o && structuredClone(o);
    },
    put: (obj) => store.put(obj),
    remove: (kind, name, namespace) => store.remove(kind, name, namespace),
    faults,
    requests,
    get connections() {
      return connections;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  return api;
}

/**
 * A self-signed certificate for 127.0.0.1 made with the openssl command line
 * (a Debian base package), for {@link FakeOpenShiftOptions.tls}.
 */
export async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const { execFile } = await import('node:child_process');
  const { readFile } = await import('node:fs/promises');
  const dir = await mkdtemp(join(tmpdir(), 'fake-openshift-tls-'));
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
        (err) => (err ? reject(new Error(`openssl could not make a test certificate (apt-get install openssl): ${err.message}`)) : resolve()),
      ),
    );
    return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
