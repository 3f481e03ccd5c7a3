// The deleters of a dry run: they only describe what they would do. The local
// runner binds these when --confirm is absent, so even a wrong turn in the
// state machine could not delete anything.
import type { BlobDeleter, ImageDeleter, ImageStreamUpdater, ItemStatus, LayerLinkDeleter, ManifestDeleter } from '../core/ports.js';
import type { StreamUpdate } from '../core/plan-types.js';

/** Every deleter port at once, each line of intent handed to `describe`. */
export class DescribingDeleters implements ManifestDeleter, LayerLinkDeleter, BlobDeleter, ImageStreamUpdater, ImageDeleter {
  constructor(private readonly describe: (line: string) => void) {}
  async deleteManifest(repository: string, digest: string): Promise<ItemStatus> {
    this.describe(`would delete manifest ${repository}@${digest}`);
    return 'done';
  }
  async deleteLayerLink(repository: string, digest: string): Promise<ItemStatus> {
    this.describe(`would delete layer link ${repository}@${digest}`);
    return 'done';
  }
  async deleteBlob(digest: string): Promise<ItemStatus> {
    this.describe(`would delete blob ${digest}`);
    return 'done';
  }
  /** Describing needs nothing of the registry. */
  async checkBlobDelete(): Promise<void> {}
  async updateImageStream(update: StreamUpdate): Promise<ItemStatus> {
    this.describe(`would update image stream ${update.namespace}/${update.name} (${update.removed.length} revisions)`);
    return 'done';
  }
  async deleteImage(name: string): Promise<ItemStatus> {
    this.describe(`would delete image ${name}`);
    return 'done';
  }
}
