// The blobs of an image (docs/rules.md, "Words"): layers, config and the
// image's own manifest digest.
import type { Image } from './kube-types.js';
import { OCI_MANIFEST_MEDIA_TYPE, SCHEMA2_MEDIA_TYPE, parseManifest, parseManifestConfig } from './manifest.js';
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

/** The values in order, without duplicates. Images have a handful of layers: a quadratic scan allocates nothing. */
function unique(values: string[]): string[] {
  if (values.length > 64) return [...new Set(values)];
  for (let i = 1; i < values.length; i++) {
    if (values.lastIndexOf(values[i], i - 1) >= 0) return [...new Set(values)];
  }
  return values;
}

/** The `name`s of `dockerImageLayers`, in order, without duplicates. */
function layerNames(layers: Image['dockerImageLayers']): string[] {
  if (!layers || layers.length === 0) return [];
  const names = new Array<string>(layers.length);
  for (let i = 0; i < layers.length; i++) names[i] = layers[i].name;
  return unique(names);
}

/** What {@link layerSizesOf} reads of an Image. */
export type SizedImage = Pick<Image, 'dockerImageLayers'> & { metadata?: { name?: string } };

/** The layer sizes of one image that count, and a warning naming the image when some do not. */
export interface LayerSizes {
  /** Layer digest -> size in bytes (the largest, when the image lists a layer twice). */
  sizes: Map<string, number>;
  /** Set when a size is not a byte count; such a size counts 0 (docs/rules.md, "The plan"). */
  warning?: string;
}

/** Whether a layer size is a byte count: a non-negative safe integer (1e30, -1, 1.5 are not). */
export function isByteCount(size: unknown): size is number {
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0;
}

/** How {@link layerSizesWarning} names one size that is no byte count. */
export function badLayerSize(index: number, size: unknown): string {
  return `dockerImageLayers[${index}].size ${typeof size === 'number' ? String(size) : JSON.stringify(size)}`;
}

/** The warning naming an image's sizes that are no byte count (each from {@link badLayerSize}). */
export function layerSizesWarning(imageName: string | undefined, bad: string[]): string {
  return `Image ${imageName ?? '(unnamed)'}: ${bad.join(', ')} ${bad.length === 1 ? 'is not a byte count' : 'are not byte counts'} (a whole number from 0 to 2^53-1); counted as 0`;
}

/**
 * Reads `dockerImageLayers[].size` of one image. A size that is not a
 * non-negative safe integer (1e30, -1, 1.5) is no byte count: it counts 0, with
 * a warning naming the image, rather than inflating the bytes reclaimed. An
 * absent size is not an error (the layer counts 0, as before).
 */
export function layerSizesOf(image: SizedImage): LayerSizes {
  const sizes = new Map<string, number>();
  const bad: string[] = [];
  const layers = image.dockerImageLayers ?? [];
  for (let i = 0; i < layers.length; i++) {
    const size: unknown = layers[i].size;
    if (size === undefined || size === null) continue;
    if (!isByteCount(size)) {
      bad.push(badLayerSize(i, size));
      continue;
    }
    if (size > (sizes.get(layers[i].name) ?? -1)) sizes.set(layers[i].name, size);
  }
  if (bad.length === 0) return { sizes };
  return { sizes, warning: layerSizesWarning(image.metadata?.name, bad) };
}

function cannotParse(name: string, error: string): string {
  return `Image ${name}: dockerImageManifest cannot be parsed (${error}); its layers are read from dockerImageLayers only`;
}

/** Reads the blobs of one image; a manifest that cannot be parsed is a warning, never a throw. */
export function blobsOfImage(image: Image): ImageBlobs {
  const name = image.metadata.name;
  const result: ImageBlobs = { layers: layerNames(image.dockerImageLayers), manifest: name };
  const text = image.dockerImageManifest;
  if (text && result.layers.length > 0) {
    // The layers are known: the manifest is read for its config only.
    const parsed = parseManifestConfig(text);
    if (parsed.error !== undefined) result.warning = cannotParse(name, parsed.error);
    else if (parsed.config) result.config = parsed.config;
  } else if (text) {
    const parsed = parseManifest(text);
    if (parsed.manifest) {
      result.layers = unique(parsed.manifest.layers.map((l) => l.digest));
      if (parsed.manifest.config) result.config = parsed.manifest.config;
    } else {
      result.warning = cannotParse(name, parsed.error);
    }
  }
  if (result.config === undefined) {
    const id = image.dockerImageMetadata?.Id;
    if (typeof id === 'string' && isDigest(id) && CONFIG_MEDIA_TYPES.has(image.dockerImageManifestMediaType ?? '')) result.config = id;
  }
  return result;
}
