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
  /**
   * Storage still holds the manifest (its revision link in the stream's
   * repository and its blob), so recovery can recreate the Image. Set from
   * the repository check's results.
   */
  manifestInStorage?: boolean;
}

/** A link of a repository: a manifest revision link or a layer link. */
export interface NeededLink {
  kind: 'revision' | 'layer';
  digest: string;
}

/**
 * A stream revision whose revision link or layer links are missing in its
 * repository: the registry answers 404 for the manifest or the blob although
 * the blobs may be in storage.
 */
export interface MissingLinksFinding {
  kind: 'missing-links';
  repository: string;
  /** The revision's image (for a manifest list, the links of its children count too). */
  image: string;
  missing: NeededLink[];
  /** The tags of this repository's stream whose history holds the image. */
  tags: TagPointer[];
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

export type FsckFinding = MissingImageFinding | MissingBlobsFinding | LostManifestFinding | MissingLinksFinding;

/** What fsck learned from the cluster before looking at storage. */
export interface FsckExpectations {
  scope: FsckScope;
  /** The blobs each checked image needs, by digest: which images need it and as what. */
  blobs: Map<string, { image: string; role: BlobRole }[]>;
  /** Per repository in scope, the manifests its stream's history reaches (children included). */
  reached: Map<string, Set<string>>;
  images: Set<string>;
  tagsOfImage: Map<string, TagPointer[]>;
  /**
   * Per stream revision of the repository's stream (in scope) whose Image is
   * managed, the links a pull of it needs; undefined without such a stream.
   * Computed on demand: a batch asks only for its own repositories.
   */
  linksOf(repository: string): Map<string, NeededLink[]> | undefined;
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
 * The children of managed manifest lists (in scope) that have no Image object:
 * their manifests must be read from storage to know their blobs
 * (docs/rules.md: children of listed manifest lists whose blobs are missing).
 */
export function childrenWithoutImages(images: readonly Image[], streams: readonly ImageStream[], scope: FsckScope = {}): string[] {
  const byName = new Map(images.map((i) => [i.metadata.name, i]));
  const reached = scope.namespace === undefined ? undefined : withChildren(streams.filter((s) => inScope(scope, s.metadata.namespace)).flatMap((s) => [...streamHistoryDigests(s)]), byName);
  const out = new Set<string>();
  for (const image of images) {
    if (image.metadata.annotations?.[MANAGED_ANNOTATION] !== 'true') continue;
    if (reached && !reached.has(image.metadata.name)) continue;
    for (const c of image.dockerImageManifests ?? []) if (!byName.has(c.digest)) out.add(c.digest);
  }
  return [...out].sort();
}

/** The blobs of a manifest read from storage (a child without Image), or undefined when it is no manifest. */
function blobsOfManifestText(digest: string, text: string | undefined): { manifest: string; config?: string; layers: string[] } | undefined {
  const m = text === undefined ? undefined : parseManifest(text).manifest;
  if (!m) return undefined;
  return { manifest: digest, ...(m.config ? { config: m.config } : {}), layers: [...new Set(m.layers.map((l) => l.digest))] };
}

/**
 * Reads the cluster side of fsck: which blobs the images need, which manifests
 * each stream reaches, which links each stream revision needs in its
 * repository, and which revisions point at missing Images. Checked images are
 * the managed ones (annotation `openshift.io/image.managed: "true"`: only
 * those live in the registry's storage), restricted with a namespace to the
 * images that namespace's streams reach. `childManifests` holds the manifests,
 * read from storage, of list children that have no Image object
 * ({@link childrenWithoutImages}); a child missing from it is still checked
 * for its manifest blob.
 */
export function fsckExpectations(
  images: readonly Image[],
  streams: readonly ImageStream[],
  scope: FsckScope = {},
  childManifests: ReadonlyMap<string, string> = new Map(),
): FsckExpectations {
  const byName = new Map(images.map((i) => [i.metadata.name, i]));
  const e: FsckExpectations = {
    scope,
    blobs: new Map(),
    reached: new Map(),
    images: new Set(byName.keys()),
    tagsOfImage: new Map(),
    linksOf: (repository) => {
      const stream = streamOfRepository.get(repository);
      return stream ? neededLinks(stream) : undefined;
    },
    missingImages: [],
    warnings: [],
  };
  const managed = (d: string) => byName.get(d)?.metadata.annotations?.[MANAGED_ANNOTATION] === 'true';
  const blobsCache = new Map<string, { manifest: string; config?: string; layers: string[] } | undefined>();
  /** The blobs of a managed Image, or of a child without Image read from storage. */
  const blobsOf = (d: string) => {
    if (!blobsCache.has(d)) {
      const image = byName.get(d);
      if (image) {
        if (!managed(d)) blobsCache.set(d, undefined);
        else {
          const b = blobsOfImage(image);
          if (b.warning) e.warnings.push(b.warning);
          blobsCache.set(d, b);
        }
      } else blobsCache.set(d, blobsOfManifestText(d, childManifests.get(d)));
    }
    return blobsCache.get(d);
  };
  /**
   * A pull of a revision needs its revision link and a layer link per blob
   * (the config's too), for a list's children as well; only managed Images
   * live in this registry.
   */
  const neededLinks = (stream: ImageStream): Map<string, NeededLink[]> => {
    const links = new Map<string, NeededLink[]>();
    for (const digest of streamHistoryDigests(stream)) {
      if (!managed(digest)) continue;
      const needed = new Map<string, NeededLink>();
      for (const d of withChildren([digest], byName)) {
        if (d !== digest && byName.has(d) && !managed(d)) continue;
        needed.set(`revision ${d}`, { kind: 'revision', digest: d });
        const b = blobsOf(d);
        for (const l of [...(b?.config ? [b.config] : []), ...(b?.layers ?? [])]) needed.set(`layer ${l}`, { kind: 'layer', digest: l });
      }
      links.set(digest, [...needed.values()]);
    }
    return links;
  };
  const streamOfRepository = new Map<string, ImageStream>();
  const scopedStreams = streams.filter((s) => inScope(scope, s.metadata.namespace));
  for (const stream of scopedStreams) {
    const { namespace = '', name } = stream.metadata;
    const repository = repositoryOfStream(stream);
    e.reached.set(repository, withChildren(streamHistoryDigests(stream), byName));
    streamOfRepository.set(repository, stream);
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
    if (!list.some((x) => x.image === image && x.role === role)) list.push({ image, role });
    e.blobs.set(digest, list);
  };
  const needAll = (name: string) => {
    const b = blobsOf(name);
    if (!b) return;
    need(b.manifest, name, 'manifest');
    if (b.config) need(b.config, name, 'config');
    for (const l of b.layers) if (l !== b.config) need(l, name, 'layer');
  };
  for (const image of images) {
    const name = image.metadata.name;
    if (!managed(name)) continue;
    if (scope.namespace !== undefined && !e.tagsOfImage.has(name)) continue;
    needAll(name);
    // Children without an Image object: their manifest blob, and their blobs when storage had the manifest.
    for (const c of image.dockerImageManifests ?? []) {
      if (byName.has(c.digest)) continue;
      if (childManifests.has(c.digest)) needAll(c.digest);
      else need(c.digest, c.digest, 'manifest');
      if (!e.tagsOfImage.has(c.digest)) e.tagsOfImage.set(c.digest, e.tagsOfImage.get(name) ?? []);
    }
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

/**
 * The links the stream revisions of one repository need that it does not
 * hold: `revisions` and `layers` are the digests of its revision and layer
 * links that have a link file (an empty folder is no link). Repositories
 * without a stream in scope give nothing.
 */
export function missingLinks(e: FsckExpectations, repository: string, revisions: Iterable<string>, layers: Iterable<string>): MissingLinksFinding[] {
  const needed = e.linksOf(repository);
  if (!needed) return [];
  const have = { revision: new Set(revisions), layer: new Set(layers) };
  const split = splitRepository(repository);
  const out: MissingLinksFinding[] = [];
  for (const [image, links] of needed) {
    const missing = links.filter((l) => !have[l.kind].has(l.digest));
    if (missing.length === 0) continue;
    const tags = (e.tagsOfImage.get(image) ?? []).filter((t) => t.namespace === split?.namespace && t.name === split?.name);
    out.push({ kind: 'missing-links', repository, image, missing: missing.sort((a, b) => a.kind.localeCompare(b.kind) || a.digest.localeCompare(b.digest)), tags });
  }
  return out.sort((a, b) => a.image.localeCompare(b.image));
}

/**
 * Drops from link findings the links whose blob is missing from storage:
 * those are broken images already, and a link to nothing would not help.
 */
export function linksToPresentBlobs(found: readonly MissingLinksFinding[], missingBlobs: ReadonlySet<string>): MissingLinksFinding[] {
  return found.map((f) => ({ ...f, missing: f.missing.filter((l) => !missingBlobs.has(l.digest)) })).filter((f) => f.missing.length > 0);
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

/** What a config blob says that the registry copies into `dockerImageMetadata` (docker's names, as image-registry writes them). */
const CONFIG_FIELDS: [string, string][] = [
  ['parent', 'Parent'],
  ['comment', 'Comment'],
  ['created', 'Created'],
  ['container', 'Container'],
  ['container_config', 'ContainerConfig'],
  ['docker_version', 'DockerVersion'],
  ['author', 'Author'],
  ['config', 'Config'],
  ['architecture', 'Architecture'],
  ['os', 'OS'],
];

/**
 * Rebuilds an Image object from a manifest read from storage, with what the
 * registry itself records on a push: name, manifest, media type, layers with
 * their sizes and media types, children of a list, and, from the config blob
 * (`config`, its text), `dockerImageMetadata` (Id = the config digest,
 * created, architecture, os, the container config, Size = the layers' sizes
 * plus the config's). What the cluster knew besides (labels, annotations)
 * cannot be recovered; the image is marked managed because it lives in the
 * registry's storage. Returns undefined when the text is not a manifest.
 */
export function imageFromManifest(input: { digest: string; manifest: string; dockerImageRepository: string; now: Date; config?: string }): Image | undefined {
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
  if (m.config) {
    const layerBytes = layers.reduce((s, l) => s + (l.size ?? 0), 0);
    const metadata: NonNullable<Image['dockerImageMetadata']> = { kind: 'DockerImage', apiVersion: '1.0', Id: m.config, Size: layerBytes };
    const config = input.config === undefined ? undefined : parseObject(input.config);
    if (config) {
      for (const [from, to] of CONFIG_FIELDS) if (config[from] !== undefined && config[from] !== '') metadata[to] = config[from];
      metadata.Size = layerBytes + new TextEncoder().encode(input.config).length;
    }
    image.dockerImageMetadata = metadata;
    image.dockerImageMetadataVersion = '1.0';
  }
  if (m.children.length > 0) image.dockerImageManifests = m.children;
  return image;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The blobs a manifest read from storage needs before it may be restored
 * (docs/rules.md: a manifest with a missing blob is reported, never
 * restored): its config and every layer, or a list's children.
 */
export function blobsToVerify(manifest: string): string[] | undefined {
  const m = parseManifest(manifest).manifest;
  if (!m) return undefined;
  return [...new Set([...(m.config ? [m.config] : []), ...m.layers.map((l) => l.digest), ...m.children.map((c) => c.digest)])];
}
