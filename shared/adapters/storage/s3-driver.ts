// The registry's S3 storage (distribution's `s3` driver): keys are
// `<rootdirectory>/docker/registry/v2/...` in one bucket. Listing is paged with
// ListObjectsV2 (`pageSize` keys a page); deletion lists the keys below each
// tree and removes them with DeleteObjects, 1,000 keys a request, carrying keys
// over from one tree to the next so that N one-file trees cost ceil(N/1000)
// deletes. Per-key errors from DeleteObjects become per-tree results.
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { StorageAccessError, StorageLayoutError, failureReason } from '../errors.js';
import type { ChildEntry, FileEntry, StorageDriver, TreeDeletion } from './driver.js';

/** DeleteObjects takes at most this many keys. */
export const DELETE_BATCH = 1000;

/** How to reach the registry's bucket. */
export interface S3DriverOptions {
  client: S3Client;
  bucket: string;
  /** The registry's `rootdirectory` (leading and trailing slashes do not matter); default the bucket's top. */
  root?: string;
  /** Keys per list request (1..1000); default 1000. Small values force paging in tests. */
  pageSize?: number;
  /** List requests in flight at once while finding the keys of trees to delete; default 8. */
  listConcurrency?: number;
}

/** Storage in an S3 bucket (the registry's `storage.s3`). */
export class S3Driver implements StorageDriver {
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  /** Key prefix of the root: "" or "some/root/". */
  private readonly prefix: string;
  private readonly pageSize: number;
  private readonly listConcurrency: number;

  constructor(options: S3DriverOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    const root = (options.root ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = root ? `${root}/` : '';
    this.pageSize = Math.max(1, Math.min(1000, options.pageSize ?? 1000));
    this.listConcurrency = Math.max(1, options.listConcurrency ?? 8);
    this.location = `s3://${this.bucket}/${root}`;
  }

  locate(path: string): string {
    return `s3://${this.bucket}/${this.prefix}${path}`;
  }

  /** Pages of ListObjectsV2 below `keyPrefix`; errors name the location. */
  private async *pages(keyPrefix: string, opts: { delimiter?: string; startAfter?: string } = {}) {
    let token: string | undefined;
    do {
      let res;
      try {
        res = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: keyPrefix,
            Delimiter: opts.delimiter,
            MaxKeys: this.pageSize,
            StartAfter: token ? undefined : opts.startAfter,
            ContinuationToken: token,
          }),
        );
      } catch (err) {
        throw new StorageAccessError(`s3://${this.bucket}/${keyPrefix}`, `cannot list: ${failureReason(err)}`, { cause: err });
      }
      yield res;
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
      if (res.IsTruncated && !token) {
        throw new StorageAccessError(`s3://${this.bucket}/${keyPrefix}`, 'cannot list: a truncated page came without a continuation token');
      }
    } while (token);
  }

  async *children(dir: string): AsyncIterable<ChildEntry> {
    const keyPrefix = this.prefix + dir;
    for await (const page of this.pages(keyPrefix, { delimiter: '/' })) {
      for (const o of page.Contents ?? []) if (o.Key && o.Key.length > keyPrefix.length) yield { name: o.Key.slice(keyPrefix.length), dir: false };
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) yield { name: p.Prefix.slice(keyPrefix.length, -1), dir: true };
    }
  }

  async *files(dir: string): AsyncIterable<FileEntry> {
    for await (const page of this.pages(this.prefix + dir)) {
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        yield { path: o.Key.slice(this.prefix.length), size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
      }
    }
  }

  async read(path: string, maxBytes: number): Promise<Buffer | undefined> {
    let res;
    try {
      res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + path }));
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
      throw new StorageAccessError(this.locate(path), `cannot read: ${failureReason(err)}`, { cause: err });
    }
    if ((res.ContentLength ?? 0) > maxBytes) {
      await res.Body?.transformToWebStream().cancel();
      throw new StorageLayoutError(this.locate(path), `is ${res.ContentLength} bytes, more than the ${maxBytes} this reads`);
    }
    return Buffer.from((await res.Body?.transformToByteArray()) ?? []);
  }

  async write(path: string, data: Buffer): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + path, Body: data, ContentType: 'application/octet-stream' }));
    } catch (err) {
      throw new StorageAccessError(this.locate(path), `cannot write: ${failureReason(err)}`, { cause: err });
    }
  }

  async *deleteTrees(dirs: AsyncIterable<string> | Iterable<string>): AsyncIterable<TreeDeletion> {
    const seen = new Set<string>();
    const open = new Map<string, { remaining: number; reason?: string }>();
    const pending: { key: string; dir: string }[] = [];
    const ready: TreeDeletion[] = [];

    const settle = (dir: string, reason?: string) => {
      const state = open.get(dir)!;
      state.remaining--;
      if (reason && !state.reason) state.reason = reason;
      if (state.remaining === 0) {
        open.delete(dir);
        ready.push(state.reason ? { dir, status: 'failed', reason: state.reason } : { dir, status: 'done' });
      }
    };
    const flush = async (batch: { key: string; dir: string }[]) => {
      let errors: Map<string, string>;
      try {
        const res = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((b) => ({ Key: b.key })), Quiet: true } }),
        );
        errors = new Map((res.Errors ?? []).map((e) => [e.Key ?? '', `${e.Code ?? 'error'} deleting s3://${this.bucket}/${e.Key}`]));
      } catch (err) {
        const reason = `DeleteObjects failed: ${failureReason(err)}`;
        errors = new Map(batch.map((b) => [b.key, reason]));
      }
      for (const b of batch) settle(b.dir, errors.get(b.key));
    };

    const take = async function* (source: AsyncIterable<string> | Iterable<string>, size: number) {
      let chunk: string[] = [];
      for await (const d of source) {
        chunk.push(d);
        if (chunk.length === size) {
          yield chunk;
          chunk = [];
        }
      }
      if (chunk.length) yield chunk;
    };

    for await (const chunk of take(dirs, DELETE_BATCH)) {
      const fresh = chunk.filter((d) => !seen.has(d) && (seen.add(d), true));
      const found = await this.keysBelow(fresh);
      for (const dir of fresh) {
        const keys = found.get(dir)!;
        if (typeof keys === 'string') ready.push({ dir, status: 'failed', reason: keys });
        else if (keys.length === 0) ready.push({ dir, status: 'gone' });
        else {
          open.set(dir, { remaining: keys.length });
          for (const key of keys) pending.push({ key, dir });
        }
      }
      while (pending.length >= DELETE_BATCH) await flush(pending.splice(0, DELETE_BATCH));
      yield* ready.splice(0);
    }
    while (pending.length > 0) await flush(pending.splice(0, DELETE_BATCH));
    yield* ready.splice(0);
  }

  /**
   * The keys below each directory, or why they could not be listed. Sibling
   * trees (blobs of one 2-hex shard) share one ranged listing of their parent,
   * from the first to the last of them, instead of one listing each.
   */
  private async keysBelow(dirs: string[]): Promise<Map<string, string[] | string>> {
    const out = new Map<string, string[] | string>();
    const byParent = new Map<string, string[]>();
    for (const dir of dirs) {
      const trimmed = dir.replace(/\/$/, '');
      const parent = trimmed.slice(0, trimmed.lastIndexOf('/') + 1);
      const names = byParent.get(parent) ?? [];
      names.push(trimmed.slice(parent.length));
      byParent.set(parent, names);
    }
    const jobs = [...byParent.entries()];
    const worker = async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        const [parent, names] = job;
        try {
          if (names.length === 1) {
            const keys: string[] = [];
            for await (const page of this.pages(`${this.prefix}${parent}${names[0]}/`)) for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
            out.set(`${parent}${names[0]}/`, keys);
            continue;
          }
          names.sort();
          const wanted = new Map(names.map((n) => [n, [] as string[]]));
          const parentKey = this.prefix + parent;
          const lastDir = `${names[names.length - 1]}/`;
          // Every key of the first tree sorts after "<parent><first>"; the first
          // key past every "<parent><last>/..." ends the range.
          scan: for await (const page of this.pages(parentKey, { startAfter: parentKey + names[0] })) {
            for (const o of page.Contents ?? []) {
              if (!o.Key) continue;
              const rest = o.Key.slice(parentKey.length);
              if (rest > lastDir && !rest.startsWith(lastDir)) break scan;
              const slash = rest.indexOf('/');
              if (slash !== -1) wanted.get(rest.slice(0, slash))?.push(o.Key);
            }
          }
          for (const [n, keys] of wanted) out.set(`${parent}${n}/`, keys);
        } catch (err) {
          const reason = err instanceof StorageAccessError ? err.message : failureReason(err);
          for (const n of names) out.set(`${parent}${n}/`, reason);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.listConcurrency, jobs.length) }, worker));
    return out;
  }

  async removeEmptyDirs(): Promise<void> {
    // S3 has no directories: a prefix with no keys does not exist.
  }
}
