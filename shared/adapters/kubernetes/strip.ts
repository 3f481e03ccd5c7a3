// Keeps only what the rules read (docs/rules.md, "What is read") from each
// object as it is paged in, so that memory follows the number of references in
// the cluster, not the bytes of its JSON (Images carry manifests,
// managedFields, labels...).
// Objects come either as raw JSON (custom objects) or as client-node's typed
// models (core group), whose timestamps are Date objects; both give the same
// plain JSON here.
import type { KubeObject } from '../../core/kube-types.js';
import type { ResourceKind } from '../../core/kinds.js';
import { apiVersionOf } from '../../core/kinds.js';

type Obj = Record<string, unknown>;

const MANAGED_ANNOTATION = 'openshift.io/image.managed';

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 3339 as the API prints it (no milliseconds when there are none). */
function timestamp(v: unknown): unknown {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString().replace(/\.000Z$/, 'Z');
  return v;
}

/** Copies the listed keys that are present (not undefined or null). */
function pick(o: Obj, keys: readonly string[]): Obj {
  const out: Obj = {};
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) out[k] = o[k];
  return out;
}

function meta(o: Obj, withAnnotation: boolean): Obj {
  const md = isObj(o.metadata) ? o.metadata : {};
  const out: Obj = pick(md, ['name', 'namespace']);
  const created = timestamp(md.creationTimestamp);
  if (created !== undefined && created !== null) out.creationTimestamp = created;
  if (withAnnotation && isObj(md.annotations) && md.annotations[MANAGED_ANNOTATION] !== undefined) {
    out.annotations = { [MANAGED_ANNOTATION]: md.annotations[MANAGED_ANNOTATION] };
  }
  return out;
}

function containers(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  return v.map((c) => (isObj(c) ? pick(c, ['name', 'image']) : c));
}

function podSpec(v: unknown): unknown {
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    if (v[list] !== undefined && v[list] !== null) out[list] = containers(v[list]);
  }
  return out;
}

/**
 * The parts of a manifest the rules read: its media type, its config digest
 * and, only when the Image has no `dockerImageLayers`, its layer digests.
 * Undefined when nothing of it is needed. A manifest that does not parse is
 * kept whole, so the plan reports it as the rules say.
 */
export function reduceManifest(text: unknown, needLayers: boolean): unknown {
  if (typeof text !== 'string' || text === '') return text === '' ? undefined : text;
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return text;
  }
  if (!isObj(m)) return text;
  const out: Obj = pick(m, ['schemaVersion', 'mediaType']);
  if (isObj(m.config) && typeof m.config.digest === 'string') out.config = { digest: m.config.digest };
  if (needLayers) {
    if (Array.isArray(m.fsLayers)) out.fsLayers = m.fsLayers.map((l) => (isObj(l) ? pick(l, ['blobSum']) : l));
    if (Array.isArray(m.layers)) out.layers = m.layers.map((l) => (isObj(l) ? pick(l, ['digest']) : l));
  } else if (out.config === undefined) {
    return undefined;
  }
  return JSON.stringify(out);
}

function image(o: Obj): Obj {
  const out: Obj = { metadata: meta(o, true), ...pick(o, ['dockerImageReference', 'dockerImageManifestMediaType']) };
  const layers = Array.isArray(o.dockerImageLayers) ? o.dockerImageLayers : undefined;
  if (layers) out.dockerImageLayers = layers.map((l) => (isObj(l) ? pick(l, ['name', 'size', 'mediaType']) : l));
  else if (o.dockerImageLayers !== undefined && o.dockerImageLayers !== null) out.dockerImageLayers = o.dockerImageLayers;
  const manifest = reduceManifest(o.dockerImageManifest, !layers || layers.length === 0);
  if (manifest !== undefined) out.dockerImageManifest = manifest;
  if (isObj(o.dockerImageMetadata)) out.dockerImageMetadata = pick(o.dockerImageMetadata, ['Id', 'Size']);
  else if (o.dockerImageMetadata !== undefined && o.dockerImageMetadata !== null) out.dockerImageMetadata = o.dockerImageMetadata;
  if (Array.isArray(o.dockerImageManifests)) {
    out.dockerImageManifests = o.dockerImageManifests.map((m) => (isObj(m) ? pick(m, ['digest', 'mediaType', 'architecture', 'os', 'variant', 'manifestSize']) : m));
  }
  return out;
}

function imageStream(o: Obj): Obj {
  const out: Obj = { metadata: meta(o, false) };
  if (!isObj(o.status)) return out;
  // publicDockerImageRepository is the registry's route, reachable from outside
  // the cluster: where a run without a registry URL finds its registry
  // (shared/workflow/registry-detection.ts).
  const status: Obj = pick(o.status, ['dockerImageRepository', 'publicDockerImageRepository']);
  const tags = o.status.tags;
  if (Array.isArray(tags)) {
    status.tags = tags.map((t) => {
      if (!isObj(t)) return t;
      const items = Array.isArray(t.items)
        ? t.items.map((it) => (isObj(it) ? { ...pick(it, ['dockerImageReference', 'image', 'generation']), created: timestamp(it.created) } : it))
        : t.items;
      return { tag: t.tag, items: items ?? null };
    });
  }
  out.status = status;
  return out;
}

function pod(o: Obj): Obj {
  const out: Obj = { metadata: meta(o, false) };
  if (isObj(o.spec)) out.spec = podSpec(o.spec);
  if (isObj(o.status) && o.status.phase !== undefined) out.status = { phase: o.status.phase };
  return out;
}

function templated(o: Obj): Obj {
  const out: Obj = { metadata: meta(o, false) };
  if (isObj(o.spec) && isObj(o.spec.template)) out.spec = { template: { spec: podSpec(o.spec.template.spec) } };
  return out;
}

function cronJob(o: Obj): Obj {
  const out: Obj = { metadata: meta(o, false) };
  const jt = isObj(o.spec) ? o.spec.jobTemplate : undefined;
  const t = isObj(jt) && isObj(jt.spec) ? jt.spec.template : undefined;
  if (isObj(t)) out.spec = { jobTemplate: { spec: { template: { spec: podSpec(t.spec) } } } };
  return out;
}

function build(o: Obj): Obj {
  const out: Obj = { metadata: meta(o, false) };
  const strategy = isObj(o.spec) ? o.spec.strategy : undefined;
  if (!isObj(strategy)) return out;
  const s: Obj = pick(strategy, ['type']);
  for (const k of ['sourceStrategy', 'dockerStrategy', 'customStrategy']) {
    const st = strategy[k];
    if (isObj(st) && isObj(st.from)) s[k] = { from: pick(st.from, ['kind', 'name', 'namespace']) };
  }
  out.spec = { strategy: s };
  return out;
}

/** A LimitRange: each limit's `type` and `max.storage` (docs/rules.md, "Inputs"). */
function limitRange(o: Obj): Obj {
  const out: Obj = { metadata: meta(o, false) };
  const limits = isObj(o.spec) ? o.spec.limits : undefined;
  if (!Array.isArray(limits)) return out;
  out.spec = {
    limits: limits.map((l) => {
      if (!isObj(l)) return l;
      const kept: Obj = pick(l, ['type']);
      if (isObj(l.max) && l.max.storage !== undefined && l.max.storage !== null) kept.max = { storage: l.max.storage };
      return kept;
    }),
  };
  return out;
}

const STRIPPERS: Record<string, (o: Obj) => Obj> = {
  Image: image,
  ImageStream: imageStream,
  Pod: pod,
  CronJob: cronJob,
  Build: build,
  BuildConfig: build,
  LimitRange: limitRange,
};

/**
 * One copy of each equal string. JSON.parse makes a new string for every
 * value; layer digests and media types repeat across images (shared base
 * layers) and container images across pods, so sharing them makes memory
 * follow the distinct blobs and images rather than the references to them.
 */
export class StringPool {
  private readonly pool = new Map<string, string>();
  intern<T>(v: T): T {
    if (typeof v !== 'string') return v;
    const hit = this.pool.get(v);
    if (hit !== undefined) return hit as T;
    this.pool.set(v, v);
    return v;
  }
  get size(): number {
    return this.pool.size;
  }
}

/** Replaces `o[key]` by the pool's copy when it is a string. */
function share(o: Obj, key: string, pool: StringPool): void {
  if (typeof o[key] === 'string') o[key] = pool.intern(o[key]);
}

function shareContainers(spec: unknown, pool: StringPool): void {
  if (!isObj(spec)) return;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    const cs = spec[list];
    if (Array.isArray(cs)) for (const c of cs) if (isObj(c)) share(c, 'image', pool);
  }
}

function shareStrings(kind: string, o: Obj, pool: StringPool): void {
  const spec = isObj(o.spec) ? o.spec : undefined;
  switch (kind) {
    case 'Image':
      if (Array.isArray(o.dockerImageLayers)) {
        for (const l of o.dockerImageLayers) {
          if (!isObj(l)) continue;
          share(l, 'name', pool);
          share(l, 'mediaType', pool);
        }
      }
      if (Array.isArray(o.dockerImageManifests)) for (const m of o.dockerImageManifests) if (isObj(m)) share(m, 'mediaType', pool);
      share(o, 'dockerImageManifestMediaType', pool);
      return;
    case 'Pod':
      shareContainers(spec, pool);
      return;
    case 'CronJob': {
      const jt = spec && isObj(spec.jobTemplate) && isObj(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined;
      shareContainers(jt && isObj(jt.template) ? jt.template.spec : undefined, pool);
      return;
    }
    default:
      if (spec && isObj(spec.template)) shareContainers(spec.template.spec, pool);
  }
}

/**
 * The object as the rules read it: `kind`, `apiVersion` (list items come
 * without them) and only the fields of docs/rules.md "What is read". With a `pool`,
 * repeated strings (layer digests, media types, container images) are shared.
 */
export function stripObject(kind: ResourceKind, item: unknown, pool?: StringPool): KubeObject {
  const o = isObj(item) ? item : {};
  const strip = STRIPPERS[kind.kind] ?? templated;
  const out = strip(o);
  if (pool) shareStrings(kind.kind, out, pool);
  return { kind: kind.kind, apiVersion: apiVersionOf(kind), ...out } as KubeObject;
}
