// computePlan: the rules of PRUNING.md as one pure function. Reads a snapshot,
// decides what can go, and returns it sorted, so the same input always gives
// the same plan byte for byte.
import { InvalidInputError, InvalidReferencesError } from '../errors.js';
import { blobsOfImage, type ImageBlobs } from './blobs.js';
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
import { InvalidReferenceError, isDigest, parseReference } from './reference.js';
import type { Snapshot } from './snapshot.js';

export const MANAGED_ANNOTATION = 'openshift.io/image.managed';

/**
 * Fills in the defaults of PRUNING.md ("Options"). Throws {@link InvalidInputError}
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
  };
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

function sortLinks(links: RepositoryLink[]): RepositoryLink[] {
  return links.sort((a, b) => byString(a.repository, b.repository) || byString(a.digest, b.digest));
}

/** Everything the plan needs to know about one Image, computed once. */
interface ImageFacts {
  image: Image;
  candidate: boolean;
  blobs: ImageBlobs;
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
 * Computes the prune plan of a snapshot (PRUNING.md, "The plan").
 *
 * @throws InvalidReferencesError listing every offending object and field, unless
 *   `ignoreInvalidRefs` is set (then each one is a warning).
 */
export function computePlan(snapshot: Snapshot, options: Partial<PlanOptions> = {}): Plan {
  const opts = resolvePlanOptions(options);
  const nowMs = opts.now.getTime();
  const youngSince = nowMs - opts.keepYoungerThanMs;
  const isYoung = (timestamp: string | undefined): boolean => timestamp !== undefined && Date.parse(timestamp) > youngSince;
  const warnings: string[] = [];

  // Images.
  const images = new Map<string, ImageFacts>();
  const sizes = new Map<string, number>();
  for (const image of snapshot.images) {
    const name = image.metadata.name;
    const managed = image.metadata.annotations?.[MANAGED_ANNOTATION] === 'true';
    const candidate = !isYoung(image.metadata.creationTimestamp) && (opts.all || managed);
    const blobs = blobsOfImage(image);
    if (blobs.warning) warnings.push(blobs.warning);
    images.set(name, { image, candidate, blobs });
    for (const layer of image.dockerImageLayers ?? []) {
      if (typeof layer.size === 'number' && !sizes.has(layer.name)) sizes.set(layer.name, layer.size);
    }
  }

  // Image streams: rule 1, and the newest revision of each tag for rule 2.
  const streamsByKey = new Map<string, ImageStream>();
  for (const s of snapshot.streams) streamsByKey.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
  const newestOfTag = (namespace: string, name: string, tag: string): string | undefined => {
    const s = streamsByKey.get(`${namespace}/${name}`);
    return s?.status?.tags?.find((t) => t.tag === tag)?.items?.[0]?.image;
  };
  const refs = new References(newestOfTag);
  for (const s of snapshot.streams) {
    const streamYoung = isYoung(s.metadata.creationTimestamp);
    for (const t of s.status?.tags ?? []) {
      const items = t.items ?? [];
      for (let i = 0; i < items.length; i++) {
        if (i < opts.keepTagRevisions || streamYoung || isYoung(items[i].created)) refs.strong.add(items[i].image);
      }
    }
  }

  // Workloads (rule 2) and builds (rule 3). Finished old pods are not read at all.
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

  // Rule 4: what is kept keeps its manifest-list children, transitively.
  const kept = new Set<string>();
  const queue: string[] = [];
  const keep = (name: string): void => {
    if (kept.has(name) || !images.has(name)) return;
    kept.add(name);
    queue.push(name);
  };
  for (const [name, facts] of images) {
    if (!facts.candidate || refs.strong.has(name)) keep(name);
  }
  while (queue.length > 0) {
    const children = images.get(queue.pop()!)!.image.dockerImageManifests;
    if (children) for (const child of children) keep(child.digest);
  }
  const deleted = new Set<string>();
  for (const name of images.keys()) if (!kept.has(name)) deleted.add(name);

  // Stream updates, manifest links and layer links, per stream (= repository).
  const streamUpdates: StreamUpdate[] = [];
  const manifestLinks: RepositoryLink[] = [];
  const layerLinks: RepositoryLink[] = [];
  for (const s of snapshot.streams) {
    const repository = `${s.metadata.namespace}/${s.metadata.name}`;
    const removed: RemovedRevision[] = [];
    const removedTags: string[] = [];
    const before = new Set<string>();
    const after = new Set<string>();
    for (const t of s.status?.tags ?? []) {
      const items = t.items ?? [];
      let removedHere = 0;
      for (let i = 0; i < items.length; i++) {
        const image = items[i].image;
        before.add(image);
        if (deleted.has(image) || (!images.has(image) && !isYoung(items[i].created))) {
          removed.push({ tag: t.tag, index: i, image });
          removedHere++;
        } else {
          after.add(image);
        }
      }
      if (removedHere > 0 && removedHere === items.length) removedTags.push(t.tag);
    }
    if (removed.length === 0) continue;
    streamUpdates.push({
      namespace: s.metadata.namespace!,
      name: s.metadata.name,
      removed: removed.sort((a, b) => byString(a.tag, b.tag) || a.index - b.index),
      removedTags: sortedUnique(removedTags),
    });

    const manifests = new Set<string>();
    for (const digest of before) {
      if (after.has(digest)) continue;
      manifests.add(digest);
      for (const child of images.get(digest)?.image.dockerImageManifests ?? []) {
        if (deleted.has(child.digest)) manifests.add(child.digest);
      }
    }
    for (const digest of manifests) manifestLinks.push({ repository, digest });

    const stillUsed = new Set<string>();
    for (const digest of after) {
      const b = images.get(digest)?.blobs;
      if (!b) continue;
      for (const l of b.layers) stillUsed.add(l);
      if (b.config) stillUsed.add(b.config);
    }
    const unlinked = new Set<string>();
    for (const digest of before) {
      if (after.has(digest)) continue;
      const b = images.get(digest)?.blobs;
      if (!b) continue;
      for (const l of b.layers) if (!stillUsed.has(l)) unlinked.add(l);
      if (b.config && !stillUsed.has(b.config)) unlinked.add(b.config);
    }
    for (const digest of unlinked) layerLinks.push({ repository, digest });
  }

  // Blobs: those of deleted images that no surviving image uses.
  const protectedBlobs = new Set<string>();
  for (const name of kept) {
    const b = images.get(name)!.blobs;
    for (const l of b.layers) protectedBlobs.add(l);
    if (b.config) protectedBlobs.add(b.config);
    protectedBlobs.add(b.manifest);
  }
  const blobs = new Set<string>();
  for (const name of deleted) {
    const b = images.get(name)!.blobs;
    for (const l of b.layers) if (!protectedBlobs.has(l)) blobs.add(l);
    if (b.config && !protectedBlobs.has(b.config)) blobs.add(b.config);
    if (!protectedBlobs.has(b.manifest)) blobs.add(b.manifest);
  }
  let bytesReclaimed = 0;
  for (const blob of blobs) bytesReclaimed += sizes.get(blob) ?? 0;

  for (const [kind, count] of Object.entries(snapshot.ignoredKinds)) {
    warnings.push(`ignored ${count} object(s) of kind ${kind}: the rules do not read it`);
  }

  return {
    images: [...deleted].sort(byString),
    streamUpdates: streamUpdates.sort((a, b) => byString(a.namespace, b.namespace) || byString(a.name, b.name)),
    manifestLinks: sortLinks(manifestLinks),
    layerLinks: sortLinks(layerLinks),
    blobs: [...blobs].sort(byString),
    bytesReclaimed,
    warnings: sortedUnique(warnings),
  };
}
