// The blobs of an image (PRUNING.md, "Definitions"): layers, config and the
// image's own manifest digest.
import type { Image } from './kube-types.js';
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

export const SCHEMA2_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';

const CONFIG_MEDIA_TYPES = new Set([SCHEMA2_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE]);

interface ParsedManifest {
  schemaVersion?: number;
  fsLayers?: { blobSum?: unknown }[];
  layers?: { digest?: unknown }[];
  config?: { digest?: unknown };
}

function unique(values: string[]): string[] {
  return values.length < 2 ? values : [...new Set(values)];
}

/** Reads the blobs of one image; a manifest that cannot be parsed is a warning, never a throw. */
export function blobsOfImage(image: Image): ImageBlobs {
  const name = image.metadata.name;
  const result: ImageBlobs = { layers: unique((image.dockerImageLayers ?? []).map((l) => l.name)), manifest: name };
  const text = image.dockerImageManifest;
  let manifest: ParsedManifest | undefined;
  if (text) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      manifest = parsed as ParsedManifest;
    } catch (err) {
      result.warning = `Image ${name}: dockerImageManifest cannot be parsed (${(err as Error).message}); its layers are read from dockerImageLayers only`;
    }
  }
  if (manifest) {
    if (result.layers.length === 0) {
      const fromManifest =
        manifest.schemaVersion === 1 && Array.isArray(manifest.fsLayers)
          ? manifest.fsLayers.map((l) => l?.blobSum)
          : Array.isArray(manifest.layers)
            ? manifest.layers.map((l) => l?.digest)
            : [];
      result.layers = unique(fromManifest.filter((d): d is string => typeof d === 'string' && d.length > 0));
    }
    const config = manifest.config?.digest;
    if (typeof config === 'string' && config.length > 0) result.config = config;
  }
  if (result.config === undefined) {
    const id = image.dockerImageMetadata?.Id;
    if (typeof id === 'string' && isDigest(id) && CONFIG_MEDIA_TYPES.has(image.dockerImageManifestMediaType ?? '')) result.config = id;
  }
  return result;
}
