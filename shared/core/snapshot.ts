// A cluster snapshot: the objects the rules read, sorted by kind and checked for
// the fields the rules need. Built from a Kubernetes `List` (an `oc get -o json`
// dump, or what the collector writes), item by item so that a streaming parser
// can feed it too.
import { InvalidInputError } from './errors.js';
import type { Build, Image, ImageStream, KubeObject, LimitRange, Pod, PodSpec, Workload } from './kube-types.js';
import { TEMPLATE_KINDS } from './kube-types.js';
import { parseQuantity } from './quantity.js';

/** The LimitRange limit type whose `max.storage` caps an image's size (docs/rules.md, "Words"). */
export const IMAGE_LIMIT_TYPE = 'openshift.io/Image';

export interface Snapshot {
  images: Image[];
  streams: ImageStream[];
  pods: Pod[];
  workloads: Workload[];
  builds: Build[];
  /** LimitRanges (read only in over-size mode, docs/rules.md "Definitions"). */
  limitRanges: LimitRange[];
  /** Items of kinds the rules do not read, counted by kind. */
  ignoredKinds: Record<string, number>;
}

export function emptySnapshot(): Snapshot {
  return { images: [], streams: [], pods: [], workloads: [], builds: [], limitRanges: [], ignoredKinds: {} };
}

const WORKLOAD_KINDS = new Set<string>([...TEMPLATE_KINDS, 'CronJob']);

/** Names one item of the input in error messages: `item 12 (Pod ns/name)`. */
function describe(item: KubeObject, index: number | undefined): string {
  const kind = typeof item?.kind === 'string' ? item.kind : 'object';
  const md = item?.metadata;
  const name = md && typeof md.name === 'string' ? md.name : '<no name>';
  const ns = md && typeof md.namespace === 'string' && md.namespace ? `${md.namespace}/` : '';
  return `${index === undefined ? '' : `item ${index} `}(${kind} ${ns}${name})`;
}

class Checker {
  constructor(private readonly what: string) {}
  fail(field: string, problem: string): never {
    throw new InvalidInputError(`${this.what}: ${field} ${problem}`);
  }
  isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  }
  string(v: unknown, field: string): string {
    if (typeof v !== 'string' || v.length === 0) this.fail(field, 'must be a non-empty string');
    return v;
  }
  timestamp(v: unknown, field: string): string {
    const s = this.string(v, field);
    if (Number.isNaN(Date.parse(s))) this.fail(field, `is not a timestamp: "${s}"`);
    return s;
  }
  optionalArray(v: unknown, field: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(field, 'must be a list');
    return v;
  }
  optionalObject(v: unknown, field: string): Record<string, unknown> | undefined {
    if (v === undefined || v === null) return undefined;
    if (!this.isObject(v)) this.fail(field, 'must be an object');
    return v;
  }
}

function checkPodSpec(c: Checker, spec: unknown, field: string): void {
  const s = c.optionalObject(spec, field);
  if (!s) return;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    c.optionalArray(s[list], `${field}.${list}`).forEach((ct, i) => {
      const f = `${field}.${list}[${i}]`;
      if (!c.isObject(ct)) c.fail(f, 'must be an object');
      c.string(ct.image, `${f}.image`);
    });
  }
}

function checkImage(c: Checker, o: Record<string, unknown>): void {
  const md = o.metadata as Record<string, unknown>;
  c.timestamp(md.creationTimestamp, 'metadata.creationTimestamp');
  c.optionalArray(o.dockerImageLayers, 'dockerImageLayers').forEach((l, i) => {
    if (!c.isObject(l)) c.fail(`dockerImageLayers[${i}]`, 'must be an object');
    c.string(l.name, `dockerImageLayers[${i}].name`);
    if (l.size !== undefined && typeof l.size !== 'number') c.fail(`dockerImageLayers[${i}].size`, 'must be a number');
  });
  c.optionalArray(o.dockerImageManifests, 'dockerImageManifests').forEach((m, i) => {
    if (!c.isObject(m)) c.fail(`dockerImageManifests[${i}]`, 'must be an object');
    c.string(m.digest, `dockerImageManifests[${i}].digest`);
  });
  if (o.dockerImageManifest !== undefined && o.dockerImageManifest !== null && typeof o.dockerImageManifest !== 'string') {
    c.fail('dockerImageManifest', 'must be a string');
  }
  c.optionalObject(o.dockerImageMetadata, 'dockerImageMetadata');
}

function checkStream(c: Checker, o: Record<string, unknown>): void {
  const md = o.metadata as Record<string, unknown>;
  c.string(md.namespace, 'metadata.namespace');
  c.timestamp(md.creationTimestamp, 'metadata.creationTimestamp');
  const status = c.optionalObject(o.status, 'status');
  c.optionalArray(status?.tags, 'status.tags').forEach((t, i) => {
    if (!c.isObject(t)) c.fail(`status.tags[${i}]`, 'must be an object');
    c.string(t.tag, `status.tags[${i}].tag`);
    c.optionalArray(t.items, `status.tags[${i}].items`).forEach((it, j) => {
      const f = `status.tags[${i}].items[${j}]`;
      if (!c.isObject(it)) c.fail(f, 'must be an object');
      c.string(it.image, `${f}.image`);
      c.timestamp(it.created, `${f}.created`);
    });
  });
}

function checkBuild(c: Checker, o: Record<string, unknown>): void {
  const spec = c.optionalObject(o.spec, 'spec');
  const strategy = c.optionalObject(spec?.strategy, 'spec.strategy');
  for (const s of ['sourceStrategy', 'dockerStrategy', 'customStrategy'] as const) {
    const st = c.optionalObject(strategy?.[s], `spec.strategy.${s}`);
    const from = c.optionalObject(st?.from, `spec.strategy.${s}.from`);
    if (!from) continue;
    for (const k of ['kind', 'name', 'namespace'] as const) {
      if (from[k] !== undefined && typeof from[k] !== 'string') c.fail(`spec.strategy.${s}.from.${k}`, 'must be a string');
    }
  }
}

/**
 * A LimitRange: namespaced, `spec.limits[]` objects with a string `type` and,
 * when present, a string `max.storage`. The quantity is checked only for limits
 * of type `openshift.io/Image`, the only ones the rules read: the API server
 * never stores a malformed quantity, so one is a broken dump, and it would
 * silently disable a limit; other types' quantities are none of the rules' business.
 */
function checkLimitRange(c: Checker, o: Record<string, unknown>): void {
  const spec = c.optionalObject(o.spec, 'spec');
  c.optionalArray(spec?.limits, 'spec.limits').forEach((l, i) => {
    const f = `spec.limits[${i}]`;
    if (!c.isObject(l)) c.fail(f, 'must be an object');
    const type = c.string(l.type, `${f}.type`);
    const max = c.optionalObject(l.max, `${f}.max`);
    if (max?.storage === undefined || max.storage === null) return;
    const storage = c.string(max.storage, `${f}.max.storage`);
    if (type === IMAGE_LIMIT_TYPE && parseQuantity(storage) === undefined) {
      c.fail(`${f}.max.storage`, `is not a Kubernetes quantity (examples: 100Mi, 1G, 512k): "${storage}"`);
    }
  });
}

/** Collects the items of a List into a {@link Snapshot}, checking each as it comes. */
export class SnapshotBuilder {
  private readonly snapshot = emptySnapshot();

  /** Adds one List item; `index` is its position, for error messages. Throws {@link InvalidInputError}. */
  add(item: unknown, index?: number): void {
    const o = item as Record<string, unknown>;
    const c = new Checker(describe(o as KubeObject, index));
    if (!c.isObject(o)) c.fail('item', 'must be an object');
    const kind = c.string(o.kind, 'kind');
    const known =
      kind === 'Image' || kind === 'ImageStream' || kind === 'Pod' || kind === 'Build' || kind === 'BuildConfig' || kind === 'LimitRange' || WORKLOAD_KINDS.has(kind);
    if (!known) {
      if (kind === 'List') c.fail('kind', 'is a nested List; flatten it (oc get -o json prints one List)');
      this.snapshot.ignoredKinds[kind] = (this.snapshot.ignoredKinds[kind] ?? 0) + 1;
      return;
    }
    const md = c.optionalObject(o.metadata, 'metadata') ?? c.fail('metadata', 'is missing');
    c.string(md.name, 'metadata.name');
    if (md.annotations !== undefined && md.annotations !== null && !c.isObject(md.annotations)) c.fail('metadata.annotations', 'must be an object');
    switch (kind) {
      case 'Image':
        checkImage(c, o);
        this.snapshot.images.push(o as unknown as Image);
        return;
      case 'ImageStream':
        checkStream(c, o);
        this.snapshot.streams.push(o as unknown as ImageStream);
        return;
      case 'Pod':
        c.string(md.namespace, 'metadata.namespace');
        c.timestamp(md.creationTimestamp, 'metadata.creationTimestamp');
        checkPodSpec(c, o.spec, 'spec');
        this.snapshot.pods.push(o as unknown as Pod);
        return;
      case 'LimitRange':
        c.string(md.namespace, 'metadata.namespace');
        this.snapshot.limitRanges.push(o as unknown as LimitRange);
        return;
      case 'Build':
      case 'BuildConfig':
        c.string(md.namespace, 'metadata.namespace');
        checkBuild(c, o);
        this.snapshot.builds.push(o as unknown as Build);
        return;
      case 'LimitRange':
        c.string(md.namespace, 'metadata.namespace');
        checkLimitRange(c, o);
        this.snapshot.limitRanges.push(o as unknown as LimitRange);
        return;
      default: {
        c.string(md.namespace, 'metadata.namespace');
        const spec = c.optionalObject(o.spec, 'spec');
        if (kind === 'CronJob') {
          const jt = c.optionalObject(spec?.jobTemplate, 'spec.jobTemplate');
          const js = c.optionalObject(jt?.spec, 'spec.jobTemplate.spec');
          const t = c.optionalObject(js?.template, 'spec.jobTemplate.spec.template');
          checkPodSpec(c, t?.spec, 'spec.jobTemplate.spec.template.spec');
        } else {
          const t = c.optionalObject(spec?.template, 'spec.template');
          checkPodSpec(c, t?.spec as PodSpec | undefined, 'spec.template.spec');
        }
        this.snapshot.workloads.push(o as unknown as Workload);
      }
    }
  }

  build(): Snapshot {
    return this.snapshot;
  }
}

/**
 * Checks that `value` is a Kubernetes List and builds a snapshot of its items.
 * Throws {@link InvalidInputError} naming the first bad item and field.
 */
export function snapshotFromList(value: unknown): Snapshot {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError('snapshot: the input must be a JSON object of kind List');
  }
  const list = value as Record<string, unknown>;
  if (!Array.isArray(list.items)) {
    throw new InvalidInputError(`snapshot: the input must be a Kubernetes List with an "items" array (kind is ${JSON.stringify(list.kind ?? null)})`);
  }
  const b = new SnapshotBuilder();
  list.items.forEach((item, i) => b.add(item, i));
  return b.build();
}

/** The snapshot as a Kubernetes List again (what `collect` writes and `plan --snapshot` reads). */
export function snapshotToList(s: Snapshot): { apiVersion: 'v1'; kind: 'List'; metadata: Record<string, never>; items: unknown[] } {
  return { apiVersion: 'v1', kind: 'List', metadata: {}, items: [...s.images, ...s.streams, ...s.pods, ...s.workloads, ...s.builds, ...s.limitRanges] };
}
