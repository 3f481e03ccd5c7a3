// Hard prune (docs/rules.md, "Hard prune and fsck (registry storage)"): mark
// every blob of every Image in the cluster, then sweep the registry's storage. Pure: the caller
// lists storage one blob prefix or one repository at a time and asks these
// functions what to delete, so the same code serves a local run and a state
// machine that fans the sweep out by prefix and by repository.
import { IncompleteMarkingError, PartialClusterViewError } from './errors.js';
import { blobsOfImage } from './blobs.js';
import { parseManifest } from './manifest.js';
import { repositoryOfStream } from './repository.js';
import type { Image, ImageStream } from './kube-types.js';

/** What marking learned from the cluster; the sweep only reads it. */
export interface HardPruneMarks {
  /** Every blob (layers, config, manifest digest) of every Image, children of manifest lists included. */
  blobs: Set<string>;
  /** Every Image object's name (its manifest digest). */
  images: Set<string>;
  /** Every digest some manifest list names as a child (`dockerImageManifests`, or read from storage). */
  children: Set<string>;
  /**
   * Per repository (`namespace/name` of an image stream): the manifest digests
   * its history reaches, and the children (transitively) of those manifests.
   * A repository missing here has no image stream.
   */
  repositories: Map<string, Set<string>>;
  /**
   * Children of manifest lists that have no Image object, so their layers are
   * unknown. The caller reads each from storage and adds it with
   * {@link markManifest}; until then the sweep must not run.
   */
  unresolvedChildren: Set<string>;
  /**
   * Manifests some stream's history names that have no Image object (docs/rules.md:
   * their blobs stay, so fsck can still recover them). The caller reads each
   * from storage with {@link markManifest}; one that storage does not hold
   * either has nothing left to keep and only gives a warning.
   */
  unresolvedHistory: Set<string>;
  warnings: string[];
}

/** The manifest digests of every revision of every tag of a stream, in no order. */
export function streamHistoryDigests(stream: ImageStream): Set<string> {
  const out = new Set<string>();
  for (const tag of stream.status?.tags ?? []) for (const item of tag.items ?? []) out.add(item.image);
  return out;
}

/** Adds the children (`dockerImageManifests`) of the given manifests, transitively. */
export function withChildren(digests: Iterable<string>, imagesByName: ReadonlyMap<string, Image>): Set<string> {
  const out = new Set<string>();
  const queue = [...digests];
  while (queue.length > 0) {
    const d = queue.pop()!;
    if (out.has(d)) continue;
    out.add(d);
    for (const child of imagesByName.get(d)?.dockerImageManifests ?? []) queue.push(child.digest);
  }
  return out;
}

/**
 * Marks what hard prune must keep: every blob of every Image (managed or not,
 * any age) and, per image stream, the manifests its history reaches.
 */
export function markForHardPrune(images: readonly Image[], streams: readonly ImageStream[]): HardPruneMarks {
  const marks: HardPruneMarks = {
    blobs: new Set(),
    images: new Set(),
    children: new Set(),
    repositories: new Map(),
    unresolvedChildren: new Set(),
    unresolvedHistory: new Set(),
    warnings: [],
  };
  const byName = new Map<string, Image>();
  for (const image of images) {
    byName.set(image.metadata.name, image);
    marks.images.add(image.metadata.name);
  }
  for (const image of images) {
    const b = blobsOfImage(image);
    if (b.warning) marks.warnings.push(b.warning);
    marks.blobs.add(b.manifest);
    for (const l of b.layers) marks.blobs.add(l);
    if (b.config) marks.blobs.add(b.config);
    for (const child of image.dockerImageManifests ?? []) {
      marks.blobs.add(child.digest);
      marks.children.add(child.digest);
      if (!byName.has(child.digest)) marks.unresolvedChildren.add(child.digest);
    }
  }
  for (const stream of streams) {
    const repo = repositoryOfStream(stream);
    const history = streamHistoryDigests(stream);
    for (const d of history) if (!byName.has(d)) marks.unresolvedHistory.add(d);
    const reached = withChildren(history, byName);
    const existing = marks.repositories.get(repo);
    if (existing) for (const d of reached) existing.add(d);
    else marks.repositories.set(repo, reached);
  }
  return marks;
}

/**
 * Marks a manifest read from storage (a child of a manifest list, or a
 * manifest a stream's history names, without an Image object): its own
 * digest, its blobs, and its children, which become unresolved in turn unless
 * already marked; a repository whose stream reaches it reaches its children
 * too. A manifest-list child that cannot be read leaves its digest unresolved
 * and returns a problem: the sweep must then stop. A history manifest that is
 * not in storage has no blob left to keep: it only adds a warning (fsck
 * reports it as a broken revision).
 */
export function markManifest(marks: HardPruneMarks, digest: string, text: string | undefined): string | undefined {
  const isChild = marks.unresolvedChildren.has(digest) || marks.children.has(digest);
  if (text === undefined) {
    if (!isChild) {
      marks.unresolvedHistory.delete(digest);
      marks.warnings.push(`manifest ${digest} is named by an image stream's history but is neither an Image nor in storage`);
      return undefined;
    }
    return `manifest ${digest} (child of a manifest list) is not in storage; its layers cannot be marked`;
  }
  const what = isChild ? 'child of a manifest list' : "named by an image stream's history, without Image";
  const { manifest, error } = parseManifest(text);
  if (!manifest) return `manifest ${digest} (${what}) cannot be parsed (${error}); its layers cannot be marked`;
  marks.unresolvedChildren.delete(digest);
  marks.unresolvedHistory.delete(digest);
  marks.blobs.add(digest);
  for (const l of manifest.layers) marks.blobs.add(l.digest);
  if (manifest.config) marks.blobs.add(manifest.config);
  const reachedBy = [...marks.repositories.values()].filter((r) => r.has(digest));
  for (const { digest: c } of manifest.children) {
    marks.children.add(c);
    for (const r of reachedBy) r.add(c);
    if (!marks.blobs.has(c)) {
      marks.blobs.add(c);
      marks.unresolvedChildren.add(c);
    }
  }
  return undefined;
}

/** One blob as the storage listing gives it. */
export interface StoredBlob {
  digest: string;
  size: number;
  lastModified: Date;
}

/** What the sweep of one blob prefix decided. */
export interface BlobSweep {
  /** Unmarked and old enough: to delete. Sorted by digest. */
  delete: StoredBlob[];
  /** Unmarked but younger than keepYoungerThan (maybe a push in progress): kept. */
  young: StoredBlob[];
  /** Marked blobs seen. */
  kept: number;
}

/** Options of the sweep. */
export interface SweepOptions {
  /** Unmarked blobs modified less than this long before `now` are kept, in milliseconds. */
  keepYoungerThanMs: number;
  now: Date;
}

function byDigest(a: { digest: string }, b: { digest: string }): number {
  return a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
}

/**
 * Decides, for the blobs of one storage prefix (or any slice of the listing),
 * which to delete: those not marked and older than `keepYoungerThanMs`.
 * Throws when marking is incomplete, because an unresolved manifest-list child
 * could own any unmarked blob.
 */
export function sweepBlobs(marks: HardPruneMarks, blobs: Iterable<StoredBlob>, options: SweepOptions): BlobSweep {
  assertComplete(marks);
  const out: BlobSweep = { delete: [], young: [], kept: 0 };
  const cutoff = options.now.getTime() - options.keepYoungerThanMs;
  for (const blob of blobs) {
    if (marks.blobs.has(blob.digest)) out.kept++;
    else if (blob.lastModified.getTime() > cutoff) out.young.push(blob);
    else out.delete.push(blob);
  }
  out.delete.sort(byDigest);
  out.young.sort(byDigest);
  return out;
}

/** What the storage holds for one repository, as listed. */
export interface StoredRepository {
  name: string;
  /** Digests of `_manifests/revisions/sha256/<hex>/link`. */
  manifestLinks: Iterable<string>;
  /** Digests of `_layers/sha256/<hex>/link`. */
  layerLinks: Iterable<string>;
  /** When the newest file below `_uploads/` was written; absent when there is no upload. */
  newestUpload?: Date;
}

/** What the sweep of one repository decided. */
export type RepositorySweep =
  | { repository: string; action: 'remove'; reason: 'no image stream' }
  | {
      repository: string;
      action: 'sweep';
      manifestLinks: string[];
      layerLinks: string[];
      keptManifestLinks: number;
      keptLayerLinks: number;
      /** Set when the repository has no image stream and is kept only for a push in progress. */
      keptFor?: 'young blob' | 'young upload';
    };

/**
 * Decides what to remove from one repository (docs/rules.md, "Hard prune and
 * fsck"): all of it when no image stream has its name; else each manifest
 * revision link whose digest is not reached by the stream's history (children
 * of manifest lists included), and each layer link whose blob is not marked.
 * A link to a blob in `young` (unmarked blobs the blob sweep kept for being
 * younger than keepYoungerThan) is kept too: a push in progress needs its
 * links as much as its blobs. For the same reason a repository without a
 * stream is not removed whole when it links a young blob or holds an upload
 * written less than keepYoungerThan before `options.now` (a push whose
 * blobs are not even committed yet): only its links that nothing keeps go.
 */
export function sweepRepository(marks: HardPruneMarks, repo: StoredRepository, young: ReadonlySet<string> = new Set(), options?: SweepOptions): RepositorySweep {
  assertComplete(marks);
  let reached = marks.repositories.get(repo.name);
  let keptFor: 'young blob' | 'young upload' | undefined;
  if (!reached) {
    repo = { ...repo, manifestLinks: [...repo.manifestLinks], layerLinks: [...repo.layerLinks] };
    const links = [...repo.manifestLinks, ...repo.layerLinks];
    if (links.some((d) => young.has(d))) keptFor = 'young blob';
    else if (hasYoungUpload(repo, options)) keptFor = 'young upload';
    else return { repository: repo.name, action: 'remove', reason: 'no image stream' };
    reached = new Set();
  }
  const manifestLinks = new Set<string>();
  const layerLinks = new Set<string>();
  let keptManifestLinks = 0;
  let keptLayerLinks = 0;
  for (const d of repo.manifestLinks) {
    // Reached: in the history (with or without an Image: fsck can still recover it) or a child of a manifest that is.
    if (reached.has(d) || young.has(d)) keptManifestLinks++;
    else manifestLinks.add(d);
  }
  for (const d of repo.layerLinks) {
    if (marks.blobs.has(d) || young.has(d)) keptLayerLinks++;
    else layerLinks.add(d);
  }
  return {
    repository: repo.name,
    action: 'sweep',
    manifestLinks: [...manifestLinks].sort(),
    layerLinks: [...layerLinks].sort(),
    keptManifestLinks,
    keptLayerLinks,
    ...(keptFor ? { keptFor } : {}),
  };
}

// Without options (a caller that knows no clock) any upload counts as young: keeping is the safe side.
function hasYoungUpload(repo: StoredRepository, options: SweepOptions | undefined): boolean {
  if (!repo.newestUpload) return false;
  if (!options) return true;
  return repo.newestUpload.getTime() > options.now.getTime() - options.keepYoungerThanMs;
}

function assertComplete(marks: HardPruneMarks): void {
  const unresolved = new Set([...marks.unresolvedChildren, ...marks.unresolvedHistory]);
  if (unresolved.size > 0) throw new IncompleteMarkingError([...unresolved].sort());
}

/**
 * Refuses a partial view of the cluster (docs/rules.md, "Hard prune and fsck"):
 * no Image at all while storage holds manifests means the Images were not
 * read (an empty or streams-only dump, another cluster, a List of the wrong
 * kind), and every blob would look unused. Throws {@link PartialClusterViewError}.
 */
export function checkClusterView(view: { images: number; streams: number; storageHoldsManifests: boolean }): void {
  if (view.images > 0 || !view.storageHoldsManifests) return;
  const streams = view.streams > 0 ? `${view.streams} image stream(s) but ` : '';
  throw new PartialClusterViewError(
    `the cluster gave ${streams}no Image while the registry's storage holds manifests; every blob would look unused. ` +
      'Read Images and ImageStreams from the cluster itself (a snapshot must hold both).',
  );
}

/** The marks as JSON (sorted arrays), to hand to the fan-out of a state machine. */
export interface HardPruneMarksJSON {
  blobs: string[];
  images: string[];
  children: string[];
  repositories: Record<string, string[]>;
  warnings: string[];
}

export function marksToJSON(marks: HardPruneMarks): HardPruneMarksJSON {
  assertComplete(marks);
  const repositories: Record<string, string[]> = {};
  for (const name of [...marks.repositories.keys()].sort()) repositories[name] = [...marks.repositories.get(name)!].sort();
  return { blobs: [...marks.blobs].sort(), images: [...marks.images].sort(), children: [...marks.children].sort(), repositories, warnings: [...marks.warnings] };
}

export function marksFromJSON(json: HardPruneMarksJSON): HardPruneMarks {
  return {
    blobs: new Set(json.blobs),
    images: new Set(json.images),
    children: new Set(json.children),
    repositories: new Map(Object.entries(json.repositories).map(([k, v]) => [k, new Set(v)])),
    unresolvedChildren: new Set(),
    unresolvedHistory: new Set(),
    warnings: [...json.warnings],
  };
}
