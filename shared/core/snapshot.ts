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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const NOT_A_STRING = 'must be a non-empty string';
const NOT_AN_OBJECT = 'must be an object';

// The checks run on every item of dumps of 100,000s of objects: nothing is
// allocated unless an item fails (the item's name and the field's path are
// put into words only then), and lists are walked with plain loops.
class Checker {
  constructor(
    private readonly item: unknown,
    private readonly index: number | undefined,
  ) {}
  fail(field: string, problem: string): never {
    throw new InvalidInputError(`${describe(this.item as KubeObject, this.index)}: ${field} ${problem}`);
  }
  isObject(v: unknown): v is Record<string, unknown> {
    return isObject(v);
  }
  string(v: unknown, field: string): string {
    if (!isNonEmptyString(v)) this.fail(field, NOT_A_STRING);
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
    if (!isObject(v)) this.fail(field, NOT_AN_OBJECT);
    return v;
  }
}

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

function checkPodSpec(c: Checker, spec: unknown, field: string): void {
  const s = c.optionalObject(spec, field);
  if (!s) return;
  for (const list of CONTAINER_LISTS) {
    const v = s[list];
    if (v === undefined || v === null) continue;
    const cts = c.optionalArray(v, `${field}.${list}`);
    for (let i = 0; i < cts.length; i++) {
      const ct = cts[i];
      if (!isObject(ct)) c.fail(`${field}.${list}[${i}]`, NOT_AN_OBJECT);
      if (!isNonEmptyString(ct.image)) c.fail(`${field}.${list}[${i}].image`, NOT_A_STRING);
    }
  }
}

function checkImage(c: Checker, o: Record<string, unknown>): void {
  const md = o.metadata as Record<string, unknown>;
  c.timestamp(md.creationTimestamp, 'metadata.creationTimestamp');
  const layers = c.optionalArray(o.dockerImageLayers, 'dockerImageLayers');
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    if (!isObject(l)) c.fail(`dockerImageLayers[${i}]`, NOT_AN_OBJECT);
    if (!isNonEmptyString(l.name)) c.fail(`dockerImageLayers[${i}].name`, NOT_A_STRING);
    if (l.size !== undefined && typeof l.size !== 'number') c.fail(`dockerImageLayers[${i}].size`, 'must be a number');
  }
  const children = c.optionalArray(o.dockerImageManifests, 'dockerImageManifests');
  for (let i = 0; i < children.length; i++) {
    const m = children[i];
    if (!isObject(m)) c.fail(`dockerImageManifests[${i}]`, NOT_AN_OBJECT);
    if (!isNonEmptyString(m.digest)) c.fail(`dockerImageManifests[${i}].digest`, NOT_A_STRING);
  }
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
  const tags = c.optionalArray(status?.tags, 'status.tags');
  for (let i = 0; i < tags.length; i++) {
    const t = tags[i];
    if (!isObject(t)) c.fail(`status.tags[${i}]`, NOT_AN_OBJECT);
    if (!isNonEmptyString(t.tag)) c.fail(`status.tags[${i}].tag`, NOT_A_STRING);
    const items = t.items === undefined || t.items === null ? [] : c.optionalArray(t.items, `status.tags[${i}].items`);
    for (let j = 0; j < items.length; j++) {
      const it = items[j];
      if (!isObject(it)) c.fail(`status.tags[${i}].items[${j}]`, NOT_AN_OBJECT);
      if (!isNonEmptyString(it.image)) c.fail(`status.tags[${i}].items[${j}].image`, NOT_A_STRING);
      if (!isNonEmptyString(it.created)) c.fail(`status.tags[${i}].items[${j}].created`, NOT_A_STRING);
      if (Number.isNaN(Date.parse(it.created))) c.fail(`status.tags[${i}].items[${j}].created`, `is not a timestamp: "${it.created}"`);
    }
  }
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
    const c = new Checker(o, index);
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
