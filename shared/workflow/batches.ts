// The five batch tasks inside the Distributed Maps. Each tries every item of
// its batch once (the adapters retry their own requests), and throws
// BatchItemsFailedError with the failed items when any failed (or, when the
// registry answered that no delete can work, that answer's error), so the Map
// fails and nothing after it (stream updates, Image deletes) runs.
import { runBatch } from '../adapters/registry/batch.js';
import { isFatalRegistryError } from '../adapters/errors.js';
import type { BlobDeleter, ImageDeleter, ImageStreamUpdater, ItemResult, ItemStatus, LayerLinkDeleter, ManifestDeleter } from '../core/ports.js';
import type { RepositoryLink, StreamUpdate } from '../core/plan-types.js';
import type { BatchEvent, BatchResult, BlobItem, DeletionKind, ImageItem } from './contracts.js';
import { BatchItemsFailedError, describeFailedItems, REGISTRY_ANSWER_ERRORS } from './contracts.js';
import type { ItemPolicy } from './run-items.js';
import { DEFAULT_ITEM_POLICY } from './run-items.js';
import { takesBlobBatches } from './storage-blobs.js';

async function runTask<T>(kind: DeletionKind, event: BatchEvent<T>, act: (item: T) => Promise<ItemStatus>, name: (item: T) => string, policy: ItemPolicy): Promise<BatchResult> {
  // runBatch keeps `err.name` in each reason and, after an error every further
  // request would hit too, marks the items it did not start as not attempted.
  let answer: Error | undefined;
  const work = async (item: T): Promise<ItemStatus> => {
    try {
      return await act(item);
    } catch (err) {
      if (err instanceof Error && isFatalRegistryError(err) && REGISTRY_ANSWER_ERRORS.includes(err.name)) answer ??= err;
      throw err;
    }
  };
  const results = await runBatch(event.Items, work, { concurrency: policy.concurrency });
  return settle(kind, results, name, answer);
}

/** Counts of a carried-out batch, or the error that fails it. */
function settle<T>(kind: DeletionKind, results: readonly ItemResult<T>[], name: (item: T) => string, answer?: Error): BatchResult {
  const failed = results.filter((r) => r.status === 'failed').map((f) => ({ item: name(f.item), reason: f.reason ?? 'failed' }));
  const counts = { done: results.filter((r) => r.status === 'done').length, gone: results.filter((r) => r.status === 'gone').length };
  // The message carries how the other items went: the report counts them from it.
  if (answer !== undefined) throw sameErrorFor(answer, describeFailedItems(kind, failed, results.length, counts));
  if (failed.length > 0) throw new BatchItemsFailedError(kind, failed, results.length, counts);
  return { kind, ...counts };
}

/**
 * The batch's failure as an error of the registry answer's own class and name
 * (`RegistryDeleteDisabledError`, ...): Step Functions matches the name, and
 * retrying the batch cannot change the answer (NOT_RETRIED). An unreachable
 * registry stays a BatchItemsFailedError, which is retried once: it may come back.
 */
function sameErrorFor(answer: Error, message: string): Error {
  // Every registry error class takes (message, {cause}).
  const Same = answer.constructor as new (message: string, options?: { cause?: unknown }) => Error;
  return new Same(message, { cause: answer });
}

const linkName = (l: RepositoryLink) => `${l.repository}@${l.digest}`;

/** "Delete a batch of layer links". */
export function deleteLayerLinks(event: BatchEvent<RepositoryLink>, deleter: LayerLinkDeleter, policy = DEFAULT_ITEM_POLICY): Promise<BatchResult> {
  return runTask('layerLinks', event, (l) => deleter.deleteLayerLink(l.repository, l.digest), linkName, policy);
}

/**
 * "Delete a batch of blobs". A deleter that takes whole batches (registry
 * storage) gets the batch in one call: on S3 that is one DeleteObjects request
 * per 1,000 blobs rather than one per `concurrency` blobs.
 */
export async function deleteBlobs(event: BatchEvent<BlobItem>, deleter: BlobDeleter, policy = DEFAULT_ITEM_POLICY): Promise<BatchResult> {
  if (takesBlobBatches(deleter)) {
    const results = await deleter.deleteBlobBatch(event.Items.map((b) => b.digest));
    return settle('blobs', results, (d) => d);
  }
  return runTask('blobs', event, (b) => deleter.deleteBlob(b.digest), (b) => b.digest, policy);
}

/** "Delete a batch of manifests". */
export function deleteManifests(event: BatchEvent<RepositoryLink>, deleter: ManifestDeleter, policy = DEFAULT_ITEM_POLICY): Promise<BatchResult> {
  return runTask('manifests', event, (l) => deleter.deleteManifest(l.repository, l.digest), linkName, policy);
}

/** "Update a batch of image streams". */
export function updateImageStreams(event: BatchEvent<StreamUpdate>, updater: ImageStreamUpdater, policy = DEFAULT_ITEM_POLICY): Promise<BatchResult> {
  return runTask('streamUpdates', event, (u) => updater.updateImageStream(u), (u) => `${u.namespace}/${u.name}`, policy);
}

/** "Delete a batch of images". */
export function deleteImages(event: BatchEvent<ImageItem>, deleter: ImageDeleter, policy = DEFAULT_ITEM_POLICY): Promise<BatchResult> {
  return runTask('images', event, (i) => deleter.deleteImage(i.name), (i) => i.name, policy);
}
