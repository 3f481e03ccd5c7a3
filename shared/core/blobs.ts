// The blobs of an image (docs/rules.md, "Words"): layers, config and the
// image's own manifest digest.
import type { Image } from './kube-types.js';
import { OCI_MANIFEST_MEDIA_TYPE, SCHEMA2_MEDIA_TYPE, parseManifest } from './manifest.js';
import { isDigest } from './reference.js';

export interface ImageBlobs {
  /** Layer digests, in manifest order, without duplicates. */
  layers: string[];
  /** The config blob (schema 2 / OCI only). */
  config?: string;
  /** The image's own manifest digest (`metadata.name`). */
  manifest: string;
  /** Set when `dockerImageManifest` could not be read. */
  warning?: string;
}

const CONFIG_MEDIA_TYPES = new Set([SCHEMA2_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE]);

function unique(values: string[]): string[] {
  return values.length < 2 ? values : [...new Set(values)];
}

/** Reads the blobs of one image; a manifest that cannot be parsed is a warning, never a throw. */
export function blobsOfImage(image: Image): ImageBlobs {
  const name = image.metadata.name;
  const result: ImageBlobs = { layers: unique((image.dockerImageLayers ?? []).map((l) => l.name)), manifest: name };
  const text = image.dockerImageManifest;
  if (text) {
    const parsed = parseManifest(text);
    if (parsed.manifest) {
      if (result.layers.length === 0) result.layers = unique(parsed.manifest.layers.map((l) => l.digest));
      if (parsed.manifest.config) result.config = parsed.manifest.config;
    } else {
      result.warning = `Image ${name}: dockerImageManifest cannot be parsed (${parsed.error}); its layers are read from dockerImageLayers only`;
    }
  }
  if (result.config === undefined) {
    const id = image.dockerImageMetadata?.Id;
    if (typeof id === 'string' && isDigest(id) && CONFIG_MEDIA_TYPES.has(image.dockerImageManifestMediaType ?? '')) result.config = id;
  }
  return result;
}
