// computePlan: the rules of docs/rules.md as one pure function. Reads a snapshot,
// decides what can go, and returns it sorted, so the same input always gives
// the same plan byte for byte.
import { InvalidInputError, InvalidReferenceError, InvalidReferencesError } from './errors.js';
import { blobsOfImage, layerSizesOf } from './blobs.js';
import type { Build, Container, Image, ImageStream, ObjectMeta, PodSpec, Workload } from './kube-types.js';
import {
  DEFAULT_KEEP_TAG_REVISIONS,
  DEFAULT_KEEP_YOUNGER_THAN_MS,
  type Plan,
  type PlanOptions,
  type RemovedRevision,
  type RepositoryLink,
  type StreamUpdate,
} from './plan-types.js';
import { isDigest, parseReference } from './reference.js';
import { repositoryOf, repositoryOfStream } from './repository.js';
import type { Snapshot } from './snapshot.js';

export const MANAGED_ANNOTATION = 'openshift.io/image.managed';

/**
 * Fills in the defaults of docs/rules.md ("What is read"). Throws {@link InvalidInputError}
 * naming the option that is not a usable number or date: NaN compares false, so
 * it would make every image "old" and prune young ones.
 */
export function resolvePlanOptions(o: Partial<PlanOptions> = {}): PlanOptions {
  const resolved: PlanOptions = {
    keepTagRevisions: o.keepTagRevisions ?? DEFAULT_KEEP_TAG_REVISIONS,
    keepYoungerThanMs: o.keepYoungerThanMs ?? DEFAULT_KEEP_YOUNGER_THAN_MS,
    now: o.now ?? new Date(),
    all: o.all ?? false,
    ignoreInvalidRefs: o.ignoreInvalidRefs ?? false,
    pruneOverSizeLimit: o.pruneOverSizeLimit ?? false,
    pruneRegistry: o.pruneRegistry ?? true,
  };
  if (o.namespace !== undefined) resolved.namespace = o.namespace;
  if (!Number.isSafeInteger(resolved.keepTagRevisions) || resolved.keepTagRevisions < 0) {
    throw new InvalidInputError(`plan options: keepTagRevisions must be a whole number >= 0, got ${resolved.keepTagRevisions}`);
  }
  if (!Number.isFinite(resolved.keepYoungerThanMs) || resolved.keepYoungerThanMs < 0) {
    throw new InvalidInputError(`plan options: keepYoungerThan must be a duration >= 0, got ${resolved.keepYoungerThanMs}ms`);
  }
  if (!(resolved.now instanceof Date) || Number.isNaN(resolved.now.getTime())) {
    throw new InvalidInputError('plan options: now must be a valid date');
  }
  return resolved;
}

/** Plain string order (JavaScript's default comparison), as the JSON contract requires. */
function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(byString);
}


/** Reads references and records strong ones; collects invalid references. */
class References {
  readonly strong = new Set<string>();
  readonly invalid: string[] = [];

  constructor(private readonly newestOfTag: (namespace: string, name: string, tag: string) => string | undefined) {}

  private offender(kind: string, md: ObjectMeta, field: string, value: unknown, reason: string): void {
    const ns = md.namespace ? `${md.namespace}/` : '';
    this.invalid.push(`${kind} ${ns}${md.name} ${field}: ${JSON.stringify(value)}: ${reason}`);
  }

  /** A pull spec (rule 2): a digest references that image; a tag the newest revision of its stream tag. */
  pullSpec(kind: string, md: ObjectMeta, field: string, spec: unknown): void {
    if (typeof spec !== 'string') {
      this.offender(kind, md, field, spec ?? null, 'not a string');
      return;
    }
    let ref;
    try {
      ref = parseReference(spec);
    } catch (err) {
      if (!(err instanceof InvalidReferenceError)) throw err;
      this.offender(kind, md, field, spec, err.reason);
      return;
    }
    if (ref.digest !== undefined) {
      this.strong.add(ref.digest);
    } else if (ref.namespace !== undefined && ref.tag !== undefined) {
      this.streamTag(ref.namespace, ref.name, ref.tag);
    }
  }

  streamTag(namespace: string, name: string, tag: string): void {
    const image = this.newestOfTag(namespace, name, tag);
    if (image !== undefined) this.strong.add(image);
  }

  podSpec(kind: string, md: ObjectMeta, prefix: string, spec: PodSpec | undefined): void {
    if (!spec) return;
    for (const list of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
      const containers: Container[] | undefined = spec[list];
      if (!containers) continue;
      for (let i = 0; i < containers.length; i++) {
        this.pullSpec(kind, md, `${prefix}.${list}[${i}].image`, containers[i]?.image);
      }
    }
  }

  /** Rule 3: `strategy.from` of builds and build configs. */
  build(b: Build): void {
    const strategy = b.spec?.strategy;
    if (!strategy) return;
    for (const s of ['sourceStrategy', 'dockerStrategy', 'customStrategy'] as const) {
      const from = strategy[s]?.from;
      if (!from) continue;
      const field = `spec.strategy.${s}.from.name`;
      const name = from.name;
      switch (from.kind) {
        case 'DockerImage':
          this.pullSpec(b.kind, b.metadata, field, name);
          break;
        case 'ImageStreamImage': {
          const at = typeof name === 'string' ? name.indexOf('@') : -1;
          const digest = at > 0 ? name!.slice(at + 1) : '';
          if (at <= 0 || !isDigest(digest)) {
            this.offender(b.kind, b.metadata, field, name ?? null, 'an ImageStreamImage name must be <stream>@<digest>');
          } else {
            this.strong.add(digest);
          }
          break;
        }
        case 'ImageStreamTag': {
          const colon = typeof name === 'string' ? name.lastIndexOf(':') : -1;
          if (colon <= 0 || colon === name!.length - 1) {
            this.offender(b.kind, b.metadata, field, name ?? null, 'an ImageStreamTag name must be <stream>:<tag>');
          } else {
            const namespace = from.namespace || b.metadata.namespace || '';
            this.streamTag(namespace, name!.slice(0, colon), name!.slice(colon + 1));
          }
          break;
        }
        default:
          // Other kinds (none exist in the API today) reference no image.
          break;
      }
    }
  }
}

function workloadPodSpec(w: Workload): { prefix: string; spec: PodSpec | undefined } {
  if (w.kind === 'CronJob') return { prefix: 'spec.jobTemplate.spec.template.spec', spec: w.spec?.jobTemplate?.spec?.template?.spec };
  return { prefix: 'spec.template.spec', spec: w.spec?.template?.spec };
}

/**
 * Every digest of the snapshot (image names, layers, configs, stream revisions)
 * numbered once, so that the set algebra of the plan runs on typed arrays and
 * each digest string is hashed once: at 100,000 images, string sets cost more
 * than parsing the dump.
 */
class Digests {
  private readonly ids = new Map<string, number>();
  readonly values: string[] = [];
  /** Per id: the index of the Image with this name, or -1. Kept dense (holey arrays turn slow). */
  readonly imageOf: number[] = [];
  /** Per id: the blob's size from `dockerImageLayers` (the largest any image gives), or -1. */
  readonly size: number[] = [];

  intern(digest: string): number {
    let id = this.ids.get(digest);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(digest);
      this.imageOf.push(-1);
      this.size.push(-1);
      this.ids.set(digest, id);
    }
    return id;
  }

  find(digest: string): number | undefined {
    return this.ids.get(digest);
  }

  /** The index of the Image named `digest`, or -1. */
  image(digest: string): number {
    const id = this.ids.get(digest);
    return id === undefined ? -1 : this.imageOf[id];
  }
}

interface ImageFacts {
  image: Image;
  candidate: boolean;
  /** Ids of the layer and config blobs (the repository's layer links), without duplicates. */
  links: number[];
  /** Id of the image's own manifest digest. */
  manifest: number;
}

/**
 * `created > now - keepYoungerThan`. Timestamps in the API's own form
 * (`2006-01-02T15:04:05Z`) compare as strings against the threshold in that form,
 * which is exact because they have whole seconds; anything else is parsed.
 */
function youngTest(youngSinceMs: number): (timestamp: string | undefined) => boolean {
  const threshold = new Date(Math.floor(youngSinceMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const fixedForm = threshold.length === 20;
  return (ts) => {
    if (ts === undefined) return false;
    if (fixedForm && ts.length === 20 && ts.charCodeAt(19) === 90 /* Z */ && ts.charCodeAt(10) === 84 /* T */ && ts.charCodeAt(4) === 45 && ts.charCodeAt(13) === 58) {
      return ts > threshold;
    }
    return Date.parse(ts) > youngSinceMs;
  };
}

/**
 * Computes the prune plan of a snapshot (docs/rules.md, "The plan").
 *
 * @throws InvalidReferencesError listing every offending object and field, unless
 *   `ignoreInvalidRefs` is set (then each one is a warning).
 */
export function computePlan(snapshot: Snapshot, options: Partial<PlanOptions> = {}): Plan {
  const opts = resolvePlanOptions(options);
  const isYoung = youngTest(opts.now.getTime() - opts.keepYoungerThanMs);
  const warnings: string[] = [];
  const digests = new Digests();

  // Images: candidates, blobs, sizes.
  const facts: ImageFacts[] = [];
  for (const image of snapshot.images) {
    const id = digests.intern(image.metadata.name);
    if (digests.imageOf[id] >= 0) continue; // the same Image twice in a dump: read once
    digests.imageOf[id] = facts.length;
    const managed = image.metadata.annotations?.[MANAGED_ANNOTATION] === 'true';
    const candidate = !isYoung(image.metadata.creationTimestamp) && (opts.all || managed);
    const blobs = blobsOfImage(image);
    if (blobs.warning) warnings.push(blobs.warning);
    const links: number[] = [];
    for (const layer of blobs.layers) links.push(digests.intern(layer));
    if (blobs.config !== undefined) {
      const config = digests.intern(blobs.config);
      if (!links.includes(config)) links.push(config);
    }
    facts.push({ image, candidate, links, manifest: id });
    const sized = layerSizesOf(image);
    if (sized.warning) warnings.push(sized.warning);
    for (const [name, size] of sized.sizes) {
      // blobs.layers are these names, so the lookup hits a hash already computed.
      const lid = digests.intern(name);
      if (size > digests.size[lid]) digests.size[lid] = size;
    }
  }

  // Image streams, read once: per revision its digest id and whether it is
  // young; rule 1 marks strong references.
  const streams = snapshot.streams;
  const revisionIds: number[] = [];
  const revisionYoung: boolean[] = [];
  const strongIds: number[] = [];
  for (const s of streams) {
    const streamYoung = isYoung(s.metadata.creationTimestamp);
    for (const t of s.status?.tags ?? []) {
      const items = t.items ?? [];
      for (let i = 0; i < items.length; i++) {
        const id = digests.intern(items[i].image);
        const young = isYoung(items[i].created);
        revisionIds.push(id);
        revisionYoung.push(young);
        if (i < opts.keepTagRevisions || streamYoung || young) strongIds.push(id);
      }
    }
  }

  // Workloads (rule 2) and builds (rule 3). Finished old pods are not read at all.
  const streamsByKey = new Map<string, ImageStream>();
  for (const s of streams) streamsByKey.set(repositoryOfStream(s), s);
  const newestOfTag = (namespace: string, name: string, tag: string): string | undefined => {
    const s = streamsByKey.get(repositoryOf(namespace, name));
    return s?.status?.tags?.find((t) => t.tag === tag)?.items?.[0]?.image;
  };
  const refs = new References(newestOfTag);
  for (const p of snapshot.pods) {
    const phase = p.status?.phase;
    if (phase === 'Running' || phase === 'Pending' || isYoung(p.metadata.creationTimestamp)) {
      refs.podSpec('Pod', p.metadata, 'spec', p.spec);
    }
  }
  for (const w of snapshot.workloads) {
    const { prefix, spec } = workloadPodSpec(w);
    refs.podSpec(w.kind, w.metadata, prefix, spec);
  }
  for (const b of snapshot.builds) refs.build(b);

  // Rule 5.
  if (refs.invalid.length > 0) {
    if (!opts.ignoreInvalidRefs) throw new InvalidReferencesError(sortedUnique(refs.invalid));
    for (const offender of refs.invalid) warnings.push(`skipped invalid reference: ${offender}`);
  }

  // Rule 4: non-candidates and strongly referenced images are kept, and what is
  // kept keeps its manifest-list children, transitively.
  const kept = new Uint8Array(facts.length);
  const queue: number[] = [];
  const keep = (index: number): void => {
    if (index < 0 || kept[index]) return;
    kept[index] = 1;
    queue.push(index);
  };
  for (let i = 0; i < facts.length; i++) if (!facts[i].candidate) keep(i);
  for (const id of strongIds) keep(digests.imageOf[id]);
  for (const digest of refs.strong) keep(digests.image(digest));
  while (queue.length > 0) {
    const children = facts[queue.pop()!].image.dockerImageManifests;
    if (children) for (const child of children) keep(digests.image(child.digest));
  }
  const isDeleted = (index: number): boolean => index >= 0 && kept[index] === 0;

  // Stream updates, manifest links and layer links, per stream (= repository).
  // Per digest id, `after` and `blobUsed` hold the number of the last stream whose
  // updated history holds it (a set per stream, reset for free); `listed` is
  // -2 - n once the digest is listed for stream n.
  const idCount = digests.values.length;
  const listed = new Int32Array(idCount).fill(-1);
  const after = new Int32Array(idCount).fill(-1);
  const blobUsed = new Int32Array(idCount).fill(-1);
  const streamUpdates: StreamUpdate[] = [];
  const linkGroups: { repository: string; manifests: string[]; layers: string[] }[] = [];
  let r = 0;
  for (let n = 0; n < streams.length; n++) {
    const s = streams[n];
    const removed: RemovedRevision[] = [];
    const removedTags: string[] = [];
    const firstRevision = r;
    for (const t of s.status?.tags ?? []) {
      const items = t.items ?? [];
      let removedHere = 0;
      for (let i = 0; i < items.length; i++, r++) {
        const id = revisionIds[r];
        const index = digests.imageOf[id];
        if (isDeleted(index) || (index < 0 && !revisionYoung[r])) {
          removed.push({ tag: t.tag, index: i, image: items[i].image });
          removedHere++;
        }
      }
      if (removedHere > 0 && removedHere === items.length) removedTags.push(t.tag);
    }
    if (removed.length === 0) continue;
    streamUpdates.push({
      namespace: s.metadata.namespace!,
      name: s.metadata.name,
      removed: removed.sort((a, b) => byString(a.tag, b.tag) || a.index - b.index),
      removedTags: removedTags.sort(),
    });

    // What the history still holds after the update, and the blobs those images use.
    for (let q = firstRevision; q < r; q++) {
      const id = revisionIds[q];
      const index = digests.imageOf[id];
      if (isDeleted(index) || (index < 0 && !revisionYoung[q])) continue;
      after[id] = n;
      if (index >= 0) for (const blob of facts[index].links) blobUsed[blob] = n;
    }
    const manifests: string[] = [];
    const layers: string[] = [];
    const addManifest = (id: number): void => {
      if (listed[id] === -2 - n) return; // listed already for this stream
      listed[id] = -2 - n;
      manifests.push(digests.values[id]);
    };
    for (let q = firstRevision; q < r; q++) {
      const id = revisionIds[q];
      if (after[id] === n) continue;
      addManifest(id);
      const index = digests.imageOf[id];
      if (index < 0) continue;
      for (const child of facts[index].image.dockerImageManifests ?? []) {
        const childId = digests.find(child.digest);
        if (childId !== undefined && isDeleted(digests.imageOf[childId])) addManifest(childId);
      }
      for (const blob of facts[index].links) {
        if (blobUsed[blob] === n || blobUsed[blob] === -2 - n) continue;
        blobUsed[blob] = -2 - n;
        layers.push(digests.values[blob]);
      }
    }
    linkGroups.push({ repository: repositoryOfStream(s), manifests, layers });
  }

  // Blobs: those of deleted images that no surviving image uses.
  const blobState = new Uint8Array(digests.values.length); // 1 protected, 2 listed
  for (let i = 0; i < facts.length; i++) {
    if (!kept[i]) continue;
    for (const blob of facts[i].links) blobState[blob] = 1;
    blobState[facts[i].manifest] = 1;
  }
  const images: string[] = [];
  const blobs: string[] = [];
  let bytesReclaimed = 0;
  const take = (blob: number): void => {
    if (blobState[blob] !== 0) return;
    blobState[blob] = 2;
    blobs.push(digests.values[blob]);
    if (digests.size[blob] > 0) bytesReclaimed += digests.size[blob];
  };
  for (let i = 0; i < facts.length; i++) {
    if (kept[i]) continue;
    images.push(digests.values[facts[i].manifest]);
    for (const blob of facts[i].links) take(blob);
    take(facts[i].manifest);
  }

  for (const [kind, count] of Object.entries(snapshot.ignoredKinds)) {
    warnings.push(`ignored ${count} object(s) of kind ${kind}: the rules do not read it`);
  }

  // Array.prototype.sort without a comparator is plain string order, and the
  // fastest. Each stream is its own repository, so links sort per repository.
  linkGroups.sort((a, b) => byString(a.repository, b.repository));
  const manifestLinks: RepositoryLink[] = [];
  const layerLinks: RepositoryLink[] = [];
  for (const g of linkGroups) {
    for (const digest of g.manifests.sort()) manifestLinks.push({ repository: g.repository, digest });
    for (const digest of g.layers.sort()) layerLinks.push({ repository: g.repository, digest });
  }
  return {
    images: images.sort(),
    streamUpdates: streamUpdates.sort((a, b) => byString(a.namespace, b.namespace) || byString(a.name, b.name)),
    manifestLinks,
    layerLinks,
    blobs: blobs.sort(),
    bytesReclaimed,
    warnings: sortedUnique(warnings),
  };
}
