// A real S3 protocol server on loopback for the tests: npm s3rver (storage,
// signatures, objects, multipart create/upload/complete) with the calls it gets
// wrong or lacks answered by a small layer of our own in front of its router.
//
// Why each piece exists (all found by running docker-registry's s3 driver on it):
// - ListObjects v1/v2: s3rver walks directories in readdir order (S3 lists in
//   byte order, and the registry's Stat/Walk depend on it), its `delimiter`
//   listings skip nested prefixes, `KeyCount` leaves out common prefixes, and its
//   continuation tokens use DES, which Node 17+ only has with
//   --openssl-legacy-provider. We list ourselves, in order, with plain tokens.
// - ListMultipartUploads, ListParts, AbortMultipartUpload, UploadPartCopy: the
//   registry resumes and moves uploads with them; s3rver 3.7 has none.
// - DeleteObjects: s3rver deletes the keys concurrently and its empty-directory
//   clean-up then races (ENOENT fails the whole request); it also never reports
//   per-key errors, which the tests need to inject (`failDeletes`).
import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

const require = createRequire(import.meta.url);

/** The little of a Koa context this layer reads and writes. */
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  req: NodeJS.ReadableStream;
  params: Record<string, string | undefined>;
  status: number;
  body: unknown;
  type: string;
  set(name: string, value: string): void;
  app: { store: S3rverStore };
}
type Next = () => Promise<unknown>;
type Middleware = (ctx: KoaContext, next: Next) => Promise<unknown>;

interface S3rverStore {
  getBucketPath(bucket: string): string;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getMetadata(bucket: string, key: string): Promise<Record<string, string | number>>;
  getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<{ content: NodeJS.ReadableStream | null; size: number } | null>;
  putPart(bucket: string, uploadId: string, partNumber: number, content: NodeJS.ReadableStream): Promise<{ size: number; md5: string }>;
}

interface S3rverInstance {
  middleware: Middleware[];
  store: S3rverStore;
  httpServer?: Server;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;
type S3ErrorClass = new (code: string, message: string, detail?: Record<string, string>) => Error;

const S3rver = require('s3rver') as S3rverClass;
const S3Error = require('s3rver/lib/models/error.js') as S3ErrorClass;
const authentication = require('s3rver/lib/middleware/authentication.js') as () => Middleware;

/** One request as the server saw it, for counting calls in tests and benchmarks. */
export interface S3Request {
  method: string;
  /** URL path, e.g. `/bucket/some/key` (path-style addressing). */
  path: string;
  query: Record<string, string>;
}

/** A running S3 server on 127.0.0.1 and what a client needs to reach it. */
export interface S3Server {
  endpoint: string;
  region: 'us-east-1';
  accessKeyId: 'S3RVER';
  secretAccessKey: 'S3RVER';
  /** Every request received, in order. Clear it with `requests.length = 0`. */
  requests: S3Request[];
  /**
   * Fault injection: keys (full object keys) for which DeleteObjects answers a
   * per-key `AccessDenied` error instead of deleting.
   */
  failDeletes: Set<string>;
  /** The directory s3rver stores objects in (removed by `stop`). */
  directory: string;
  /**
   * Stores an object straight into s3rver's files, without a request: for
   * fixtures of thousands of objects, which would take a PUT each otherwise.
   * The object then reads, lists and deletes like any other.
   */
  seed(bucket: string, key: string, body: string | Buffer): Promise<void>;
  stop(): Promise<void>;
}

const OBJECT_SUFFIX = '._S3rver_object';
const INTERNAL_MARK = '._S3rver_';
const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** Starts a fresh S3 server with the given (empty) buckets on a free loopback port. */
export async function startS3Server(options: { buckets: string[] }): Promise<S3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), 's3-server-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    // Path-style only: "127.0.0.1" must never be read as a bucket host.
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  const requests: S3Request[] = [];
  const failDeletes = new Set<string>();

  const record: Middleware = async (ctx, next) => {
    requests.push({ method: ctx.method, path: ctx.path, query: flatQuery(ctx.query) });
    return next();
  };
  // First the log, so that every request counts; ours just before s3rver's
  // router (the last middleware), after its XML and vhost handling.
  server.middleware.unshift(record, verifySignatureV4);
  server.middleware.splice(server.middleware.length - 1, 0, gapFiller(failDeletes));

  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    requests,
    failDeletes,
    directory,
    async seed(bucket, key, body) {
      const file = server.store.getResourcePath(bucket, key, 'object');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, body);
      await writeFile(`${file}.md5`, createHash('md5').update(body).digest('hex'));
    },
    async stop() {
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function flatQuery(query: KoaContext['query']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) out[k] = Array.isArray(v) ? v.join(',') : (v ?? '');
  return out;
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Our handlers for the calls s3rver lacks or gets wrong; everything else goes on to s3rver. */
function gapFiller(failDeletes: Set<string>): Middleware {
  const auth = authentication();
  return async (ctx, next) => {
    const match = /^\/([^/]+)(?:\/(.*))?$/.exec(ctx.path);
    if (!match) return next();
    const bucket = decodeURIComponent(match[1]);
    const key = match[2] === undefined || match[2] === '' ? undefined : decodeURIComponent(match[2]);
    const q = ctx.query;
    const handler = pick(ctx.method, key, q, ctx.headers);
    if (!handler) return next();
    // s3rver's signature check reads the bucket and key from the router params.
    ctx.params = { bucket, key };
    return auth(ctx, async () => {
      if (!(await exists(ctx.app.store.getBucketPath(bucket)))) {
        throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
      }
      await handler(ctx, bucket, key ?? '', failDeletes);
    });
  };
}

type Handler = (ctx: KoaContext, bucket: string, key: string, failDeletes: Set<string>) => Promise<void>;

function pick(method: string, key: string | undefined, q: KoaContext['query'], headers: KoaContext['headers']): Handler | undefined {
  if (key === undefined) {
    if ((method === 'GET' || method === 'HEAD') && 'uploads' in q) return listMultipartUploads;
    if (method === 'POST' && 'delete' in q) return deleteObjects;
    const subresource = Object.keys(q).some((k) => !LIST_PARAMS.has(k));
    if ((method === 'GET' || method === 'HEAD') && !subresource) return listObjects;
    return undefined;
  }
  if ((method === 'GET' || method === 'HEAD') && 'uploadId' in q) return listParts;
  if (method === 'DELETE' && 'uploadId' in q) return abortMultipartUpload;
  if (method === 'PUT' && 'uploadId' in q && 'x-amz-copy-source' in headers) return uploadPartCopy;
  return undefined;
}

const LIST_PARAMS = new Set([
  'list-type', 'prefix', 'delimiter', 'max-keys', 'marker', 'start-after',
  'continuation-token', 'encoding-type', 'fetch-owner', 'x-id',
]);

function xml(value: string | number | boolean): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function unxml(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    switch (e.toLowerCase()) {
      case 'amp': return '&';
      case 'lt': return '<';
      case 'gt': return '>';
      case 'quot': return '"';
      case 'apos': return "'";
      default: return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}

function sendXml(ctx: KoaContext, body: string): void {
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- signatures

const SECRETS: Record<string, string> = { S3RVER: 'S3RVER' };

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/**
 * Checks AWS signature version 4 (header or presigned query), which s3rver
 * accepts unchecked: with it, a client holding the wrong secret fails here as
 * it would on S3. Requests without a v4 signature go on to s3rver's own checks.
 */
const verifySignatureV4: Middleware = async (ctx, next) => {
  const authorization = one(ctx.headers.authorization) ?? '';
  const rawUrl = (ctx.req as unknown as { url: string }).url;
  const [rawPath, rawQuery = ''] = rawUrl.split(/\?(.*)/s, 2);
  const pairs = rawQuery
    .split('&')
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      const dec = (x: string) => decodeURIComponent(x.replace(/\+/g, '%20'));
      return eq === -1 ? [dec(p), ''] : [dec(p.slice(0, eq)), dec(p.slice(eq + 1))];
    });
  const query = new Map(pairs.map(([k, v]) => [k, v]));
  let credential: string, signedHeaders: string, signature: string, amzDate: string, payloadHash: string;
  if (authorization.startsWith('AWS4-HMAC-SHA256 ')) {
    const fields = Object.fromEntries(
      authorization.slice(17).split(',').map((f) => {
        const [k, ...v] = f.trim().split('=');
        return [k, v.join('=')];
      }),
    );
    [credential, signedHeaders, signature] = [fields.Credential ?? '', fields.SignedHeaders ?? '', fields.Signature ?? ''];
    amzDate = one(ctx.headers['x-amz-date']) ?? '';
    payloadHash = one(ctx.headers['x-amz-content-sha256']) ?? '';
  } else if (query.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256') {
    [credential, signedHeaders, signature] = [query.get('X-Amz-Credential') ?? '', query.get('X-Amz-SignedHeaders') ?? '', query.get('X-Amz-Signature') ?? ''];
    amzDate = query.get('X-Amz-Date') ?? '';
    payloadHash = 'UNSIGNED-PAYLOAD';
  } else {
    return next();
  }
  const [accessKeyId, ...scopeParts] = credential.split('/');
  const secret = SECRETS[accessKeyId];
  if (secret === undefined) {
    throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
  }
  const canonicalQuery = pairs
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const names = signedHeaders.split(';');
  const canonicalHeaders = names.map((n) => {
    const v = ctx.headers[n];
    return `${n}:${(Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ')}\n`;
  });
  const canonicalRequest = [ctx.method, rawPath, canonicalQuery, canonicalHeaders.join(''), signedHeaders, payloadHash].join('\n');
  const scope = scopeParts.join('/');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  let key: Buffer | string = `AWS4${secret}`;
  for (const part of scopeParts) key = hmac(key, part);
  const expected = hmac(key, stringToSign).toString('hex');
  if (expected !== signature) {
    throw new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', { AWSAccessKeyId: accessKeyId });
  }
  return next();
};

// ---------------------------------------------------------------- listing

/**
 * Yields the bucket's keys in S3 order, starting after `after`, restricted to
 * `prefix`. s3rver stores key `a/b/c` as file `a/b/c._S3rver_object`, so a key
 * below directory `d` starts with `d/`; sorting each directory's entries by
 * `name` (files) and `name/` (directories) gives the keys in plain string order.
 * Directories wholly before `after` or outside `prefix` are never read.
 */
async function* keysInOrder(root: string, prefix: string, after: string, rel = ''): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(path.join(root, rel), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // removed while listing
    throw err;
  }
  const items: { sortKey: string; dir: boolean; name: string }[] = [];
  for (const e of entries) {
    if (e.isDirectory()) {
      if (e.name.includes(INTERNAL_MARK)) continue; // s3rver's uploads folder
      items.push({ sortKey: `${rel}${e.name}/`, dir: true, name: e.name });
    } else if (e.name.endsWith(OBJECT_SUFFIX)) {
      items.push({ sortKey: `${rel}${e.name.slice(0, -OBJECT_SUFFIX.length)}`, dir: false, name: e.name });
    }
  }
  items.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  for (const item of items) {
    const k = item.sortKey;
    if (item.dir) {
      // Every key below starts with k: skip the directory when none can be after
      // `after` or match `prefix`.
      if (k < after && !after.startsWith(k)) continue;
      if (!k.startsWith(prefix) && !prefix.startsWith(k)) continue;
      yield* keysInOrder(root, prefix, after, k);
    } else if (k > after && k.startsWith(prefix)) {
      yield k;
    }
  }
}

interface ListPage {
  contents: string[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned: where the next page starts. */
  last?: string;
}

async function listPage(root: string, prefix: string, delimiter: string, after: string, maxKeys: number): Promise<ListPage> {
  const page: ListPage = { contents: [], commonPrefixes: [], truncated: false };
  let count = 0;
  let lastPrefix: string | undefined;
  for await (const key of keysInOrder(root, prefix, after)) {
    let item = key;
    let isPrefix = false;
    if (delimiter) {
      const idx = key.indexOf(delimiter, prefix.length);
      if (idx !== -1) {
        item = key.slice(0, idx + delimiter.length);
        isPrefix = true;
        // A marker that is itself a common prefix means "everything under it was listed".
        if (item === lastPrefix || item <= after) continue;
      }
    }
    if (count === maxKeys) {
      page.truncated = true;
      break;
    }
    count++;
    page.last = item;
    if (isPrefix) {
      page.commonPrefixes.push(item);
      lastPrefix = item;
    } else {
      page.contents.push(key);
    }
  }
  return page;
}

/** Size, time and ETag of a listed key: a stat and the stored MD5 (s3rver's getMetadata also parses a JSON file per key). */
async function listingMetadata(store: S3rverStore, bucket: string, key: string): Promise<Record<string, string | number> | undefined> {
  const file = store.getResourcePath(bucket, key, 'object');
  try {
    const [info, md5] = await Promise.all([stat(file), readFile(`${file}.md5`, 'utf8')]);
    return { 'last-modified': info.mtime.toUTCString(), 'content-length': info.size, etag: JSON.stringify(md5) };
  } catch {
    // No stored MD5 yet (s3rver computes it), or deleted between the walk and now.
    return store.getMetadata(bucket, key).catch(() => undefined);
  }
}

function encodeToken(last: string): string {
  return Buffer.from(last, 'utf8').toString('base64url');
}

const listObjects: Handler = async (ctx, bucket) => {
  const q = ctx.query;
  const v2 = one(q['list-type']) === '2';
  const prefix = one(q.prefix) ?? '';
  const delimiter = one(q.delimiter) ?? '';
  const maxKeysText = one(q['max-keys']);
  let maxKeys = 1000;
  if (maxKeysText !== undefined) {
    if (!/^\d+$/.test(maxKeysText)) throw new S3Error('InvalidArgument', 'max-keys must be a non-negative integer', { ArgumentName: 'max-keys' });
    maxKeys = Math.min(1000, Number(maxKeysText));
  }
  const token = one(q['continuation-token']);
  let after: string;
  if (v2) {
    if (token !== undefined) {
      after = Buffer.from(token, 'base64url').toString('utf8');
      if (!token || encodeToken(after) !== token) {
        throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
      }
    } else {
      after = one(q['start-after']) ?? '';
    }
  } else {
    after = one(q.marker) ?? '';
  }
  const urlEncode = one(q['encoding-type']) === 'url';
  const enc = (s: string) => xml(urlEncode ? encodeURIComponent(s).replace(/%2F/g, '/') : s);

  const store = ctx.app.store;
  const root = store.getBucketPath(bucket);
  const page = await listPage(root, prefix, delimiter, after, maxKeys);
  const metadata = await Promise.all(page.contents.map((k) => listingMetadata(store, bucket, k)));

  const parts: string[] = [`<ListBucketResult xmlns="${XMLNS}">`, `<Name>${xml(bucket)}</Name>`, `<Prefix>${enc(prefix)}</Prefix>`];
  if (v2) {
    if (token !== undefined) parts.push(`<ContinuationToken>${xml(token)}</ContinuationToken>`);
    if (one(q['start-after']) !== undefined) parts.push(`<StartAfter>${enc(after)}</StartAfter>`);
    parts.push(`<KeyCount>${page.contents.length + page.commonPrefixes.length}</KeyCount>`);
  } else {
    parts.push(`<Marker>${enc(after)}</Marker>`);
  }
  parts.push(`<MaxKeys>${maxKeys}</MaxKeys>`);
  if (delimiter) parts.push(`<Delimiter>${enc(delimiter)}</Delimiter>`);
  if (urlEncode) parts.push('<EncodingType>url</EncodingType>');
  parts.push(`<IsTruncated>${page.truncated}</IsTruncated>`);
  if (page.truncated && page.last !== undefined) {
    parts.push(v2 ? `<NextContinuationToken>${encodeToken(page.last)}</NextContinuationToken>` : `<NextMarker>${enc(page.last)}</NextMarker>`);
  }
  page.contents.forEach((key, i) => {
    const m = metadata[i];
    if (!m) return; // deleted between the walk and the stat
    parts.push(
      `<Contents><Key>${enc(key)}</Key><LastModified>${new Date(String(m['last-modified'])).toISOString()}</LastModified>` +
        `<ETag>${xml(String(m.etag))}</ETag><Size>${Number(m['content-length'])}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    );
  });
  for (const p of page.commonPrefixes) parts.push(`<CommonPrefixes><Prefix>${enc(p)}</Prefix></CommonPrefixes>`);
  parts.push('</ListBucketResult>');
  sendXml(ctx, parts.join(''));
};

// ---------------------------------------------------------------- multipart

function uploadsDir(store: S3rverStore, bucket: string): string {
  return store.getResourcePath(bucket, undefined, 'uploads');
}

async function uploadKey(store: S3rverStore, bucket: string, uploadId: string): Promise<string> {
  if (!/^[0-9a-f]+$/.test(uploadId)) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
  try {
    return await readFile(path.join(uploadsDir(store, bucket), uploadId, 'key'), 'utf8');
  } catch {
    throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
  }
}

const listMultipartUploads: Handler = async (ctx, bucket) => {
  const prefix = one(ctx.query.prefix) ?? '';
  const dir = uploadsDir(ctx.app.store, bucket);
  const ids = (await exists(dir)) ? await readdir(dir) : [];
  const uploads: { key: string; id: string; initiated: Date }[] = [];
  for (const id of ids) {
    try {
      const key = await readFile(path.join(dir, id, 'key'), 'utf8');
      if (key.startsWith(prefix)) uploads.push({ key, id, initiated: (await stat(path.join(dir, id, 'key'))).mtime });
    } catch {
      // completed or aborted while listing
    }
  }
  uploads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : 1));
  const body = [
    `<ListMultipartUploadsResult xmlns="${XMLNS}"><Bucket>${xml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>`,
    `<Prefix>${xml(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>`,
    ...uploads.map(
      (u) =>
        `<Upload><Key>${xml(u.key)}</Key><UploadId>${u.id}</UploadId><Initiator><ID>S3RVER</ID><DisplayName>S3RVER</DisplayName></Initiator>` +
        `<Owner><ID>S3RVER</ID><DisplayName>S3RVER</DisplayName></Owner><StorageClass>STANDARD</StorageClass><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`,
    ),
    '</ListMultipartUploadsResult>',
  ];
  sendXml(ctx, body.join(''));
};

const listParts: Handler = async (ctx, bucket, key) => {
  const uploadId = one(ctx.query.uploadId) ?? '';
  const store = ctx.app.store;
  if ((await uploadKey(store, bucket, uploadId)) !== key) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
  const dir = path.join(uploadsDir(store, bucket), uploadId);
  const numbers = (await readdir(dir)).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  const marker = Number(one(ctx.query['part-number-marker']) ?? 0);
  const parts: string[] = [];
  for (const n of numbers.filter((x) => x > marker)) {
    const info = await stat(path.join(dir, String(n)));
    const md5 = await readFile(path.join(dir, `${n}.md5`), 'utf8').catch(() => '');
    parts.push(`<Part><PartNumber>${n}</PartNumber><LastModified>${info.mtime.toISOString()}</LastModified><ETag>"${md5}"</ETag><Size>${info.size}</Size></Part>`);
  }
  sendXml(
    ctx,
    `<ListPartsResult xmlns="${XMLNS}"><Bucket>${xml(bucket)}</Bucket><Key>${xml(key)}</Key><UploadId>${uploadId}</UploadId>` +
      `<PartNumberMarker>${marker}</PartNumberMarker><NextPartNumberMarker>${numbers.at(-1) ?? 0}</NextPartNumberMarker>` +
      `<MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated><StorageClass>STANDARD</StorageClass>${parts.join('')}</ListPartsResult>`,
  );
};

const abortMultipartUpload: Handler = async (ctx, bucket, key) => {
  const uploadId = one(ctx.query.uploadId) ?? '';
  const store = ctx.app.store;
  if ((await uploadKey(store, bucket, uploadId)) !== key) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
  await rm(path.join(uploadsDir(store, bucket), uploadId), { recursive: true, force: true });
  ctx.status = 204;
  ctx.body = '';
};

const uploadPartCopy: Handler = async (ctx, bucket, key) => {
  const uploadId = one(ctx.query.uploadId) ?? '';
  const partNumber = Number(one(ctx.query.partNumber));
  const store = ctx.app.store;
  if ((await uploadKey(store, bucket, uploadId)) !== key) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000', { ArgumentName: 'partNumber' });
  }
  const source = decodeURIComponent(one(ctx.headers['x-amz-copy-source']) ?? '').replace(/^\//, '');
  const slash = source.indexOf('/');
  const srcBucket = source.slice(0, slash);
  const srcKey = source.slice(slash + 1);
  const range = /^bytes=(\d+)-(\d+)$/.exec(one(ctx.headers['x-amz-copy-source-range']) ?? '');
  const object = await store.getObject(srcBucket, srcKey, range ? { start: Number(range[1]), end: Number(range[2]) } : undefined);
  if (slash <= 0 || !object?.content) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: srcKey });
  const { md5 } = await store.putPart(bucket, uploadId, partNumber, object.content);
  sendXml(ctx, `<CopyPartResult xmlns="${XMLNS}"><LastModified>${new Date().toISOString()}</LastModified><ETag>"${md5}"</ETag></CopyPartResult>`);
};

// ---------------------------------------------------------------- delete

async function readBody(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Removes an object's files, then its directories while they are empty.
 * (s3rver's own deleteObject reads the whole parent directory after every
 * delete, which makes deleting a thousand blobs of one shard quadratic.)
 */
async function deleteStoredObject(store: S3rverStore, bucket: string, key: string): Promise<void> {
  const file = store.getResourcePath(bucket, key, 'object');
  await Promise.all(
    [file, `${file}.md5`, store.getResourcePath(bucket, key, 'metadata.json')].map((f) => rm(f, { force: true })),
  );
  const bucketDir = store.getBucketPath(bucket);
  for (let dir = path.dirname(file); dir.startsWith(`${bucketDir}${path.sep}`); dir = path.dirname(dir)) {
    try {
      await rmdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return; // not empty: nor are its parents
    }
  }
}

const deleteObjects: Handler = async (ctx, bucket, _key, failDeletes) => {
  const body = await readBody(ctx.req);
  if (!/<Delete[\s>]/.test(body)) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
  const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(body);
  const keys = [...body.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => unxml(m[1]));
  if (keys.length === 0 || keys.length > 1000) {
    throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
  }
  const store = ctx.app.store;
  const out: string[] = [];
  // One after the other: emptied directories are removed after each delete,
  // which would race when two deletes share a directory.
  for (const key of keys) {
    if (failDeletes.has(key)) {
      out.push(`<Error><Key>${xml(key)}</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`);
      continue;
    }
    await deleteStoredObject(store, bucket, key);
    if (!quiet) out.push(`<Deleted><Key>${xml(key)}</Key></Deleted>`);
  }
  sendXml(ctx, `<DeleteResult xmlns="${XMLNS}">${out.join('')}</DeleteResult>`);
};
