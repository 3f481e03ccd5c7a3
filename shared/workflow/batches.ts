// The five batch tasks inside the Distributed Maps. Each tries every item of
// its batch, retries transient failures, and throws BatchItemsFailedError with
// the failed items when any still fails, so the Map fails and nothing after it
// (stream updates, Image deletes) runs.
import type { BlobDeleter, ImageDeleter, ImageStreamUpdater, ItemResult, ItemStatus, LayerLinkDeleter, ManifestDeleter } from '../core/ports.js';
import type { RepositoryLink, StreamUpdate } from '../core/plan-types.js';
import type { BatchEvent, BatchResult, BlobItem, DeletionKind, ImageItem } from './contracts.js';
import { BatchItemsFailedError } from './contracts.js';
import type { ItemRetryPolicy } from './run-items.js';
import { DEFAULT_ITEM_RETRY, runItems } from './run-items.js';

async function runBatch<T>(kind: DeletionKind, event: BatchEvent<T>, act: (item: T) => Promise<ItemStatus>, name: (item: T) => string, policy: ItemRetryPolicy): Promise<BatchResult> {
  const results: ItemResult<T>[] = await runItems(event.Items, act, policy);
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length > 0) {
    throw new BatchItemsFailedError(kind, failed.map((f) => ({ item: name(f.item), reason: f.reason ?? 'failed' })), results.length);
  }
  return { kind, done: results.filter((r) => r.status === 'done').length, gone: results.filter((r) => r.status === 'gone').length };
}

const linkName = (l: RepositoryLink) => `${l.repository}@${l.digest}`;

/** "Delete a batch of layer links". */
export function deleteLayerLinks(event: BatchEvent<RepositoryLink>, deleter: LayerLinkDeleter, policy = DEFAULT_ITEM_RETRY): Promise<BatchResult> {
  return runBatch('layerLinks', event, (l) => deleter.deleteLayerLink(l.repository, l.digest), linkName, policy);
}

/** "Delete a batch of blobs". */
export function deleteBlobs(event: BatchEvent<BlobItem>, deleter: BlobDeleter, policy = DEFAULT_ITEM_RETRY): Promise<BatchResult> {
  return runBatch('blobs', event, (b) => deleter.deleteBlob(b.digest), (b) => b.digest, policy);
}

/** "Delete a batch of manifests". */
export function deleteManifests(event: BatchEvent<RepositoryLink>, deleter: ManifestDeleter, policy = DEFAULT_ITEM_RETRY): Promise<BatchResult> {
  return runBatch('manifests', event, (l) => deleter.deleteManifest(l.repository, l.digest), linkName, policy);
}

/** "Update a batch of image streams". */
export function updateImageStreams(event: BatchEvent<StreamUpdate>, updater: ImageStreamUpdater, policy = DEFAULT_ITEM_RETRY): Promise<BatchResult> {
  return runBatch('streamUpdates', event, (u) => updater.updateImageStream(u), (u) => `${u.namespace}/${u.name}`, policy);
}

/** "Delete a batch of images". */
export function deleteImages(event: BatchEvent<ImageItem>, deleter: ImageDeleter, policy = DEFAULT_ITEM_RETRY): Promise<BatchResult> {
  return runBatch('images', event, (i) => deleter.deleteImage(i.name), (i) => i.name, policy);
}
