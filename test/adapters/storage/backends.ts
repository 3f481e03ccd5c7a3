// The two storage backends every storage test runs on: a filesystem root and a
// bucket on our loopback S3 server. Each gives the adapter under test, a way to
// write raw layout files behind its back, and the registry config that puts the
// real docker-registry on the same storage.
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { openRegistryStorage, type RegistryStorage } from '../../../shared/adapters/storage/index.js';
import { startS3Server, type S3Server } from '../../support/s3-server.js';
import type { RegistryStorage as RegistryStorageConfig } from '../../support/registry.js';

export interface Backend {
  name: 'filesystem' | 's3';
  storage: RegistryStorage;
  /** Writes one file at a path relative to the registry root (e.g. `docker/registry/v2/...`). */
  put(relPath: string, content: string | Buffer): Promise<void>;
  /** The registry's `storage` section for this backend. */
  registryConfig: RegistryStorageConfig;
  /** The S3 server, for request counts and fault injection (s3 only). */
  s3?: S3Server;
  /** A client for the S3 server (s3 only). */
  client?: S3Client;
  /** Opens the same storage again with another S3 page size. */
  reopen(pageSize: number): RegistryStorage;
  stop(): Promise<void>;
}

export const BUCKET = 'registry';
export const S3_ROOT = 'reg/root';

export function s3Client(s3: S3Server): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

/** A fresh, empty backend. `pageSize` sets the S3 list page size (small values force paging). */
export async function startBackend(name: Backend['name'], pageSize = 1000): Promise<Backend> {
  if (name === 'filesystem') {
    const dir = await mkdtemp(path.join(tmpdir(), 'storage-fs-'));
    const root = path.join(dir, 'root');
    await mkdir(root);
    return {
      name,
      storage: openRegistryStorage(`file://${root}`),
      async put(relPath, content) {
        const file = path.join(root, relPath);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, content);
      },
      registryConfig: { filesystem: { rootdirectory: root } },
      reopen: () => openRegistryStorage(`file://${root}`),
      stop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const s3 = await startS3Server({ buckets: [BUCKET] });
  const client = s3Client(s3);
  const open = (size: number) => openRegistryStorage(`s3://${BUCKET}/${S3_ROOT}`, { s3Client: client, pageSize: size });
  return {
    name,
    storage: open(pageSize),
    s3,
    client,
    async put(relPath, content) {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${S3_ROOT}/${relPath}`, Body: content }));
    },
    registryConfig: {
      s3: {
        bucket: BUCKET,
        regionendpoint: s3.endpoint,
        region: s3.region,
        accesskey: s3.accessKeyId,
        secretkey: s3.secretAccessKey,
        rootdirectory: `/${S3_ROOT}`,
        secure: false,
        v4auth: true,
      },
    },
    reopen: open,
    async stop() {
      client.destroy();
      await s3.stop();
    },
  };
}

export const BACKENDS: Backend['name'][] = ['filesystem', 's3'];

/** Collects an async iterable (tests only: the adapter itself never does). */
export async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A digest made from a short label, for tests that need many distinct ones. */
export function digestOf(label: string): string {
  return `sha256:${createHash('sha256').update(label).digest('hex')}`;
}

/** The layout path of a blob's data. */
export function blobPath(digest: string): string {
  const hex = digest.slice(7);
  return `docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
}

/** The layout path of a repository's link file below `_manifests` or `_layers`. */
export function repoPath(repo: string, rest: string): string {
  return `docker/registry/v2/repositories/${repo}/${rest}`;
}
