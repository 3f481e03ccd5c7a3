// The one reader of image manifests (docs/rules.md, "Definitions": the blobs
// of an image are its layers, its config and its manifest). Schema 1, schema 2,
// OCI manifests and manifest lists / OCI indexes, from an Image's
// `dockerImageManifest` or from the registry's storage. What is read is only
// what the rules, hard prune and fsck need: media type, config digest, layer
// digests and the children of a list. Unreadable text is an answer
// (`{ error }`), never a throw: the callers turn it into a warning.

export const SCHEMA1_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v1+json';
export const SCHEMA1_SIGNED_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
export const SCHEMA2_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';

/** One layer of a manifest. */
export interface ManifestLayer {
  digest: string;
  size?: number;
  mediaType?: string;
}

/** One child of a manifest list / OCI index. */
export interface ManifestChild {
  digest: string;
  mediaType?: string;
  architecture?: string;
  os?: string;
}

/** What a manifest says, as far as this project reads it. */
export interface Manifest {
  schemaVersion?: number;
  /** The declared `mediaType`, else the one its shape implies; undefined when neither says. */
  mediaType?: string;
  /** The config blob's digest (schema 2 / OCI). */
  config?: string;
  /**
   * The layers in manifest order, duplicates kept: schema 1's `fsLayers`
   * (newest first), else `layers` (base first). Entries without a digest are left out.
   */
  layers: ManifestLayer[];
  /** The children of a manifest list / OCI index (entries without a digest left out). */
  children: ManifestChild[];
}

/** A parsed manifest, or why the text is not one (`not a JSON object`, or JSON.parse's message). */
export type ManifestParse = { manifest: Manifest; error?: undefined } | { manifest?: undefined; error: string };

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** The media type a manifest without one has, by its shape. */
function impliedMediaType(m: Obj): string | undefined {
  if (m.schemaVersion === 1) return SCHEMA1_SIGNED_MEDIA_TYPE;
  if (Array.isArray(m.manifests)) return OCI_INDEX_MEDIA_TYPE;
  if (m.schemaVersion === 2) return OCI_MANIFEST_MEDIA_TYPE;
  return undefined;
}

/** The config digest of a manifest, or why the text is not one: what {@link parseManifest} says of them. */
export type ManifestConfigParse = { config?: string; error?: undefined } | { config?: undefined; error: string };

/**
 * Only the config digest of a manifest (schema 2 / OCI `config.digest`), with
 * the same answer and the same error as {@link parseManifest}: for an image
 * whose layers come from `dockerImageLayers`, that is all its manifest is read
 * for. It parses the whole text still (JSON.parse is what says whether the
 * manifest can be parsed at all; a hand-written scanner measured slower), but
 * builds no layer or child lists.
 */
export function parseManifestConfig(text: string): ManifestConfigParse {
  const parsed = manifestObject(text);
  if ('error' in parsed) return parsed;
  const config = isObj(parsed.object.config) ? str(parsed.object.config.digest) : undefined;
  return config ? { config } : {};
}

/** A manifest's text as a JSON object, or the one error both parsers give. */
function manifestObject(text: string): { object: Record<string, unknown> } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { error: (err as Error).message };
  }
  return isObj(parsed) ? { object: parsed } : { error: 'not a JSON object' };
}

/** Reads a manifest's text. */
export function parseManifest(text: string): ManifestParse {
  const parsed = manifestObject(text);
  if ('error' in parsed) return parsed;
  const m = parsed.object;
  const schemaVersion = typeof m.schemaVersion === 'number' ? m.schemaVersion : undefined;
  const layers: ManifestLayer[] = [];
  if (schemaVersion === 1) {
    for (const l of objects(m.fsLayers)) {
      const digest = str(l.blobSum);
      if (digest) layers.push({ digest });
    }
  } else {
    for (const l of objects(m.layers)) {
      const digest = str(l.digest);
      if (!digest) continue;
      layers.push({ digest, ...(typeof l.size === 'number' ? { size: l.size } : {}), ...(str(l.mediaType) ? { mediaType: l.mediaType as string } : {}) });
    }
  }
  const children: ManifestChild[] = [];
  for (const c of objects(m.manifests)) {
    const digest = str(c.digest);
    if (!digest) continue;
    const platform = isObj(c.platform) ? c.platform : {};
    children.push({
      digest,
      ...(str(c.mediaType) ? { mediaType: c.mediaType as string } : {}),
      ...(str(platform.architecture) ? { architecture: platform.architecture as string } : {}),
      ...(str(platform.os) ? { os: platform.os as string } : {}),
    });
  }
  const manifest: Manifest = { layers, children };
  if (schemaVersion !== undefined) manifest.schemaVersion = schemaVersion;
  const mediaType = str(m.mediaType) ?? impliedMediaType(m);
  if (mediaType) manifest.mediaType = mediaType;
  const config = isObj(m.config) ? str(m.config.digest) : undefined;
  if (config) manifest.config = config;
  return { manifest };
}
