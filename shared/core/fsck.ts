// fsck (docs/rules.md, "Hard prune and fsck (registry storage)"): compare the
// cluster's Images and image streams with the registry's storage, and say how
// to recover what storage still holds but the cluster lost. Pure: the caller lists storage one
// blob prefix or one repository at a time and hands each slice in.
import { blobsOfImage } from './blobs.js';
import { streamHistoryDigests, withChildren } from './hard-prune.js';
import type { Image, ImageLayer, ImageStream } from './kube-types.js';
import { parseManifest } from './manifest.js';
import { MANAGED_ANNOTATION } from './plan.js';
import { repositoryOfStream, splitRepository } from './repository.js';

/** Which part of the cluster fsck looks at. */
export interface FsckScope {
  /** Only streams, repositories and images of this namespace (images: those its streams reach). */
  namespace?: string;
}

/** Where a tag points at an image: revision `index` (0 = newest) of `namespace/name:tag`. */
export interface TagPointer {
  namespace: string;
  name: string;
  tag: string;
  index: number;
}

/** A stream revision whose Image object does not exist. */
export interface MissingImageFinding extends TagPointer {
  kind: 'missing-image';
  image: string;
}

/** The role of a blob in an image. */
export type BlobRole = 'manifest' | 'config' | 'layer';

/** An Image whose manifest, config or layer blobs are not in storage. */
export interface MissingBlobsFinding {
  kind: 'missing-blobs';
  image: string;
  missing: { digest: string; role: BlobRole }[];
  /** The tags whose history holds this image (or a manifest list that has it as a child). */
  tags: TagPointer[];
}

/** A manifest revision link in storage that no tag of the repository's stream reaches. */
export interface LostManifestFinding {
  kind: 'lost-manifest';
  repository: string;
  digest: string;
  /** The Image object still exists (only the tag was lost). */
  imageExists: boolean;
  /** An image stream has the repository's name. */
  streamExists: boolean;
  /** Recovery is impossible when the repository name is not `namespace/name`. */
  recoverable: boolean;
}

export type FsckFinding = MissingImageFinding | MissingBlobsFinding | LostManifestFinding;

/** What fsck learned from the cluster before looking at storage. */
export interface FsckExpectations {
  scope: FsckScope;
  /** The blobs each checked image needs, by digest: which images need it and as what. */
  blobs: Map<string, { image: string; role: BlobRole }[]>;
  /** Per repository in scope, the manifests its stream's history reaches (children included). */
  reached: Map<string, Set<string>>;
  images: Set<string>;
  tagsOfImage: Map<string, TagPointer[]>;
  /** Findings that need no storage: revisions whose Image is missing. */
  missingImages: MissingImageFinding[];
  warnings: string[];
}

function inScope(scope: FsckScope, namespace: string | undefined): boolean {
  return scope.namespace === undefined || scope.namespace === namespace;
}

function compareTags(a: TagPointer, b: TagPointer): number {
  return a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name) || a.tag.localeCompare(b.tag) || a.index - b.index;
}

/**
 * Reads the cluster side of fsck: which blobs the images need, which manifests
 * each stream reaches, and which revisions point at missing Images. Checked
 * images are the managed ones (annotation `openshift.io/image.managed: "true"`:
 * only those live in the registry's storage), restricted with a namespace to
 * the images that namespace's streams reach.
 */
export function fsckExpectations(images: readonly Image[], streams: readonly ImageStream[], scope: FsckScope = {}): FsckExpectations {
  const byName = new Map(images.map((i) => [i.metadata.name, i]));
  const e: FsckExpectations = {
    scope,
    blobs: new Map(),
    reached: new Map(),
    images: new Set(byName.keys()),
    tagsOfImage: new Map(),
    missingImages: [],
    warnings: [],
  };
  const scopedStreams = streams.filter((s) => inScope(scope, s.metadata.namespace));
  for (const stream of scopedStreams) {
    const { namespace = '', name } = stream.metadata;
    e.reached.set(repositoryOfStream(stream), withChildren(streamHistoryDigests(stream), byName));
    for (const tag of stream.status?.tags ?? []) {
      (tag.items ?? []).forEach((item, index) => {
        const pointer: TagPointer = { namespace, name, tag: tag.tag, index };
        if (!byName.has(item.image)) e.missingImages.push({ kind: 'missing-image', ...pointer, image: item.image });
        for (const d of withChildren([item.image], byName)) {
          const list = e.tagsOfImage.get(d) ?? [];
          list.push(pointer);
          e.tagsOfImage.set(d, list);
        }
      });
    }
  }
  for (const list of e.tagsOfImage.values()) list.sort(compareTags);
  e.missingImages.sort((a, b) => compareTags(a, b) || a.image.localeCompare(b.image));

  const need = (digest: string, image: string, role: BlobRole): void => {
    const list = e.blobs.get(digest) ?? [];
    list.push({ image, role });
    e.blobs.set(digest, list);
  };
  for (const image of images) {
    const name = image.metadata.name;
    if (image.metadata.annotations?.[MANAGED_ANNOTATION] !== 'true') continue;
    if (scope.namespace !== undefined && !e.tagsOfImage.has(name)) continue;
    const b = blobsOfImage(image);
    if (b.warning) e.warnings.push(b.warning);
    need(b.manifest, name, 'manifest');
    if (b.config) need(b.config, name, 'config');
    for (const l of b.layers) if (l !== b.config) need(l, name, 'layer');
  }
  return e;
}

/** The 2-hex storage prefix of a sha256 digest (`blobs/sha256/<prefix>/<hex>`). */
export function prefixOf(digest: string): string {
  const hex = digest.slice(digest.indexOf(':') + 1);
  return hex.slice(0, 2);
}

/**
 * The needed blobs of one storage prefix (two hex digits, or `''` for the
 * whole store) that the listing of that prefix does not hold.
 */
export function missingInPrefix(e: FsckExpectations, prefix: string, present: Iterable<string>): string[] {
  const have = new Set(present);
  const out: string[] = [];
  for (const digest of e.blobs.keys()) if (prefixOf(digest).startsWith(prefix) && !have.has(digest)) out.push(digest);
  return out.sort();
}

/** Groups missing blobs (from every prefix) by image, with the tags that point at each image. */
export function missingBlobFindings(e: FsckExpectations, missing: Iterable<string>): MissingBlobsFinding[] {
  const byImage = new Map<string, { digest: string; role: BlobRole }[]>();
  for (const digest of new Set(missing)) {
    for (const { image, role } of e.blobs.get(digest) ?? []) {
      const list = byImage.get(image) ?? [];
      list.push({ digest, role });
      byImage.set(image, list);
    }
  }
  return [...byImage.keys()].sort().map((image) => ({
    kind: 'missing-blobs' as const,
    image,
    missing: byImage.get(image)!.sort((a, b) => a.digest.localeCompare(b.digest) || a.role.localeCompare(b.role)),
    tags: e.tagsOfImage.get(image) ?? [],
  }));
}

/**
 * The manifest revision links of one repository that no tag of its stream
 * reaches (children of reached manifest lists count as reached). Repositories
 * outside the scope give nothing.
 */
export function lostManifests(e: FsckExpectations, repository: string, manifestLinks: Iterable<string>): LostManifestFinding[] {
  const split = splitRepository(repository);
  if (e.scope.namespace !== undefined && split?.namespace !== e.scope.namespace) return [];
  const reached = e.reached.get(repository);
  const out: LostManifestFinding[] = [];
  for (const digest of new Set(manifestLinks)) {
    if (reached?.has(digest)) continue;
    out.push({
      kind: 'lost-manifest',
      repository,
      digest,
      imageExists: e.images.has(digest),
      streamExists: reached !== undefined,
      recoverable: split !== undefined,
    });
  }
  return out.sort((a, b) => a.digest.localeCompare(b.digest));
}

/** The tag a recovered manifest gets: `lost-found-<hex digest>`. */
export function lostFoundTag(digest: string): string {
  return `lost-found-${digest.slice(digest.indexOf(':') + 1)}`;
}

/** One step of recovery, carried out through the cluster API in the order given. */
export type RecoveryAction =
  | { action: 'create-stream'; namespace: string; name: string }
  | { action: 'create-image'; digest: string; repository: string }
  | { action: 'tag'; namespace: string; name: string; tag: string; digest: string };

/**
 * The recovery of lost manifests: create each missing stream, then each missing
 * Image (from the manifest in storage), then tag each manifest in its stream as
 * `lost-found-<hex>`. Unrecoverable findings are skipped (they are reported).
 */
export function recoveryActions(lost: readonly LostManifestFinding[]): RecoveryAction[] {
  const streams = new Map<string, { namespace: string; name: string }>();
  const images = new Map<string, string>();
  const tags: RecoveryAction[] = [];
  for (const f of lost) {
    const split = f.recoverable ? splitRepository(f.repository) : undefined;
    if (!split) continue;
    if (!f.streamExists) streams.set(f.repository, split);
    if (!f.imageExists && !images.has(f.digest)) images.set(f.digest, f.repository);
    tags.push({ action: 'tag', ...split, tag: lostFoundTag(f.digest), digest: f.digest });
  }
  const sortedKeys = <T>(m: Map<string, T>) => [...m.keys()].sort().map((k) => [k, m.get(k)!] as const);
  return [
    ...sortedKeys(streams).map(([, s]) => ({ action: 'create-stream' as const, ...s })),
    ...sortedKeys(images).map(([digest, repository]) => ({ action: 'create-image' as const, digest, repository })),
    ...tags.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  ];
}

/**
 * Rebuilds an Image object from a manifest read from storage: name, manifest,
 * media type, layers with their sizes, config, children of a list. What the
 * cluster knew besides (labels, annotations, metadata) cannot be recovered;
 * the image is marked managed because it lives in the registry's storage.
 * Returns undefined when the text is not a manifest.
 */
export function imageFromManifest(input: { digest: string; manifest: string; dockerImageRepository: string; now: Date }): Image | undefined {
  const m = parseManifest(input.manifest).manifest;
  if (!m?.mediaType) return undefined;
  const image: Image = {
    apiVersion: 'image.openshift.io/v1',
    kind: 'Image',
    metadata: { name: input.digest, creationTimestamp: input.now.toISOString(), annotations: { [MANAGED_ANNOTATION]: 'true' } },
    dockerImageReference: `${input.dockerImageRepository}@${input.digest}`,
    dockerImageManifest: input.manifest,
    dockerImageManifestMediaType: m.mediaType,
  };
  const layers: ImageLayer[] = m.layers.map(({ digest, ...rest }) => ({ name: digest, ...rest }));
  // An Image lists its layers base first; schema 1 lists them newest first.
  if (m.schemaVersion === 1) layers.reverse();
  if (layers.length > 0) image.dockerImageLayers = layers;
  if (m.config) image.dockerImageMetadata = { Id: m.config, Size: layers.reduce((s, l) => s + (l.size ?? 0), 0) };
  if (m.children.length > 0) image.dockerImageManifests = m.children;
  return image;
}
