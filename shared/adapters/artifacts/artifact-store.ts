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

/** Items per piece when a list is written: each piece is its own small string. */
const ARRAY_PIECE_ITEMS = 10_000;

/**
 * The JSON text of a list as one Buffer, made of pieces of
 * {@link ARRAY_PIECE_ITEMS} items: byte for byte `JSON.stringify(items)`, but
 * never one string, so a plan file of millions of items fits (V8 caps a string
 * near 512 MiB; a Buffer is not a string).
 */
export function jsonArrayBuffer(items: readonly unknown[]): Buffer {
  if (items.length <= ARRAY_PIECE_ITEMS) return Buffer.from(JSON.stringify(items));
  const pieces: Buffer[] = [Buffer.from('[')];
  for (let i = 0; i < items.length; i += ARRAY_PIECE_ITEMS) {
    const text = JSON.stringify(items.slice(i, i + ARRAY_PIECE_ITEMS));
    pieces.push(Buffer.from(i === 0 ? text.slice(1, -1) : `,${text.slice(1, -1)}`));
  }
  pieces.push(Buffer.from(']'));
  return Buffer.concat(pieces);
}

/** Writes a value as JSON; a list is written in pieces ({@link jsonArrayBuffer}). */
export async function putJson(store: ArtifactStore, key: string, value: unknown): Promise<void> {
  await store.put(key, Array.isArray(value) ? jsonArrayBuffer(value) : JSON.stringify(value), 'application/json');
}

/** Reads a JSON value; a body that does not parse is an {@link ArtifactsError} naming the key. */
export async function getJson<T>(store: ArtifactStore, key: string): Promise<T> {
  return getJsonOf<T>(key, await store.get(key));
}

/** A list file up to this size is parsed as one string; a larger one item by item (V8 caps a string near 512 MiB). */
const ONE_STRING_BYTES = 256 * 1024 * 1024;

/**
 * Reads a JSON array (a plan file, written by {@link putJson}) into a list,
 * never as one string when it is larger than `oneStringBytes`: then it is
 * parsed item by item from the Buffer (@streamparser/json, loaded only then).
 * A body that is not a JSON array is an {@link ArtifactsError} naming the key.
 */
export async function getJsonArray<T>(store: ArtifactStore, key: string, oneStringBytes = ONE_STRING_BYTES): Promise<T[]> {
  const body = await store.get(key);
  const start = body.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (start < 0 || body[start] !== 0x5b) throw new ArtifactsError(key, 'is not a JSON array');
  if (body.length <= oneStringBytes) {
    const value = await getJsonOf<unknown>(key, body);
    if (!Array.isArray(value)) throw new ArtifactsError(key, 'is not a JSON array');
    return value as T[];
  }
  const { JSONParser } = await import('@streamparser/json');
  const out: T[] = [];
  const parser = new JSONParser({ paths: ['$.*'], keepStack: false });
  parser.onValue = ({ value }) => {
    out.push(value as T);
  };
  try {
    for (let i = 0; i < body.length; i += 1 << 20) parser.write(body.subarray(i, i + (1 << 20)));
    // The parser ends by itself when the array closes; a body cut short has not.
    if (!parser.isEnded) parser.end();
  } catch (err) {
    throw new ArtifactsError(key, 'is not valid JSON', { cause: err });
  }
  return out;
}

async function getJsonOf<T>(key: string, body: Buffer): Promise<T> {
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
