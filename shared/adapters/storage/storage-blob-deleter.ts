// Blob deletion straight in the registry's storage: the way to delete blobs
// behind a plain distribution registry, which has no admin endpoint. Callers
// delete one blob at a time (the BlobDeleter port), often many at once; calls
// that arrive together are gathered into one batch, so that on S3 a thousand
// concurrent deletions cost one list per shard and one DeleteObjects request.
import { PROBE_DIGEST, type BlobDeleter, type ItemStatus } from '../../core/ports.js';
import { StorageBlobDeleteError } from '../errors.js';
import type { RegistryStorage } from './registry-storage.js';

interface Waiter {
  digest: string;
  resolve: (status: ItemStatus) => void;
  reject: (err: unknown) => void;
}

/** Deletes blobs from a registry's storage; a blob that is not there is `gone`. */
export class StorageBlobDeleter implements BlobDeleter {
  private queue: Waiter[] = [];
  private scheduled = false;

  constructor(
    private readonly storage: RegistryStorage,
    private readonly maxBatch = 1000,
  ) {}

  /** Resolves 'done' or 'gone'; a blob that could not be deleted rejects with StorageBlobDeleteError naming it and why. */
  deleteBlob(digest: string): Promise<ItemStatus> {
    return new Promise<ItemStatus>((resolve, reject) => {
      this.queue.push({ digest, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // Let every call made in this turn of the event loop join the batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Reads a blob no registry holds: proves the storage answers and can be read, deleting nothing. */
  async checkBlobDelete(): Promise<void> {
    await this.storage.readBlob(PROBE_DIGEST, { maxBytes: 1 });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const waiting = new Map<string, Waiter[]>();
      for (const w of batch) waiting.set(w.digest, [...(waiting.get(w.digest) ?? []), w]);
      try {
        for await (const r of this.storage.deleteBlobs(waiting.keys())) {
          for (const w of waiting.get(r.item) ?? []) {
            if (r.status === 'failed') w.reject(new StorageBlobDeleteError(r.item, this.storage.location, r.reason ?? 'unknown error'));
            else w.resolve(r.status);
          }
          waiting.delete(r.item);
        }
        for (const [digest, ws] of waiting) for (const w of ws) w.reject(new StorageBlobDeleteError(digest, this.storage.location, 'no result from storage'));
      } catch (err) {
        for (const ws of waiting.values()) for (const w of ws) w.reject(err);
      }
    }
    this.scheduled = false;
  }
}
