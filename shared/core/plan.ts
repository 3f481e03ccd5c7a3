// computePlan: the rules of docs/rules.md as one pure function. Reads a snapshot,
// decides what can go, and returns it sorted, so the same input always gives
// the same plan byte for byte.
import { formatDuration } from './duration.js';
import { InvalidInputError, InvalidReferenceError, InvalidReferencesError } from './errors.js';
import { badLayerSize, blobsOfImage, isByteCount, layerSizesWarning } from './blobs.js';
import type { Build, Container, Image, ImageStream, ObjectMeta, PodSpec, Workload } from './kube-types.js';
import {
  DEFAULT_KEEP_TAG_REVISIONS,
  DEFAULT_KEEP_YOUNGER_THAN_MS,
  type ImageReasons,
  type Plan,
  type PlanOptions,
  type PlanReasons,
  type PlanReasonsSource,
  type RemovedRevision,
  type RepositoryLink,
  type RevisionReasons,
  type StreamUpdate,
} from './plan-types.js';
import { parseQuantity } from './quantity.js';
import { parseReference, referenceDigest } from './reference.js';
import { repositoryOf, repositoryOfStream } from './repository.js';
import { sortDigestLists, sortDigests } from './sort-digests.js';
import { IMAGE_LIMIT_TYPE, type Snapshot } from './snapshot.js';

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
  // An empty namespace would trim nothing and delete nothing, silently.
  if (resolved.namespace !== undefined && (typeof resolved.namespace !== 'string' || resolved.namespace.length === 0)) {
    throw new InvalidInputError(`plan options: namespace must be a non-empty string, got ${JSON.stringify(resolved.namespace)}`);
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


/** What computePlan returns besides the plan's contract fields. */
export interface PlanRequest {
  /**
   * Fill {@link Plan.reasons}: why each image stays or goes and which rule
   * decided each revision. Off by default: the plain plan does not pay for it.
   */
  reasons?: boolean;
}

/** Who holds a reference: `Pod ns/web spec.containers[0].image`. Kept as parts; formatted only for reasons. */
interface Referrer {
  kind: string;
  md: ObjectMeta;
  field: string;
}

function describeReferrer(r: Referrer): string {
  const ns = r.md.namespace ? `${r.md.namespace}/` : '';
  return `${r.kind} ${ns}${r.md.name} ${r.field}`;
}

/** One reference, recorded only when reasons are asked for. */
interface ReferenceEntry {
  who: Referrer;
  /** Digest id of a reference by digest. */
  digest?: number;
  /** The repository `namespace/name` the reference names, when it names one. */
  repository?: string;
  /** The tag of a reference by tag (no digest). */
  tag?: string;
}

/**
 * Reads references (rules 3 and 4 of "Which images stay"), and collects
 * invalid ones. A reference by digest keeps that image wherever it points, and
 * keeps the revisions of that digest in the stream it names (rule 5 of "Which
 * stream revisions stay"); a reference by tag keeps position 0 of that tag.
 */
class References {
  /** Digest ids referenced by digest, whatever the repository. */
  readonly digestIds: number[] = [];
  /** Repository -> tags referenced by tag (no digest). */
  readonly tags = new Map<string, Set<string>>();
  /** Repository -> digest ids referenced by digest through it. */
  readonly throughStream = new Map<string, Set<number>>();
  readonly invalid: string[] = [];
  /** Every reference with its referrer, when reasons are asked for. */
  readonly entries: ReferenceEntry[] | undefined;

  constructor(
    private readonly digests: Digests,
    withReasons: boolean,
  ) {
    if (withReasons) this.entries = [];
  }

  private offender(kind: string, md: ObjectMeta, field: string, value: unknown, reason: string): void {
    const ns = md.namespace ? `${md.namespace}/` : '';
    this.invalid.push(`${kind} ${ns}${md.name} ${field}: ${JSON.stringify(value)}: ${reason}`);
  }

  private byDigest(kind: string, md: ObjectMeta, field: string, digest: string, namespace: string | undefined, name: string | undefined): void {
    const id = this.digests.intern(digest);
    this.digestIds.push(id);
    let repository: string | undefined;
    if (namespace !== undefined && name !== undefined) {
      repository = repositoryOf(namespace, name);
      let ids = this.throughStream.get(repository);
      if (ids === undefined) this.throughStream.set(repository, (ids = new Set()));
      ids.add(id);
    }
    if (this.entries) this.entries.push({ who: { kind, md, field }, digest: id, repository });
  }

  private byTag(kind: string, md: ObjectMeta, field: string, namespace: string, name: string, tag: string): void {
    const repository = repositoryOf(namespace, name);
    let tags = this.tags.get(repository);
    if (tags === undefined) this.tags.set(repository, (tags = new Set()));
    tags.add(tag);
    if (this.entries) this.entries.push({ who: { kind, md, field }, repository, tag });
  }

  /** A pull spec: a digest references that image; a tag the newest revision of its stream tag. */
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
      this.byDigest(kind, md, field, ref.digest, ref.namespace, ref.namespace === undefined ? undefined : ref.name);
    } else if (ref.namespace !== undefined && ref.tag !== undefined) {
      this.byTag(kind, md, field, ref.namespace, ref.name, ref.tag);
    }
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

  /** `strategy.from` of builds and build configs. */
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
          const digest = at > 0 ? referenceDigest(name!.slice(at + 1)) : undefined;
          if (digest === undefined) {
            this.offender(b.kind, b.metadata, field, name ?? null, 'an ImageStreamImage name must be <stream>@<digest>');
          } else {
            this.byDigest(b.kind, b.metadata, field, digest, from.namespace || b.metadata.namespace || '', name!.slice(0, at));
          }
          break;
        }
        case 'ImageStreamTag': {
          const colon = typeof name === 'string' ? name.lastIndexOf(':') : -1;
          if (colon <= 0 || colon === name!.length - 1) {
            this.offender(b.kind, b.metadata, field, name ?? null, 'an ImageStreamTag name must be <stream>:<tag>');
          } else {
            const namespace = from.namespace || b.metadata.namespace || '';
            this.byTag(b.kind, b.metadata, field, namespace, name!.slice(0, colon), name!.slice(colon + 1));
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
 * A hash of a digest for {@link Digests}: its last 16 characters (64 bits of
 * a sha256's hex, uniform) and its length; shorter strings are hashed whole.
 * Never 0, which marks an empty slot.
 */
function digestHash(digest: string): number {
  const n = digest.length;
  let h = n;
  for (let i = n > 16 ? n - 16 : 0; i < n; i++) h = Math.imul(h ^ digest.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h | 1;
}

/**
 * Every digest of the snapshot (image names, layers, configs, children, stream
 * revisions, references) numbered once, so that the set algebra of the plan
 * runs on typed arrays and each digest string is hashed once: at 100,000
 * images, string sets cost more than parsing the dump. The table is open
 * addressing over one Int32Array of (hash, id) pairs rather than a Map: most
 * digests are new when met (each image has its own layers), and a new one then
 * costs one probe with no string compared; a Map of half a million strings
 * measured twice as slow.
 */
class Digests {
  readonly values: string[] = [];
  /**
   * Per id: the index of the Image with this name, or -1. Typed arrays with
   * room to spare, grown by doubling as {@link hashes} is: a push per new
   * digest onto a JS array measured a quarter of intern's time.
   */
  imageOf: Int32Array;
  /** Per id: the blob's size from `dockerImageLayers` (the largest any image gives), or -1. */
  size: Float64Array;
  private hashes: Int32Array;
  private table: Int32Array;
  private mask: number;

  /** Room for about `expected` digests before the table grows (each growth hashes every digest in again). */
  constructor(expected: number) {
    let slots = 2048;
    while (slots < 2 * expected) slots *= 2;
    const room = Math.max(1024, expected);
    this.hashes = new Int32Array(room);
    this.imageOf = new Int32Array(room).fill(-1);
    this.size = new Float64Array(room).fill(-1);
    this.table = new Int32Array(2 * slots);
    this.mask = slots - 1;
  }

  intern(digest: string): number {
    const h = digestHash(digest);
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    for (;;) {
      const th = table[2 * slot];
      if (th === 0) break;
      if (th === h) {
        const id = table[2 * slot + 1];
        if (this.values[id] === digest) return id;
      }
      slot = (slot + 1) & mask;
    }
    const id = this.values.length;
    this.values.push(digest);
    if (id === this.hashes.length) this.makeRoom();
    this.hashes[id] = h;
    table[2 * slot] = h;
    table[2 * slot + 1] = id;
    // At most half full: probes stay short.
    if (2 * (id + 1) > mask) this.grow();
    return id;
  }

  /** The id of `digest`, or -1 when it was never interned (nothing is added). */
  find(digest: string): number {
    const h = digestHash(digest);
    let slot = h & this.mask;
    for (;;) {
      const th = this.table[2 * slot];
      if (th === 0) return -1;
      if (th === h) {
        const id = this.table[2 * slot + 1];
        if (this.values[id] === digest) return id;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Doubles the per-id arrays, the new slots as a new digest has them. */
  private makeRoom(): void {
    const n = this.hashes.length;
    const hashes = new Int32Array(2 * n);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const imageOf = new Int32Array(2 * n).fill(-1);
    imageOf.set(this.imageOf);
    this.imageOf = imageOf;
    const size = new Float64Array(2 * n).fill(-1);
    size.set(this.size);
    this.size = size;
  }

  private grow(): void {
    const slots = 2 * (this.mask + 1);
    const mask = slots - 1;
    const table = new Int32Array(2 * slots);
    for (let id = 0; id < this.values.length; id++) {
      const h = this.hashes[id];
      let slot = h & mask;
      while (table[2 * slot] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = h;
      table[2 * slot + 1] = id;
    }
    this.table = table;
    this.mask = mask;
  }
}

/** At most how many digests the images of a snapshot name (their own, layers, config, children), for sizing {@link Digests}. */
function expectedDigests(snapshot: Snapshot): number {
  let n = 0;
  for (const image of snapshot.images) n += 2 + (image.dockerImageLayers?.length ?? 0) + (image.dockerImageManifests?.length ?? 0);
  return n;
}

interface ImageFacts {
  image: Image;
  candidate: boolean;
  /** Ids of the layer and config blobs (the repository's layer links), without duplicates. */
  links: number[];
  /** Id of the image's own manifest digest. */
  manifest: number;
  /** Ids of the manifest-list children (`dockerImageManifests[].digest`); empty for an image. */
  children: number[];
}

/** The smallest `max.storage` of the `openshift.io/Image` limits of one namespace. */
interface ImageLimit {
  floorBytes: number;
  text: string;
  /** `namespace/name` of the LimitRange. */
  limitRange: string;
}

/**
 * Per namespace, the binding image limit: an image exceeds its limit when any
 * limit is smaller than its size, i.e. when the smallest one is.
 */
function imageLimits(snapshot: Snapshot): Map<string, ImageLimit> {
  const limits = new Map<string, ImageLimit>();
  for (const lr of snapshot.limitRanges) {
    const ns = lr.metadata.namespace ?? '';
    const items = lr.spec?.limits ?? [];
    for (let i = 0; i < items.length; i++) {
      const storage = items[i]?.max?.storage;
      if (items[i]?.type !== IMAGE_LIMIT_TYPE || storage === undefined || storage === null) continue;
      const q = parseQuantity(storage);
      if (q === undefined) {
        throw new InvalidInputError(`LimitRange ${ns}/${lr.metadata.name}: spec.limits[${i}].max.storage is not a Kubernetes quantity: ${JSON.stringify(storage)}`);
      }
      const limit: ImageLimit = { floorBytes: q.floorBytes, text: q.text, limitRange: `${ns}/${lr.metadata.name}` };
      const old = limits.get(ns);
      if (old === undefined || limit.floorBytes < old.floorBytes || (limit.floorBytes === old.floorBytes && byString(limit.limitRange, old.limitRange) < 0)) {
        limits.set(ns, limit);
      }
    }
  }
  return limits;
}

/** `dockerImageMetadata.Size` when it is a byte count, else -1 (an image without a size never exceeds a limit). */
function imageSize(image: Image): number {
  const size: unknown = image.dockerImageMetadata?.Size;
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : -1;
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

// Which rule of "Which stream revisions stay" decided a revision (docs/rules.md),
// one byte per revision. NOT_TRIMMED: its stream is outside `namespace`.
const NOT_TRIMMED = 0;
const YOUNG_STREAM = 1;
const YOUNG_REVISION = 2;
const TAG_REFERENCE = 3;
const IMAGE_ABSENT = 4;
const WITHIN_KEEP = 5;
const NOT_OVER_LIMIT = 6;
const DIGEST_REFERENCE = 7;
const BEYOND_KEEP = 8;
const OVER_LIMIT = 9;
const isRemoved = (rule: number): boolean => rule === IMAGE_ABSENT || rule === BEYOND_KEEP || rule === OVER_LIMIT;

// Image flags, one byte per image, read only to explain.
const YOUNG = 1;
const MANAGED = 2;

/**
 * Computes the prune plan of a snapshot (docs/rules.md, "The plan"); with
 * `request.reasons`, also why each image and revision stays or goes.
 *
 * @throws InvalidReferencesError listing every offending object and field, unless
 *   `ignoreInvalidRefs` is set (then each one is a warning).
 * @throws InvalidInputError for a LimitRange quantity that does not parse (over-size mode only).
 */
export function computePlan(snapshot: Snapshot, options: Partial<PlanOptions> = {}, request: PlanRequest = {}): Plan {
  const { plan, reasons } = planOf(snapshot, options, request.reasons === true);
  if (reasons) plan.reasons = collectReasons(reasons);
  return plan;
}

/**
 * The plan of {@link computePlan} (without its `reasons` field) and the same
 * reasons as a {@link PlanReasonsSource}: each image's and each revision's
 * reasons are worked out only when visited, so a caller that writes them out
 * (`plan --output json`) never holds them all. At 100,000 images the reasons
 * are ~400,000 strings; built up front they outlive several garbage
 * collections, which copy them each time.
 *
 * @throws what {@link computePlan} throws.
 */
export function computePlanWithReasons(snapshot: Snapshot, options: Partial<PlanOptions> = {}): { plan: Plan; reasons: PlanReasonsSource } {
  const { plan, reasons } = planOf(snapshot, options, true);
  return { plan, reasons: reasons! };
}

/** Every reason of a source, as {@link Plan.reasons} holds them. */
function collectReasons(source: PlanReasonsSource): PlanReasons {
  const images: ImageReasons[] = [];
  const revisions: RevisionReasons[] = [];
  source.images((r) => images.push(r));
  source.revisions((r) => revisions.push(r));
  return { images, revisions };
}

function planOf(snapshot: Snapshot, options: Partial<PlanOptions>, withReasons: boolean): { plan: Plan; reasons?: PlanReasonsSource } {
  const opts = resolvePlanOptions(options);
  const overSize = opts.pruneOverSizeLimit;
  const onlyNamespace = opts.namespace;
  const isYoung = youngTest(opts.now.getTime() - opts.keepYoungerThanMs);
  const warnings: string[] = [];
  const digests = new Digests(expectedDigests(snapshot));

  // Images: candidates (rule 1 of "Which images stay"; age does not count in
  // over-size mode), blobs, sizes.
  const facts: ImageFacts[] = [];
  const flags: number[] = [];
  const sizes: number[] = [];
  for (const image of snapshot.images) {
    const id = digests.intern(image.metadata.name);
    if (digests.imageOf[id] >= 0) continue; // the same Image twice in a dump: read once
    digests.imageOf[id] = facts.length;
    const managed = image.metadata.annotations?.[MANAGED_ANNOTATION] === 'true';
    const young = isYoung(image.metadata.creationTimestamp);
    const candidate = (overSize || !young) && (opts.all || managed);
    const blobs = blobsOfImage(image);
    if (blobs.warning) warnings.push(blobs.warning);
    const links: number[] = [];
    for (const layer of blobs.layers) links.push(digests.intern(layer));
    if (blobs.config !== undefined) {
      const config = digests.intern(blobs.config);
      if (!links.includes(config)) links.push(config);
    }
    const children: number[] = [];
    const listed = image.dockerImageManifests;
    if (listed) for (const child of listed) children.push(digests.intern(child.digest));
    facts.push({ image, candidate, links, manifest: id, children });
    if (withReasons) flags.push((young ? YOUNG : 0) | (managed ? MANAGED : 0));
    if (overSize) sizes.push(imageSize(image));
    // The sizes of dockerImageLayers (docs/rules.md, "The plan"): the largest any
    // image gives. blobs.layers are these names, first occurrences in order, so
    // each layer's id is found among this image's links, not hashed again.
    const sized = image.dockerImageLayers;
    if (sized) {
      let bad: string[] | undefined;
      for (let j = 0; j < sized.length; j++) {
        const size: unknown = sized[j].size;
        if (size === undefined || size === null) continue;
        if (!isByteCount(size)) {
          (bad ??= []).push(badLayerSize(j, size));
          continue;
        }
        const lid = links[blobs.layers.indexOf(sized[j].name)];
        if (size > digests.size[lid]) digests.size[lid] = size;
      }
      if (bad) warnings.push(layerSizesWarning(image.metadata.name, bad));
    }
  }

  // Image streams, read once: per revision its digest id and whether it is young.
  const streams = snapshot.streams;
  const revisionIds: number[] = [];
  const revisionYoung: boolean[] = [];
  for (const s of streams) {
    for (const t of s.status?.tags ?? []) {
      const items = t.items ?? [];
      for (let i = 0; i < items.length; i++) {
        revisionIds.push(digests.intern(items[i].image));
        revisionYoung.push(isYoung(items[i].created));
      }
    }
  }

  // References: workloads (rule 3) and builds (rule 4), from every namespace.
  // Finished old pods are not read at all.
  const refs = new References(digests, withReasons);
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

  // Invalid references stop the plan, or are skipped with a warning.
  if (refs.invalid.length > 0) {
    if (!opts.ignoreInvalidRefs) throw new InvalidReferencesError(sortedUnique(refs.invalid));
    for (const offender of refs.invalid) warnings.push(`skipped invalid reference: ${offender}`);
  }

  const limits = overSize ? imageLimits(snapshot) : undefined;

  // "Which stream revisions stay": the first rule that applies decides each
  // revision. What stays keeps its image (rule 2 of "Which images stay").
  const kept = new Uint8Array(facts.length);
  const queue: number[] = [];
  const keep = (index: number): void => {
    if (index < 0 || kept[index]) return;
    kept[index] = 1;
    queue.push(index);
  };
  const rules = new Uint8Array(revisionIds.length);
  let r = 0;
  for (const s of streams) {
    const tags = s.status?.tags ?? [];
    if (onlyNamespace !== undefined && s.metadata.namespace !== onlyNamespace) {
      for (const t of tags) {
        const items = t.items ?? [];
        for (let i = 0; i < items.length; i++, r++) {
          rules[r] = NOT_TRIMMED;
          keep(digests.imageOf[revisionIds[r]]);
        }
      }
      continue;
    }
    const streamYoung = !overSize && isYoung(s.metadata.creationTimestamp);
    const repository = repositoryOfStream(s);
    const taggedHere = refs.tags.get(repository);
    const throughHere = refs.throughStream.get(repository);
    const limit = limits?.get(s.metadata.namespace ?? '');
    for (const t of tags) {
      const items = t.items ?? [];
      const tagReferenced = taggedHere !== undefined && taggedHere.has(t.tag);
      for (let i = 0; i < items.length; i++, r++) {
        const id = revisionIds[r];
        const index = digests.imageOf[id];
        let rule: number;
        if (streamYoung) rule = YOUNG_STREAM;
        else if (!overSize && revisionYoung[r]) rule = YOUNG_REVISION;
        else if (i === 0 && tagReferenced) rule = TAG_REFERENCE;
        else if (index < 0) rule = IMAGE_ABSENT;
        else if (!overSize && i < opts.keepTagRevisions) rule = WITHIN_KEEP;
        else if (overSize && !(limit !== undefined && sizes[index] >= 0 && limit.floorBytes < sizes[index])) rule = NOT_OVER_LIMIT;
        else if (throughHere !== undefined && throughHere.has(id)) rule = DIGEST_REFERENCE;
        else rule = overSize ? OVER_LIMIT : BEYOND_KEEP;
        rules[r] = rule;
        if (!isRemoved(rule)) keep(index);
      }
    }
  }

  // "Which images stay": not candidates (1), references by digest (3, 4),
  // references by tag keep position 0 of that tag (3, 4), children of what
  // stays (5), and every image in namespace mode (6).
  for (let i = 0; i < facts.length; i++) if (!facts[i].candidate) keep(i);
  for (const id of refs.digestIds) keep(digests.imageOf[id]);
  let streamsByKey: Map<string, ImageStream> | undefined;
  const newestOfTag = (repository: string, tag: string): string | undefined => {
    if (streamsByKey === undefined) {
      streamsByKey = new Map();
      for (const s of streams) streamsByKey.set(repositoryOfStream(s), s);
    }
    return streamsByKey.get(repository)?.status?.tags?.find((t) => t.tag === tag)?.items?.[0]?.image;
  };
  for (const [repository, tags] of refs.tags) {
    for (const tag of tags) {
      const image = newestOfTag(repository, tag);
      if (image !== undefined) keep(digests.imageOf[digests.intern(image)]);
    }
  }
  while (queue.length > 0) {
    for (const child of facts[queue.pop()!].children) keep(digests.imageOf[child]);
  }
  if (onlyNamespace !== undefined) kept.fill(1);
  const isDeleted = (index: number): boolean => index >= 0 && kept[index] === 0;

  // Stream updates, manifest links and layer links, per stream (= repository).
  // Per digest id, `after` and `blobUsed` hold the number of the last stream whose
  // updated history holds it (a set per stream, reset for free); `listed` and a
  // `blobUsed` of -2 - n mean the digest is listed for stream n already.
  const idCount = digests.values.length;
  const listed = opts.pruneRegistry ? new Int32Array(idCount).fill(-1) : undefined;
  const after = opts.pruneRegistry ? new Int32Array(idCount).fill(-1) : undefined;
  const blobUsed = opts.pruneRegistry ? new Int32Array(idCount).fill(-1) : undefined;
  const streamUpdates: StreamUpdate[] = [];
  const linkGroups: { repository: string; manifests: string[]; layers: string[] }[] = [];
  r = 0;
  for (let n = 0; n < streams.length; n++) {
    const s = streams[n];
    const removed: RemovedRevision[] = [];
    const removedTags: string[] = [];
    const firstRevision = r;
    for (const t of s.status?.tags ?? []) {
      const items = t.items ?? [];
      let removedHere = 0;
      for (let i = 0; i < items.length; i++, r++) {
        if (isRemoved(rules[r])) {
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
    if (!listed || !after || !blobUsed) continue;

    // What the history still holds after the update, and the blobs those
    // images and their children use. A child of a list that leaves the history
    // keeps its manifest link when it stays, so it keeps its blobs' links too:
    // a pull of that child through this repository must not lose a layer.
    for (let q = firstRevision; q < r; q++) {
      const removedHere = isRemoved(rules[q]);
      const id = revisionIds[q];
      if (!removedHere) after[id] = n;
      const index = digests.imageOf[id];
      if (index < 0) continue;
      if (!removedHere) for (const blob of facts[index].links) blobUsed[blob] = n;
      for (const child of facts[index].children) {
        const c = digests.imageOf[child];
        if (c >= 0 && (!removedHere || kept[c])) for (const blob of facts[c].links) blobUsed[blob] = n;
      }
    }
    const manifests: string[] = [];
    const layers: string[] = [];
    const unlinkBlobs = (index: number): void => {
      for (const blob of facts[index].links) {
        if (blobUsed[blob] === n || blobUsed[blob] === -2 - n) continue;
        blobUsed[blob] = -2 - n;
        layers.push(digests.values[blob]);
      }
    };
    for (let q = firstRevision; q < r; q++) {
      const id = revisionIds[q];
      if (after[id] === n || listed[id] === -2 - n) continue;
      listed[id] = -2 - n;
      manifests.push(digests.values[id]);
      const index = digests.imageOf[id];
      if (index < 0) continue;
      unlinkBlobs(index);
      for (const child of facts[index].children) {
        const c = digests.imageOf[child];
        if (!isDeleted(c) || listed[child] === -2 - n) continue;
        listed[child] = -2 - n;
        manifests.push(digests.values[child]);
        unlinkBlobs(c);
      }
    }
    linkGroups.push({ repository: repositoryOfStream(s), manifests, layers });
  }

  // Blobs: those of deleted images that no surviving image uses.
  const images: string[] = [];
  const blobs: string[] = [];
  let bytesReclaimed = 0;
  for (let i = 0; i < facts.length; i++) if (!kept[i]) images.push(digests.values[facts[i].manifest]);
  if (opts.pruneRegistry && images.length > 0) {
    const blobState = new Uint8Array(idCount); // 1 protected, 2 listed
    for (let i = 0; i < facts.length; i++) {
      if (!kept[i]) continue;
      for (const blob of facts[i].links) blobState[blob] = 1;
      blobState[facts[i].manifest] = 1;
    }
    const take = (blob: number): void => {
      if (blobState[blob] !== 0) return;
      blobState[blob] = 2;
      blobs.push(digests.values[blob]);
      if (digests.size[blob] > 0) bytesReclaimed += digests.size[blob];
    };
    for (let i = 0; i < facts.length; i++) {
      if (kept[i]) continue;
      for (const blob of facts[i].links) take(blob);
      take(facts[i].manifest);
    }
  }

  for (const [kind, count] of Object.entries(snapshot.ignoredKinds)) {
    warnings.push(`ignored ${count} object(s) of kind ${kind}: the rules do not read it`);
  }

  // Plain string order (sortDigests: what sort() gives, faster on many digests).
  // Each stream is its own repository, so links sort per repository.
  linkGroups.sort((a, b) => byString(a.repository, b.repository));
  sortDigestLists(linkGroups.map((g) => g.manifests));
  sortDigestLists(linkGroups.map((g) => g.layers));
  const manifestLinks: RepositoryLink[] = [];
  const layerLinks: RepositoryLink[] = [];
  for (const g of linkGroups) {
    for (const digest of g.manifests) manifestLinks.push({ repository: g.repository, digest });
    for (const digest of g.layers) layerLinks.push({ repository: g.repository, digest });
  }
  const plan: Plan = {
    images: sortDigests(images),
    streamUpdates: streamUpdates.sort((a, b) => byString(a.namespace, b.namespace) || byString(a.name, b.name)),
    manifestLinks,
    layerLinks,
    blobs: sortDigests(blobs),
    bytesReclaimed,
    warnings: sortedUnique(warnings),
  };
  if (!withReasons) return { plan };
  return { plan, reasons: new Explainer({ snapshot, opts, digests, facts, flags, sizes, kept, revisionIds, rules, refs, limits, newestOfTag }) };
}

/** What {@link Explainer} reads: the facts computePlan recorded on the way. */
interface Facts {
  snapshot: Snapshot;
  opts: PlanOptions;
  digests: Digests;
  facts: ImageFacts[];
  flags: number[];
  sizes: number[];
  kept: Uint8Array;
  revisionIds: number[];
  rules: Uint8Array;
  refs: References;
  limits: Map<string, ImageLimit> | undefined;
  newestOfTag: (repository: string, tag: string) => string | undefined;
}

/** Maps a key to the list of values added under it. */
function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Sorts strings in place in plain string order and drops repeats; returns
 * them. (Array.prototype.sort without a comparator compares UTF-16 code units,
 * as `<` does.)
 */
function sortUnique(lines: string[]): string[] {
  if (lines.length < 2) return lines;
  lines.sort();
  let kept = 1;
  for (let k = 1; k < lines.length; k++) if (lines[k] !== lines[kept - 1]) lines[kept++] = lines[k];
  lines.length = kept;
  return lines;
}

/**
 * Lists of numbers per owner (0..owners-1), packed: the values of owner o are
 * `values[start[o]]` up to `values[start[o + 1]]`, in the order they were added.
 */
class Packed {
  readonly start: Int32Array;
  readonly values: Int32Array;

  constructor(owners: number, pairs: number[]) {
    const start = new Int32Array(owners + 1);
    for (let k = 0; k < pairs.length; k += 2) start[pairs[k] + 1]++;
    for (let o = 0; o < owners; o++) start[o + 1] += start[o];
    const next = start.slice(0, owners);
    const values = new Int32Array(pairs.length / 2);
    for (let k = 0; k < pairs.length; k += 2) values[next[pairs[k]]++] = pairs[k + 1];
    this.start = start;
    this.values = values;
  }
}

/**
 * The reasons of the plan, worked out from the compact facts computePlan kept
 * (a rule byte per revision, a flag byte per image, the references with their
 * referrers): here only numbers are indexed up front; every string is built
 * when its image or revision is visited. Each line starts with the rule, not
 * the verdict (the verdict is its own field).
 */
class Explainer implements PlanReasonsSource {
  private readonly young: string;
  /** Per revision: its stream, its tag's position in the stream's tags, its position in the tag's history. */
  private readonly revStream: Int32Array;
  private readonly revTag: Int32Array;
  private readonly revPos: Int32Array;
  private readonly repositories: string[];
  /** Referrers by tag (`repository:tag`) and by digest through a stream (`repository@id`): reference entries. */
  private readonly tagReferrers = new Map<string, number[]>();
  private readonly digestReferrers = new Map<string, number[]>();
  /** Per image: the references that keep it, the revisions it names, the manifest lists that keep it as a child. */
  private readonly imageRefs: Packed;
  private readonly imageRevisions: Packed;
  private readonly imageParents: Packed;

  constructor(private readonly f: Facts) {
    const { opts, digests, facts, kept, rules, refs } = f;
    this.young = `keepYoungerThan ${formatDuration(opts.keepYoungerThanMs)}`;
    const streams = f.snapshot.streams;
    const count = f.revisionIds.length;
    this.revStream = new Int32Array(count);
    this.revTag = new Int32Array(count);
    this.revPos = new Int32Array(count);
    this.repositories = streams.map(repositoryOfStream);
    const revisionPairs: number[] = [];
    let r = 0;
    for (let n = 0; n < streams.length; n++) {
      const tags = streams[n].status?.tags ?? [];
      for (let k = 0; k < tags.length; k++) {
        const items = tags[k].items ?? [];
        for (let i = 0; i < items.length; i++, r++) {
          this.revStream[r] = n;
          this.revTag[r] = k;
          this.revPos[r] = i;
          const index = digests.imageOf[f.revisionIds[r]];
          // An image names every revision that stays; a deleted one, every revision that was removed.
          if (index >= 0 && (!isRemoved(rules[r]) || !kept[index])) revisionPairs.push(index, r);
        }
      }
    }
    this.imageRevisions = new Packed(facts.length, revisionPairs);

    const refPairs: number[] = [];
    const entries = refs.entries ?? [];
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k];
      if (e.digest !== undefined) {
        if (e.repository !== undefined) pushTo(this.digestReferrers, `${e.repository}@${e.digest}`, k);
        const index = digests.imageOf[e.digest];
        if (index >= 0) refPairs.push(index, k);
      } else if (e.repository !== undefined && e.tag !== undefined) {
        pushTo(this.tagReferrers, `${e.repository}:${e.tag}`, k);
        const image = f.newestOfTag(e.repository, e.tag);
        const index = image === undefined ? -1 : digests.imageOf[digests.intern(image)];
        if (index >= 0) refPairs.push(index, k);
      }
    }
    this.imageRefs = new Packed(facts.length, refPairs);

    const parentPairs: number[] = [];
    for (let i = 0; i < facts.length; i++) {
      if (!kept[i]) continue;
      for (const child of facts[i].children) {
        const c = digests.imageOf[child];
        if (c >= 0) parentPairs.push(c, i);
      }
    }
    this.imageParents = new Packed(facts.length, parentPairs);
  }

  private who(entry: number): string {
    return describeReferrer(this.f.refs.entries![entry].who);
  }

  /** The reasons of revision `r`, sorted. */
  private revisionLines(r: number): string[] {
    const { opts, snapshot } = this.f;
    const s = snapshot.streams[this.revStream[r]];
    const t = s.status!.tags![this.revTag[r]];
    const i = this.revPos[r];
    const namespace = s.metadata.namespace ?? '';
    const repository = this.repositories[this.revStream[r]];
    const id = this.f.revisionIds[r];
    const index = this.f.digests.imageOf[id];
    let lines: string[];
    switch (this.f.rules[r]) {
      case NOT_TRIMMED:
        lines = [`not trimmed: only the streams of namespace ${opts.namespace} are trimmed`];
        break;
      case YOUNG_STREAM:
        lines = [`young stream: ${repository} was created ${s.metadata.creationTimestamp}, within ${this.young}`];
        break;
      case YOUNG_REVISION:
        lines = [`young revision: created ${t.items![i].created}, within ${this.young}`];
        break;
      case TAG_REFERENCE:
        lines = (this.tagReferrers.get(`${repository}:${t.tag}`) ?? []).map((k) => `referenced by tag ${repository}:${t.tag} at position 0: ${this.who(k)}`);
        break;
      case IMAGE_ABSENT:
        lines = ['image not in the snapshot'];
        break;
      case WITHIN_KEEP:
        lines = [`within keepTagRevisions ${opts.keepTagRevisions}: position ${i}`];
        break;
      case NOT_OVER_LIMIT: {
        const limit = this.f.limits?.get(namespace);
        const size = this.f.sizes[index];
        lines = [
          size < 0
            ? 'not over the limit: the image has no dockerImageMetadata.Size'
            : limit === undefined
              ? `not over the limit: no LimitRange of type ${IMAGE_LIMIT_TYPE} in namespace ${namespace}`
              : `not over the limit of LimitRange ${limit.limitRange}: size ${size} <= max.storage ${limit.text}`,
        ];
        break;
      }
      case DIGEST_REFERENCE:
        lines = (this.digestReferrers.get(`${repository}@${id}`) ?? []).map((k) => `referenced by digest through this stream: ${this.who(k)}`);
        break;
      case BEYOND_KEEP:
        lines = [`beyond keepTagRevisions ${opts.keepTagRevisions}: position ${i}`];
        break;
      default: {
        const limit = this.f.limits!.get(namespace)!;
        lines = [`over the limit of LimitRange ${limit.limitRange}: size ${this.f.sizes[index]} > max.storage ${limit.text}`];
      }
    }
    return sortUnique(lines);
  }

  private revisionReasons(r: number): RevisionReasons {
    const s = this.f.snapshot.streams[this.revStream[r]];
    const t = s.status!.tags![this.revTag[r]];
    const index = this.revPos[r];
    return {
      namespace: s.metadata.namespace ?? '',
      name: s.metadata.name,
      tag: t.tag,
      index,
      image: t.items![index].image,
      verdict: isRemoved(this.f.rules[r]) ? 'removed' : 'stays',
      reasons: this.revisionLines(r),
    };
  }

  private imageReasons(i: number): ImageReasons {
    const { opts, digests, facts, kept, flags } = this.f;
    const lines: string[] = [];
    const entries = this.f.refs.entries!;
    for (let k = this.imageRefs.start[i]; k < this.imageRefs.start[i + 1]; k++) {
      const e = entries[this.imageRefs.values[k]];
      const who = describeReferrer(e.who);
      lines.push(e.digest !== undefined ? `${who} references it by digest` : `${who} references it by tag ${e.repository}:${e.tag}`);
    }
    for (let k = this.imageRevisions.start[i]; k < this.imageRevisions.start[i + 1]; k++) {
      const r = this.imageRevisions.values[k];
      const s = this.f.snapshot.streams[this.revStream[r]];
      const head = `revision ${this.repositories[this.revStream[r]]}:${s.status!.tags![this.revTag[r]].tag}#${this.revPos[r]} ${isRemoved(this.f.rules[r]) ? 'is removed' : 'stays'}: `;
      for (const line of this.revisionLines(r)) lines.push(head + line);
    }
    for (let k = this.imageParents.start[i]; k < this.imageParents.start[i + 1]; k++) {
      lines.push(`child of manifest list ${digests.values[facts[this.imageParents.values[k]].manifest]}, which stays`);
    }
    const image = facts[i].image;
    if (!facts[i].candidate) {
      if (!opts.pruneOverSizeLimit && flags[i] & YOUNG) lines.push(`not a candidate: young, created ${image.metadata.creationTimestamp}, within ${this.young}`);
      if (!opts.all && !(flags[i] & MANAGED)) {
        const value = image.metadata.annotations?.[MANAGED_ANNOTATION];
        lines.push(`not a candidate: not managed (${MANAGED_ANNOTATION} is ${value === undefined ? 'not set' : JSON.stringify(value)}) and all is not set`);
      }
    }
    if (opts.namespace !== undefined) lines.push(`namespace mode: no image is deleted (namespace ${opts.namespace})`);
    if (!kept[i]) {
      lines.push('no revision that stays points to it', 'no pod, workload or build references it');
      const age = opts.pruneOverSizeLimit ? 'age does not count in over-size mode' : `created ${image.metadata.creationTimestamp}, older than ${this.young}`;
      lines.push(`a candidate: ${age}, and ${flags[i] & MANAGED ? 'managed' : 'all is set'}`);
    }
    return { image: digests.values[facts[i].manifest], verdict: kept[i] ? 'stays' : 'deleted', reasons: sortUnique(lines) };
  }

  image(name: string): ImageReasons | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.imageReasons(i);
  }

  revisionsOfImage(name: string): RevisionReasons[] {
    const i = this.indexOf(name);
    if (i < 0) return [];
    const out: RevisionReasons[] = [];
    for (let k = this.imageRevisions.start[i]; k < this.imageRevisions.start[i + 1]; k++) out.push(this.revisionReasons(this.imageRevisions.values[k]));
    return out;
  }

  /** The index of the Image named `name`, or -1. */
  private indexOf(name: string): number {
    const id = this.f.digests.find(name);
    return id < 0 ? -1 : this.f.digests.imageOf[id];
  }

  images(take: (reasons: ImageReasons) => void): void {
    const { digests, facts } = this.f;
    // Sorted by digest: the digests sort as plain strings, fastest without a comparator; each finds its image again.
    const names = sortDigests(facts.map((f) => digests.values[f.manifest]));
    for (const name of names) take(this.imageReasons(digests.imageOf[digests.intern(name)]));
  }

  revisions(take: (reasons: RevisionReasons) => void): void {
    // By namespace, name, tag, then position; revisions of one stream (or of
    // streams of the same name, should a dump hold one twice) are sorted among
    // themselves, then in the order they were read, as a stable sort of all would.
    const streams = this.f.snapshot.streams;
    const key = (n: number): string => streams[n].metadata.namespace ?? '';
    const order = streams.map((_, n) => n).sort((a, b) => byString(key(a), key(b)) || byString(streams[a].metadata.name, streams[b].metadata.name));
    // The revisions of stream n are first[n] up to first[n + 1].
    const first = new Int32Array(streams.length + 1);
    let r = 0;
    for (let n = 0; n < streams.length; n++) {
      first[n] = r;
      for (const t of streams[n].status?.tags ?? []) r += (t.items ?? []).length;
    }
    first[streams.length] = r;
    const tagOf = (q: number): string => streams[this.revStream[q]].status!.tags![this.revTag[q]].tag;
    for (let g = 0; g < order.length; ) {
      let end = g + 1;
      while (end < order.length && key(order[end]) === key(order[g]) && streams[order[end]].metadata.name === streams[order[g]].metadata.name) end++;
      const group: number[] = [];
      for (let k = g; k < end; k++) for (let q = first[order[k]]; q < first[order[k] + 1]; q++) group.push(q);
      group.sort((a, b) => byString(tagOf(a), tagOf(b)) || this.revPos[a] - this.revPos[b] || a - b);
      for (const q of group) take(this.revisionReasons(q));
      g = end;
    }
  }
}
