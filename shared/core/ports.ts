// The narrow interfaces through which a plan is carried out (after openshift/oc's
// five deleters). The core decides; adapters implement these; dry run is an
// adapter that only describes.
import type { StreamUpdate } from './plan-types.js';

/** How one deletion or update ended. `gone` means it was already done (a 404). */
export type ItemStatus = 'done' | 'gone' | 'failed';

export interface ItemResult<T> {
  item: T;
  status: ItemStatus;
  /** Why it failed, in one line (no response bodies, no secrets). */
  reason?: string;
}

/** Removes a manifest from one repository of the registry. */
export interface ManifestDeleter {
  deleteManifest(repository: string, digest: string): Promise<ItemStatus>;
}

/** Removes a repository's link to a layer or config blob. */
export interface LayerLinkDeleter {
  deleteLayerLink(repository: string, digest: string): Promise<ItemStatus>;
}

/**
 * A digest no registry holds (no content hashes to all zeros): what
 * {@link BlobDeleter.checkBlobDelete} asks about, so that nothing is deleted.
 */
export const PROBE_DIGEST = `sha256:${'0'.repeat(64)}`;

/** Deletes a blob from the registry's storage (admin endpoint or storage directly). */
export interface BlobDeleter {
  deleteBlob(digest: string): Promise<ItemStatus>;
  /**
   * Proves, before anything is deleted and without deleting anything, that this
   * deleter can delete blobs at all; throws one line naming what to change.
   */
  checkBlobDelete(): Promise<void>;
}

/** Removes revisions and tags from an image stream's status. */
export interface ImageStreamUpdater {
  updateImageStream(update: StreamUpdate): Promise<ItemStatus>;
}

/** Deletes an Image object from the cluster. */
export interface ImageDeleter {
  deleteImage(name: string): Promise<ItemStatus>;
}

/** Answers whether the registry can be reached and is healthy; throws when not. */
export interface RegistryHealthChecker {
  checkHealth(): Promise<void>;
}
