// Blob deletion in the registry's storage for the batch task: the whole batch
// goes to `storage.deleteBlobs` at once, so on S3 a batch of N blobs costs
// ceil(N/1000) DeleteObjects requests (plus one listing per shard), instead of
// one request per handful of blobs that happen to be in flight together.
import { StorageBlobDeleteError } from '../adapters/errors.js';
import type { RegistryStorage } from '../adapters/storage/registry-storage.js';
import { PROBE_DIGEST, type BlobDeleter, type ItemResult, type ItemStatus } from '../core/ports.js';

/** A blob deleter that can also take a whole batch in one call, with one result per digest. */
export interface BlobBatchDeleter extends BlobDeleter {
  /** One result per digest, in the digests' order; never rejects because of one blob. */
  deleteBlobBatch(digests: readonly string[]): Promise<ItemResult<string>[]>;
}

/** True when `deleter` takes whole batches. */
export function takesBlobBatches(deleter: BlobDeleter): deleter is BlobBatchDeleter {
  return typeof (deleter as Partial<BlobBatchDeleter>).deleteBlobBatch === 'function';
}

/** Deletes blobs from a registry's storage, a batch at a time; a blob that is not there is `gone`. */
export class StorageBatchBlobDeleter implements BlobBatchDeleter {
  constructor(private readonly storage: RegistryStorage) {}

  /**
   * Failed items carry `StorageBlobDeleteError: blob <digest> in <location>: <why>`;
   * when the storage call itself fails, every item not yet answered fails with that error.
   */
  async deleteBlobBatch(digests: readonly string[]): Promise<ItemResult<string>[]> {
    const outcomes = await this.outcomes(digests);
    return digests.map((d) => {
      const o = outcomes.get(d)!;
      if (o.status !== 'failed') return { item: d, status: o.status };
      const err = new StorageBlobDeleteError(d, this.storage.location, o.why);
      return { item: d, status: 'failed', reason: `${err.name}: ${err.message}` };
    });
  }

  /** One blob: 'done' or 'gone'; rejects with StorageBlobDeleteError naming it and why. */
  async deleteBlob(digest: string): Promise<ItemStatus> {
    const o = (await this.outcomes([digest])).get(digest)!;
    if (o.status === 'failed') throw new StorageBlobDeleteError(digest, this.storage.location, o.why);
    return o.status;
  }

  /**
   * Reads a blob no registry holds: proves the storage answers and lets this
   * function list and read the blobs, without deleting anything.
   */
  async checkBlobDelete(): Promise<void> {
    await this.storage.readBlob(PROBE_DIGEST, { maxBytes: 1 });
  }

  /** What happened to each digest; every digest has an entry. */
  private async outcomes(digests: readonly string[]): Promise<Map<string, { status: 'done' | 'gone' } | { status: 'failed'; why: string }>> {
    const out = new Map<string, { status: 'done' | 'gone' } | { status: 'failed'; why: string }>();
    let missing = 'no result from storage';
    try {
      for await (const r of this.storage.deleteBlobs(new Set(digests))) {
        out.set(r.item, r.status === 'failed' ? { status: 'failed', why: r.reason ?? 'unknown error' } : { status: r.status });
      }
    } catch (err) {
      // Adapters keep their messages to one line without bodies or secrets.
      missing = err instanceof Error ? `${err.name}: ${err.message}`.replace(/\s*\n\s*/g, ' ') : String(err);
    }
    // Never read a missing answer as done: safety first.
    for (const d of digests) if (!out.has(d)) out.set(d, { status: 'failed', why: missing });
    return out;
  }
}
