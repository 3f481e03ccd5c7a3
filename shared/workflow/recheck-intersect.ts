// The race guard's arithmetic (docs/rules.md, "Carrying it out"): what the
// first plan and the re-check's plan both delete, and what the first plan
// deleted that is now spared, with why. Pure: the task around it
// (./recheck-plan.ts) reads and writes the files.
//
// Why the intersection is safe to carry out. The re-check's plan P2 is safe for
// the cluster as it is now; deleting a subset of P2 can only break something P2
// deletes and the subset does not, and that refers to something the subset
// deletes. Images are not read again, so an image and its blobs are the same in
// both plans, and the first plan P1 deletes a blob or link only when it deletes
// every image that needs it. The one thing P2 can delete that P1 never saw is a
// revision that appeared since the plan: it is not carried out (P1 did not plan
// it), so its image, that image's blobs and its links in that stream's
// repository are spared too ("pinned"), else it would point at nothing.
import { blobsOfImage, layerSizesOf } from '../core/blobs.js';
import type { Image } from '../core/kube-types.js';
import type { Plan, PlanReasons, RemovedRevision, RepositoryLink, StreamUpdate } from '../core/plan-types.js';
import { repositoryOf } from '../core/repository.js';
import type { Snapshot } from '../core/snapshot.js';
import type { BlobItem, DeletionKind, ImageItem } from './contracts.js';

/** The first plan as its plan files hold it. */
export interface PlanFiles {
  layerLinks: RepositoryLink[];
  blobs: BlobItem[];
  manifests: RepositoryLink[];
  streamUpdates: StreamUpdate[];
  images: ImageItem[];
}

/** A spared stream change: one revision (with `image` and the first plan's `index`) or a whole tag (neither). */
export interface SparedRevision {
  namespace: string;
  name: string;
  tag: string;
  image?: string;
  index?: number;
  why: string[];
}

/** Every item of the first plan that is not carried out, per kind, each with why. */
export interface Spared {
  layerLinks: (RepositoryLink & { why: string[] })[];
  blobs: (BlobItem & { why: string[] })[];
  manifests: (RepositoryLink & { why: string[] })[];
  streamUpdates: SparedRevision[];
  images: (ImageItem & { why: string[] })[];
}

/** The plan carried out, what was spared, and what only the re-check planned (left for the next run). */
export interface Intersection {
  /** The files to carry out, in the re-check's order and with its stream positions. */
  carried: PlanFiles;
  /** The bytes the carried blobs free (each blob's largest layer size, as the rules count it). */
  bytesReclaimed: number;
  spared: Spared;
  recheckOnly: Record<DeletionKind, number>;
}

const SEP = '\u0000';
const linkKey = (l: RepositoryLink): string => `${l.repository}${SEP}${l.digest}`;
const streamKey = (u: { namespace: string; name: string }): string => `${u.namespace}/${u.name}`;
const revisionKey = (tag: string, image: string): string => `${tag}${SEP}${image}`;

/**
 * The items of `second` whose key the `first` has and that are not `withheld`,
 * in `second`'s order; the items of `first` not carried; how many of `second`
 * the first lacks; and a test of whether a key is carried. One key per item.
 */
function intersectBy<F, S>(first: readonly F[], second: readonly S[], keyOfFirst: (f: F) => string, keyOfSecond: (s: S) => string, withheld: (key: string) => boolean) {
  const index = new Map<string, number>();
  for (let i = 0; i < first.length; i++) index.set(keyOfFirst(first[i]), i);
  const kept = new Uint8Array(first.length);
  const carried: S[] = [];
  let recheckOnly = 0;
  for (const item of second) {
    const key = keyOfSecond(item);
    const i = index.get(key);
    if (i === undefined) recheckOnly += 1;
    else if (!withheld(key)) {
      kept[i] = 1;
      carried.push(item);
    }
  }
  const carries = (key: string): boolean => {
    const i = index.get(key);
    return i !== undefined && kept[i] === 1;
  };
  return { carried, spared: first.filter((_, i) => kept[i] === 0), recheckOnly, carries };
}

/** The default reasons, when the re-check's plan carries none of its own. */
export const WHY = {
  image: 'kept by the re-check: a list read again (pods, workloads, builds, image streams) references it',
  link: (repository: string) => `kept by the re-check: an image still referenced in ${repository} uses it`,
  blob: 'kept by the re-check: an image that stays uses it',
  revision: (ns: string, name: string, tag: string) => `kept by the re-check: tag ${tag} of ImageStream ${ns}/${name} changed since the plan`,
  tag: (ns: string, name: string, tag: string) => `kept by the re-check: tag ${tag} of ImageStream ${ns}/${name} keeps revisions`,
  streamGone: (ns: string, name: string) => `ImageStream ${ns}/${name} no longer exists`,
  revisionGone: (ns: string, name: string, tag: string) => `no longer in tag ${tag} of ImageStream ${ns}/${name}`,
  pinned: (ns: string, name: string, tag: string, image: string) =>
    `ImageStream ${ns}/${name} tag ${tag} gained a revision of Image ${image} since the plan, which only the re-check would remove`,
  imageUses: (image: string) => `Image ${image} uses it and stays`,
  imageSpared: (image: string) => `Image ${image} is spared`,
};

/** The re-check's own reasons, when it was computed with them: for spared images and revisions, only those that keep them. */
function reasonsOf(reasons: PlanReasons | undefined, images: ReadonlySet<string>, streams: ReadonlySet<string>) {
  const image = new Map<string, string[]>();
  const revision = new Map<string, string[]>();
  if (!reasons) return { image, revision };
  for (const r of reasons.images) if (r.verdict === 'stays' && images.has(r.image)) image.set(r.image, r.reasons);
  for (const r of reasons.revisions) {
    const key = streamKey(r);
    if (r.verdict === 'stays' && streams.has(key)) revision.set(`${key}${SEP}${revisionKey(r.tag, r.image)}`, r.reasons);
  }
  return { image, revision };
}

/**
 * What `first` (the plan files) and `second` (the plan of `snapshot`: the same
 * Images, the other lists read again) both delete, and what `first` deletes
 * that is spared. Revisions are matched by stream, tag and image, not by
 * position; the carried updates use the re-check's positions (the update task
 * removes a revision where its index and image agree, else the nearest of the
 * same image). Memory: per kind, a map from each first-plan key to its position.
 */
export function intersectPlans(first: PlanFiles, second: Plan, snapshot: Snapshot): Intersection {
  let imageByName: Map<string, Image> | undefined;
  const imageNamed = (name: string): Image | undefined => {
    imageByName ??= new Map(snapshot.images.map((i) => [i.metadata.name, i]));
    return imageByName.get(name);
  };
  const digestsOf = (name: string): string[] => {
    const image = imageNamed(name);
    if (!image) return [name];
    const b = blobsOfImage(image);
    return [b.manifest, ...b.layers, ...(b.config ? [b.config] : [])];
  };

  // Stream revisions: the first plan's, counted per stream by tag and image. A
  // stream's update may be split into several items (plan files cut items at
  // 64 KiB): all its parts count together.
  const firstRevisions = new Map<string, Map<string, number>>();
  const firstTags = new Map<string, Set<string>>();
  for (const u of first.streamUpdates) {
    const key = streamKey(u);
    let counts = firstRevisions.get(key);
    if (!counts) firstRevisions.set(key, (counts = new Map()));
    for (const r of u.removed) counts.set(revisionKey(r.tag, r.image), (counts.get(revisionKey(r.tag, r.image)) ?? 0) + 1);
    let tags = firstTags.get(key);
    if (!tags) firstTags.set(key, (tags = new Set()));
    for (const t of u.removedTags) tags.add(t);
  }
  const pinnedImages = new Map<string, string>();
  const pinnedLinks = new Map<string, string>();
  const pinnedBlobs = new Map<string, string>();
  const recheckOnly: Record<DeletionKind, number> = { layerLinks: 0, blobs: 0, manifests: 0, streamUpdates: 0, images: 0 };
  // An image a kept revision points at stays whole: its blobs, its links in the
  // revision's repository, and the images of a manifest list with theirs.
  const pin = (name: string, repository: string, why: string): void => {
    const lk = `${repository}${SEP}${name}`;
    if (pinnedLinks.has(lk)) return;
    if (!pinnedImages.has(name)) pinnedImages.set(name, why);
    for (const d of digestsOf(name)) {
      if (!pinnedBlobs.has(d)) pinnedBlobs.set(d, why);
      const dk = `${repository}${SEP}${d}`;
      if (!pinnedLinks.has(dk)) pinnedLinks.set(dk, why);
    }
    for (const child of imageNamed(name)?.dockerImageManifests ?? []) pin(child.digest, repository, why);
  };
  const streamUpdates: StreamUpdate[] = [];
  for (const u of second.streamUpdates) {
    const counts = firstRevisions.get(streamKey(u));
    const removed: RemovedRevision[] = [];
    const withheldTags = new Set<string>();
    for (const r of u.removed) {
      const key = revisionKey(r.tag, r.image);
      const left = counts?.get(key) ?? 0;
      if (left > 0) {
        counts!.set(key, left - 1);
        removed.push(r);
        continue;
      }
      // Not in the first plan: not carried out, and what it points at must stay.
      recheckOnly.streamUpdates += 1;
      withheldTags.add(r.tag);
      pin(r.image, repositoryOf(u.namespace, u.name), WHY.pinned(u.namespace, u.name, r.tag, r.image));
    }
    // A whole tag goes when both plans remove it and none of its revisions was withheld;
    // what stays in the first plan's set is reported as spared.
    const tags = firstTags.get(streamKey(u));
    const removedTags: string[] = [];
    for (const t of u.removedTags) {
      if (!tags?.has(t)) recheckOnly.streamUpdates += 1;
      else if (!withheldTags.has(t)) {
        tags.delete(t);
        removedTags.push(t);
      }
    }
    if (removed.length > 0 || removedTags.length > 0) streamUpdates.push({ namespace: u.namespace, name: u.name, removed, removedTags });
  }
  // What is left of the first plan's counts is spared.
  const sparedRevisions: SparedRevision[] = [];
  const tagsDone = new Set<string>();
  for (const u of first.streamUpdates) {
    const left = firstRevisions.get(streamKey(u))!;
    for (const r of u.removed) {
      const key = revisionKey(r.tag, r.image);
      const n = left.get(key) ?? 0;
      if (n === 0) continue;
      left.set(key, n - 1);
      sparedRevisions.push({ namespace: u.namespace, name: u.name, tag: r.tag, image: r.image, index: r.index, why: [] });
    }
    // Once per stream, whatever its parts.
    if (tagsDone.has(streamKey(u))) continue;
    tagsDone.add(streamKey(u));
    for (const t of firstTags.get(streamKey(u)) ?? []) sparedRevisions.push({ namespace: u.namespace, name: u.name, tag: t, why: [] });
  }

  // Images, links and blobs: one key per item on each side.
  const imagesOut = intersectBy(first.images, second.images, (i) => i.name, (n) => n, (k) => pinnedImages.has(k));
  const images = imagesOut.carried.map((name) => ({ name }));
  const sparedImages = imagesOut.spared;
  const layerLinks = intersectBy(first.layerLinks, second.layerLinks, linkKey, linkKey, (k) => pinnedLinks.has(k));
  const manifests = intersectBy(first.manifests, second.manifestLinks, linkKey, linkKey, (k) => pinnedLinks.has(k));
  const blobsOut = intersectBy(first.blobs, second.blobs, (b) => b.digest, (d) => d, (k) => pinnedBlobs.has(k));
  const blobs = blobsOut.carried.map((digest) => ({ digest }));
  const sparedBlobs = blobsOut.spared;
  recheckOnly.images = imagesOut.recheckOnly;
  recheckOnly.layerLinks = layerLinks.recheckOnly;
  recheckOnly.manifests = manifests.recheckOnly;
  recheckOnly.blobs = blobsOut.recheckOnly;

  // Bytes: as the rules count them, each blob's largest layer size. Every
  // image that uses a carried blob is deleted by both plans, so the carried
  // images alone give the sizes.
  let bytesReclaimed = second.bytesReclaimed;
  if (blobs.length !== second.blobs.length) {
    const size = new Map<string, number>();
    for (const { name } of images) {
      const image = imageNamed(name);
      if (!image) continue;
      for (const [d, n] of layerSizesOf(image).sizes) if (blobsOut.carries(d) && n > (size.get(d) ?? -1)) size.set(d, n);
    }
    bytesReclaimed = 0;
    for (const n of size.values()) bytesReclaimed += n;
  }

  // Why. The re-check's own reasons first, when it has them.
  const sparedImageNames = new Set(sparedImages.map((i) => i.name));
  const sparedStreams = new Set(sparedRevisions.map(streamKey));
  const own = reasonsOf(second.reasons, sparedImageNames, sparedStreams);
  const tagsNow = new Map<string, Map<string, Set<string>>>();
  for (const s of snapshot.streams) {
    const key = streamKey({ namespace: s.metadata.namespace ?? '', name: s.metadata.name });
    if (!sparedStreams.has(key)) continue;
    tagsNow.set(key, new Map((s.status?.tags ?? []).map((t) => [t.tag, new Set((t.items ?? []).map((i) => i.image))])));
  }
  for (const r of sparedRevisions) {
    const tags = tagsNow.get(streamKey(r));
    if (!tags) r.why = [WHY.streamGone(r.namespace, r.name)];
    else if (!tags.has(r.tag) || (r.image !== undefined && !tags.get(r.tag)!.has(r.image))) r.why = [WHY.revisionGone(r.namespace, r.name, r.tag)];
    else if (r.image === undefined) r.why = [WHY.tag(r.namespace, r.name, r.tag)];
    else r.why = own.revision.get(`${streamKey(r)}${SEP}${revisionKey(r.tag, r.image)}`) ?? [WHY.revision(r.namespace, r.name, r.tag)];
  }
  const imageWhy = (name: string): string[] => {
    const pinned = pinnedImages.get(name);
    return pinned ? [pinned] : own.image.get(name) ?? [WHY.image];
  };
  const blobWhy = new Map<string, string>();
  for (const b of sparedBlobs) {
    const pinned = pinnedBlobs.get(b.digest);
    if (pinned) blobWhy.set(b.digest, pinned);
  }
  if (blobWhy.size < sparedBlobs.length) {
    // Name an image that stays and uses the blob: a spared one first (that is the news).
    const wanted = new Set(sparedBlobs.map((b) => b.digest));
    const attribute = (name: string) => {
      for (const d of digestsOf(name)) if (wanted.has(d) && !blobWhy.has(d)) blobWhy.set(d, WHY.imageUses(name));
    };
    for (const name of sparedImageNames) attribute(name);
    if (blobWhy.size < sparedBlobs.length) for (const i of snapshot.images) if (!imagesOut.carries(i.metadata.name)) attribute(i.metadata.name);
  }
  const linkWhy = (l: RepositoryLink, manifest: boolean): string[] => {
    const pinned = pinnedLinks.get(linkKey(l));
    if (pinned) return [pinned];
    if (manifest && sparedImageNames.has(l.digest)) return [WHY.imageSpared(l.digest)];
    return [WHY.link(l.repository)];
  };

  return {
    carried: { layerLinks: layerLinks.carried, blobs, manifests: manifests.carried, streamUpdates, images },
    bytesReclaimed,
    spared: {
      layerLinks: layerLinks.spared.map((l) => ({ ...l, why: linkWhy(l, false) })),
      blobs: sparedBlobs.map((b) => ({ ...b, why: [blobWhy.get(b.digest) ?? WHY.blob] })),
      manifests: manifests.spared.map((l) => ({ ...l, why: linkWhy(l, true) })),
      streamUpdates: sparedRevisions,
      images: sparedImages.map((i) => ({ ...i, why: imageWhy(i.name) })),
    },
    recheckOnly,
  };
}
