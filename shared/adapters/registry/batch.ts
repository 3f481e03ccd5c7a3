// Runs many deletions with a bounded number in flight and reports each one.
// One item failing does not stop the others; an error that every further
// request would hit too (registry down, deleting disabled, no such endpoint,
// bad token) stops new items from starting, and those are reported as not
// attempted, so nothing is mistaken for done.
import { InvalidInputError } from '../../core/errors.js';
import type {
  BlobDeleter,
  ItemResult,
  ItemStatus,
  LayerLinkDeleter,
  ManifestDeleter,
} from '../../core/ports.js';
import type { RepositoryLink } from '../../core/plan-types.js';
import { isFatalRegistryError } from '../errors.js';

/** How a batch runs. */
export interface BatchOptions<T> {
  /** Items in flight at once, at least 1. */
  concurrency: number;
  /** Called as each item ends (progress, logs). */
  onResult?: (result: ItemResult<T>) => void;
}

/**
 * Calls `work` for every item with at most `concurrency` in flight; returns one
 * result per item, in the items' order. Never rejects because of an item.
 */
export async function runBatch<T>(
  items: readonly T[],
  work: (item: T) => Promise<ItemStatus>,
  opts: BatchOptions<T>,
): Promise<ItemResult<T>[]> {
  const { concurrency } = opts;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidInputError(`batch concurrency: ${concurrency} is not a whole number of at least 1`);
  }
  const results = new Array<ItemResult<T>>(items.length);
  let next = 0;
  let stopReason: string | undefined;
  const record = (index: number, result: ItemResult<T>) => {
    results[index] = result;
    opts.onResult?.(result);
  };
  const worker = async () => {
    while (next < items.length && stopReason === undefined) {
      const index = next++;
      const item = items[index];
      try {
        const status = await work(item);
        record(index, status === 'failed' ? { item, status, reason: 'failed' } : { item, status });
      } catch (err) {
        const reason = oneLine(err);
        if (isFatalRegistryError(err)) stopReason ??= reason;
        record(index, { item, status: 'failed', reason });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  for (let i = next; i < items.length; i++) {
    record(i, { item: items[i], status: 'failed', reason: `not attempted: ${stopReason}` });
  }
  return results;
}

/** Deletes manifest links (`repository@digest`) in a batch. */
export function deleteManifests(
  deleter: ManifestDeleter,
  links: readonly RepositoryLink[],
  opts: BatchOptions<RepositoryLink>,
): Promise<ItemResult<RepositoryLink>[]> {
  return runBatch(links, (l) => deleter.deleteManifest(l.repository, l.digest), opts);
}

/** Deletes repository layer links in a batch. */
export function deleteLayerLinks(
  deleter: LayerLinkDeleter,
  links: readonly RepositoryLink[],
  opts: BatchOptions<RepositoryLink>,
): Promise<ItemResult<RepositoryLink>[]> {
  return runBatch(links, (l) => deleter.deleteLayerLink(l.repository, l.digest), opts);
}

/** Deletes blobs in a batch. */
export function deleteBlobs(
  deleter: BlobDeleter,
  digests: readonly string[],
  opts: BatchOptions<string>,
): Promise<ItemResult<string>[]> {
  return runBatch(digests, (d) => deleter.deleteBlob(d), opts);
}

/** Counts of a batch's results, for reports. */
export function summarize<T>(results: readonly ItemResult<T>[]): Record<ItemStatus, number> {
  const counts: Record<ItemStatus, number> = { done: 0, gone: 0, failed: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.replace(/\s*\n\s*/g, ' ');
}
