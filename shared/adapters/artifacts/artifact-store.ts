// Run artifacts (snapshots, plan files, reports) behind one interface, so the
// same task functions run against S3 on AWS and a local folder on a laptop.
import { gunzipSync, gzipSync } from 'node:zlib';
import { ArtifactsError } from '../../workflow/contracts.js';

/** Stores and reads the files of runs by key (`runs/<id>/plan/blobs.json`). */
export interface ArtifactStore {
  put(key: string, body: Buffer | string, contentType: string): Promise<void>;
  /** Throws {@link ArtifactsError} when the key does not exist. */
  get(key: string): Promise<Buffer>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Where a key lives, for messages (`s3://bucket/key`, `/path/key`). */
  locate(key: string): string;
}

/** Writes a value as JSON. */
export async function putJson(store: ArtifactStore, key: string, value: unknown): Promise<void> {
  await store.put(key, JSON.stringify(value), 'application/json');
}

/** Reads a JSON value; a body that does not parse is an {@link ArtifactsError} naming the key. */
export async function getJson<T>(store: ArtifactStore, key: string): Promise<T> {
  const body = await store.get(key);
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch (err) {
    throw new ArtifactsError(key, 'is not valid JSON', { cause: err });
  }
}

/** Writes a value as gzip-compressed JSON (snapshots: they are large and compress ~10x). */
export async function putGzipJson(store: ArtifactStore, key: string, value: unknown): Promise<void> {
  await store.put(key, gzipSync(JSON.stringify(value)), 'application/gzip');
}

/** Reads gzip-compressed JSON. */
export async function getGzipJson<T>(store: ArtifactStore, key: string): Promise<T> {
  const body = await store.get(key);
  try {
    return JSON.parse(gunzipSync(body).toString('utf8')) as T;
  } catch (err) {
    throw new ArtifactsError(key, 'is not gzip-compressed JSON', { cause: err });
  }
}

/** Rejects keys that could escape the store's root (`..`, absolute paths). */
export function checkKey(key: string): string {
  if (!key || key.startsWith('/') || key.split('/').some((p) => p === '..' || p === '.') || key.includes('\\')) {
    throw new ArtifactsError(key, 'is not a valid artifact key');
  }
  return key;
}
