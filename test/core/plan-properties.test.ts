// Properties of the plan on random small clusters (fast-check). What must be
// kept is derived here from the generated model, never from the code under test.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Plan, PlanOptions } from '../../shared/core/plan-types.js';
import type { WorkloadKind } from '../../shared/core/kube-types.js';
import {
  build,
  digest,
  image,
  layer,
  manifestList,
  pod,
  rev,
  stream,
  workload,
  type Item,
  type PodPhase,
} from '../builders.js';
import { limitRange, planOf, sized, type PlanItem } from './plan-helpers.js';

const IMAGES = 10; // image indexes 0..9 exist; 10..11 are absent from the cluster
const NAMESPACES = ['a', 'b'];
const STREAMS = ['web', 'api', 'db'];
const TAGS = ['latest', 'v1', 'v2'];
const PHASES: Array<PodPhase | null> = ['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown', null];

const imageSeed = (i: number): string => `img${i}`;
const layerSeed = (k: number): string => `L${k}`;
const layerSize = (k: number): number => (k + 1) * 10;
/** Config 0..5 is a layer's digest (a config blob that is another image's layer); 6..7 a config of its own. */
const configSeed = (k: number): string => (k < 6 ? layerSeed(k) : `cfg${k}`);

interface ImageModel {
  managed: boolean | string | null;
  young: boolean;
  /** dockerImageMetadata.Size, compared with the LimitRanges in over-size mode. */
  size?: number;
  layers: number[];
  config?: number;
  children: number[];
}
interface RevModel {
  image: number;
  young: boolean;
}
interface StreamModel {
  ns: number;
  name: number;
  young: boolean;
  tags: Array<{ tag: number; items: RevModel[] }>;
}
/** By digest (through stream ns/name when given, else through x/y; hex in upper case when `upper`), or by tag. */
type RefModel = { digest: number; ns?: number; name?: number; upper: boolean } | { ns: number; name: number; tag: number; host: boolean };
interface PodModel {
  ns: number;
  phase: PodPhase | null;
  young: boolean;
  refs: RefModel[];
}
interface ClusterModel {
  images: ImageModel[];
  streams: StreamModel[];
  pods: PodModel[];
  workloads: Array<{ kind: WorkloadKind; refs: RefModel[] }>;
  builds: Array<{ from: 'ImageStreamImage' | 'ImageStreamTag'; ns: number; name: number; tag: number; image: number }>;
  /** openshift.io/Image limits (max.storage in bytes) per namespace index. */
  limits: Array<{ ns: number; storage: number; text: 'plain' | 'k' | 'exponent' }>;
  options: Partial<PlanOptions>;
}

const sometimes = (oneIn: number) => fc.integer({ min: 0, max: oneIn - 1 }).map((n) => n === 0);

const imageArb: fc.Arbitrary<ImageModel> = fc.record({
  managed: fc.constantFrom<boolean | string | null>(true, true, true, null, 'false'),
  young: sometimes(5),
  size: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
  layers: fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 4 }),
  config: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }),
  children: fc.uniqueArray(fc.integer({ min: 0, max: IMAGES - 1 }), { maxLength: 2 }),
});

const refArb: fc.Arbitrary<RefModel> = fc.oneof(
  fc.record(
    { digest: fc.integer({ min: 0, max: IMAGES + 1 }), ns: fc.integer({ min: 0, max: 1 }), name: fc.integer({ min: 0, max: 2 }), upper: sometimes(4) },
    { requiredKeys: ['digest', 'upper'] },
  ),
  fc.record({ ns: fc.integer({ min: 0, max: 1 }), name: fc.integer({ min: 0, max: 2 }), tag: fc.integer({ min: 0, max: 2 }), host: fc.boolean() }),
);

const streamArb: fc.Arbitrary<StreamModel> = fc.record({
  ns: fc.integer({ min: 0, max: 1 }),
  name: fc.integer({ min: 0, max: 2 }),
  young: sometimes(6),
  tags: fc.uniqueArray(
    fc.record({
      tag: fc.integer({ min: 0, max: 2 }),
      items: fc.array(fc.record({ image: fc.integer({ min: 0, max: IMAGES + 1 }), young: sometimes(5) }), { minLength: 1, maxLength: 6 }),
    }),
    { selector: (t) => t.tag, maxLength: 3 },
  ),
});

const clusterArb: fc.Arbitrary<ClusterModel> = fc.record({
  images: fc.array(imageArb, { minLength: IMAGES, maxLength: IMAGES }),
  streams: fc.uniqueArray(streamArb, { selector: (s) => `${s.ns}/${s.name}`, maxLength: 5 }),
  pods: fc.array(
    fc.record({ ns: fc.integer({ min: 0, max: 1 }), phase: fc.constantFrom(...PHASES), young: sometimes(4), refs: fc.array(refArb, { minLength: 1, maxLength: 3 }) }),
    { maxLength: 5 },
  ),
  workloads: fc.array(
    fc.record({
      kind: fc.constantFrom<WorkloadKind>('Deployment', 'DeploymentConfig', 'CronJob', 'StatefulSet', 'Job'),
      refs: fc.array(refArb, { minLength: 1, maxLength: 2 }),
    }),
    { maxLength: 2 },
  ),
  builds: fc.array(
    fc.record({
      from: fc.constantFrom<'ImageStreamImage' | 'ImageStreamTag'>('ImageStreamImage', 'ImageStreamTag'),
      ns: fc.integer({ min: 0, max: 1 }),
      name: fc.integer({ min: 0, max: 2 }),
      tag: fc.integer({ min: 0, max: 2 }),
      image: fc.integer({ min: 0, max: IMAGES + 1 }),
    }),
    { maxLength: 2 },
  ),
  limits: fc.array(fc.record({ ns: fc.integer({ min: 0, max: 1 }), storage: fc.integer({ min: 0, max: 600 }), text: fc.constantFrom<'plain' | 'k' | 'exponent'>('plain', 'k', 'exponent') }), {
    maxLength: 3,
  }),
  options: fc
    .record({
      keepTagRevisions: fc.integer({ min: 0, max: 4 }),
      all: fc.boolean(),
      pruneOverSizeLimit: sometimes(3),
      pruneRegistry: fc.constantFrom(true, true, false),
      namespace: fc.constantFrom<string | undefined>(undefined, undefined, undefined, 'a', 'b'),
    })
    .map(({ namespace, ...o }): Partial<PlanOptions> => (namespace === undefined ? o : { ...o, namespace })),
});

/** Children only point at lower indexes, so lists never contain themselves. */
const childrenOf = (m: ClusterModel, i: number): number[] => m.images[i].children.filter((c) => c < i);

function pullSpec(r: RefModel): string {
  if ('digest' in r) {
    const d = digest(imageSeed(r.digest));
    const repo = r.ns === undefined || r.name === undefined ? 'x/y' : `${NAMESPACES[r.ns]}/${STREAMS[r.name]}`;
    return `image-registry.openshift-image-registry.svc:5000/${repo}@${r.upper ? `sha256:${d.slice(7).toUpperCase()}` : d}`;
  }
  const path = `${NAMESPACES[r.ns]}/${STREAMS[r.name]}:${TAGS[r.tag]}`;
  return r.host ? `quay.io/${path}` : path;
}

/** max.storage as written: `300`, `0.3k` or `3e2`. */
function storageText(l: ClusterModel['limits'][number]): string {
  if (l.text === 'k') return `${l.storage / 1000}k`;
  if (l.text === 'exponent' && l.storage % 100 === 0) return `${l.storage / 100}e2`;
  return String(l.storage);
}

/** The cluster as builder items. */
function itemsOf(m: ClusterModel): PlanItem[] {
  const items: PlanItem[] = [];
  m.images.forEach((im, i) => {
    const children = childrenOf(m, i);
    const age = im.young ? '10m' : '5h';
    let img: Item;
    if (children.length > 0) {
      const seeds = children.map(imageSeed);
      img = image(imageSeed(i), { managed: im.managed, age, children: seeds, manifest: manifestList(seeds) });
    } else {
      img = image(imageSeed(i), {
        managed: im.managed,
        age,
        layers: im.layers.map((k) => layer(layerSeed(k), layerSize(k))),
        metadataId: im.config === undefined ? undefined : digest(configSeed(im.config)),
      });
    }
    items.push(im.size === undefined ? img : sized(img as Parameters<typeof sized>[0], im.size));
  });
  m.limits.forEach((l, i) => items.push(limitRange(NAMESPACES[l.ns], `limits${i}`, [storageText(l)])));
  for (const s of m.streams) {
    const tags = Object.fromEntries(s.tags.map((t) => [TAGS[t.tag], t.items.map((r) => rev(imageSeed(r.image), r.young ? '20m' : '3h'))]));
    items.push(stream(NAMESPACES[s.ns], STREAMS[s.name], tags, { age: s.young ? '30m' : '48h' }));
  }
  m.pods.forEach((p, i) => items.push(pod(NAMESPACES[p.ns], `pod${i}`, p.refs.map(pullSpec), { phase: p.phase, age: p.young ? '1m' : '2h' })));
  m.workloads.forEach((w, i) => items.push(workload(w.kind, 'a', `w${i}`, w.refs.map(pullSpec))));
  m.builds.forEach((b, i) => {
    const name = b.from === 'ImageStreamImage' ? `${STREAMS[b.name]}@${digest(imageSeed(b.image))}` : `${STREAMS[b.name]}:${TAGS[b.tag]}`;
    items.push(build('BuildConfig', NAMESPACES[b.ns], `bc${i}`, { kind: b.from, name }));
  });
  return items;
}

/** The image a tag reference names: position 0 of that stream tag, by the model. */
function newestOf(m: ClusterModel, ns: number, name: number, tag: number): string | undefined {
  const s = m.streams.find((x) => x.ns === ns && x.name === name);
  const t = s?.tags.find((x) => x.tag === tag);
  return t ? digest(imageSeed(t.items[0].image)) : undefined;
}

function referenced(m: ClusterModel, r: RefModel): string | undefined {
  return 'digest' in r ? digest(imageSeed(r.digest)) : newestOf(m, r.ns, r.name, r.tag);
}

/** The references the rules read, by the model: pods running, pending or young; every workload; every build. */
function readRefs(m: ClusterModel): { images: Set<string>; tags: Set<string>; through: Set<string> } {
  const images = new Set<string>();
  const tags = new Set<string>(); // `ns/name:tag` (indexes)
  const through = new Set<string>(); // `ns/name@image` (indexes)
  const read = (r: RefModel) => {
    const d = referenced(m, r);
    if (d) images.add(d);
    if (!('digest' in r)) tags.add(`${r.ns}/${r.name}:${r.tag}`);
    else if (r.ns !== undefined && r.name !== undefined) through.add(`${r.ns}/${r.name}@${r.digest}`);
  };
  for (const p of m.pods) if (p.phase === 'Running' || p.phase === 'Pending' || p.young) p.refs.forEach(read);
  for (const w of m.workloads) w.refs.forEach(read);
  for (const b of m.builds) {
    if (b.from === 'ImageStreamImage') {
      images.add(digest(imageSeed(b.image)));
      through.add(`${b.ns}/${b.name}@${b.image}`);
    } else {
      const d = newestOf(m, b.ns, b.name, b.tag);
      if (d) images.add(d);
      tags.add(`${b.ns}/${b.name}:${b.tag}`);
    }
  }
  return { images, tags, through };
}

/** True when image i exceeds an openshift.io/Image limit of namespace ns. */
function exceeds(m: ClusterModel, i: number, ns: number): boolean {
  const size = m.images[i]?.size;
  return size !== undefined && m.limits.some((l) => l.ns === ns && l.storage < size);
}

/** Rules 1-5 of "Which stream revisions stay", by the model. */
function revisionStays(m: ClusterModel, refs: ReturnType<typeof readRefs>, s: StreamModel, tag: number, i: number): boolean {
  const over = m.options.pruneOverSizeLimit === true;
  const item = s.tags.find((t) => t.tag === tag)!.items[i];
  if (m.options.namespace !== undefined && NAMESPACES[s.ns] !== m.options.namespace) return true;
  if (!over && (s.young || item.young)) return true;
  if (i === 0 && refs.tags.has(`${s.ns}/${s.name}:${tag}`)) return true;
  if (item.image >= IMAGES) return false;
  if (over ? !exceeds(m, item.image, s.ns) : i < (m.options.keepTagRevisions ?? 3)) return true;
  return refs.through.has(`${s.ns}/${s.name}@${item.image}`);
}

/** Every revision the model removes, as `ns/name:tag#index`. */
function modelRemoved(m: ClusterModel): string[] {
  const refs = readRefs(m);
  return m.streams.flatMap((s) =>
    s.tags.flatMap((t) => t.items.flatMap((_, i) => (revisionStays(m, refs, s, t.tag, i) ? [] : [`${NAMESPACES[s.ns]}/${STREAMS[s.name]}:${TAGS[t.tag]}#${i}`]))),
  );
}

/** Digests that must never be deleted: what the references read keep, and the images of revisions that stay. */
function mustKeep(m: ClusterModel): Set<string> {
  const refs = readRefs(m);
  const keep = new Set(refs.images);
  for (const s of m.streams) {
    for (const t of s.tags) t.items.forEach((r, i) => revisionStays(m, refs, s, t.tag, i) && keep.add(digest(imageSeed(r.image))));
  }
  return keep;
}

/** A candidate: not young (unless over-size mode), and managed unless all. */
function isCandidate(m: ClusterModel, i: number): boolean {
  const im = m.images[i];
  return (m.options.pruneOverSizeLimit === true || !im.young) && (m.options.all === true || im.managed === true);
}

/** The images the model deletes: candidates that nothing keeps, directly or as a child of what stays. */
function modelDeleted(m: ClusterModel): string[] {
  if (m.options.namespace !== undefined) return [];
  const keep = mustKeep(m);
  const kept = new Set<number>();
  const visit = (i: number): void => {
    if (kept.has(i)) return;
    kept.add(i);
    childrenOf(m, i).forEach(visit);
  };
  m.images.forEach((_, i) => (!isCandidate(m, i) || keep.has(digest(imageSeed(i)))) && visit(i));
  return m.images.flatMap((_, i) => (kept.has(i) ? [] : [digest(imageSeed(i))])).sort();
}

/** The blobs of image i by the model: layers, config, manifest. */
function blobsOf(m: ClusterModel, i: number): string[] {
  const im = m.images[i];
  const out = [digest(imageSeed(i))];
  if (childrenOf(m, i).length > 0) return out;
  out.push(...im.layers.map((k) => digest(layerSeed(k))));
  if (im.config !== undefined) out.push(digest(configSeed(im.config)));
  return out;
}

const RUNS = { numRuns: 200 };

/** The removed revisions of a plan as `ns/name:tag#index`. */
const removedOf = (plan: Plan): string[] => plan.streamUpdates.flatMap((u) => u.removed.map((r) => `${u.namespace}/${u.name}:${r.tag}#${r.index}`));

describe('plan properties on random clusters, in every combination of options', () => {
  it('never deletes an image that a read reference or a revision that stays keeps', () => {
    // Counts runs where the property had something to protect and something was
    // deleted beside it, so that it cannot pass on clusters where nothing happens.
    let meaningful = 0;
    fc.assert(
      fc.property(clusterArb, (m) => {
        const plan = planOf(itemsOf(m), m.options);
        const keep = mustKeep(m);
        for (const d of plan.images) expect(keep.has(d)).toBe(false);
        const keptCandidate = m.images.some((_, i) => isCandidate(m, i) && keep.has(digest(imageSeed(i))));
        if (keptCandidate && plan.images.length > 0) meaningful++;
      }),
      RUNS,
    );
    expect(meaningful).toBeGreaterThan(RUNS.numRuns / 5);
  });

  it('deletes exactly the candidates that nothing keeps, and removes exactly the revisions no rule keeps', () => {
    let overSize = 0;
    let trimmedShared = 0;
    fc.assert(
      fc.property(clusterArb, (m) => {
        const plan = planOf(itemsOf(m), m.options);
        expect(plan.images).toEqual(modelDeleted(m));
        const removed = removedOf(plan);
        expect([...removed].sort()).toEqual(modelRemoved(m).sort());
        if (m.options.pruneOverSizeLimit && removed.length > 0) overSize++;
        // a revision removed while its image stays: the case per-revision trimming is about
        const deleted = new Set(plan.images);
        const present = new Set(m.images.map((_, i) => digest(imageSeed(i))));
        if (plan.streamUpdates.some((u) => u.removed.some((r) => present.has(r.image) && !deleted.has(r.image)))) trimmedShared++;
      }),
      RUNS,
    );
    expect(overSize).toBeGreaterThan(RUNS.numRuns / 20);
    expect(trimmedShared).toBeGreaterThan(RUNS.numRuns / 10);
  });

  it('deletes only candidates: old unless over-size mode, and managed unless all', () => {
    fc.assert(
      fc.property(clusterArb, (m) => {
        const plan = planOf(itemsOf(m), m.options);
        const candidates = new Set(m.images.flatMap((_, i) => (isCandidate(m, i) ? [digest(imageSeed(i))] : [])));
        for (const d of plan.images) expect(candidates.has(d)).toBe(true);
      }),
      RUNS,
    );
  });

  it('in namespace mode deletes no image and touches only the streams and repositories of that namespace', () => {
    let touched = 0;
    fc.assert(
      fc.property(
        clusterArb.filter((m) => m.options.namespace !== undefined),
        (m) => {
          const plan = planOf(itemsOf(m), m.options);
          const ns = m.options.namespace!;
          expect(plan.images).toEqual([]);
          expect(plan.blobs).toEqual([]);
          expect(plan.bytesReclaimed).toBe(0);
          for (const u of plan.streamUpdates) expect(u.namespace).toBe(ns);
          for (const l of [...plan.manifestLinks, ...plan.layerLinks]) expect(l.repository.startsWith(`${ns}/`)).toBe(true);
          if (plan.streamUpdates.length > 0) touched++;
        },
      ),
      { numRuns: 100 },
    );
    expect(touched).toBeGreaterThan(10);
  });

  it('with pruneRegistry false plans the same cluster changes and nothing for the registry', () => {
    fc.assert(
      fc.property(clusterArb, (m) => {
        const withRegistry = planOf(itemsOf(m), { ...m.options, pruneRegistry: true });
        const without = planOf(itemsOf(m), { ...m.options, pruneRegistry: false });
        expect(without).toEqual({ ...withRegistry, manifestLinks: [], layerLinks: [], blobs: [], bytesReclaimed: 0 });
      }),
      RUNS,
    );
  });

  it('never deletes a blob of an image that stays, nor a child of a list that stays', () => {
    let shared = 0;
    fc.assert(
      fc.property(clusterArb, (m) => {
        const plan = planOf(itemsOf(m), m.options);
        const deleted = new Set(plan.images);
        const blobs = new Set(plan.blobs);
        m.images.forEach((_, i) => {
          if (deleted.has(digest(imageSeed(i)))) return;
          for (const b of blobsOf(m, i)) expect(blobs.has(b)).toBe(false);
          for (const c of childrenOf(m, i)) expect(deleted.has(digest(imageSeed(c)))).toBe(false);
        });
        // and every blob in the plan belongs to a deleted image
        const ofDeleted = new Set(m.images.flatMap((_, i) => (deleted.has(digest(imageSeed(i))) ? blobsOf(m, i) : [])));
        for (const b of plan.blobs) expect(ofDeleted.has(b)).toBe(true);
        // a shared blob held back by a surviving image: the case this property is about
        const survivorBlobs = new Set(m.images.flatMap((_, i) => (deleted.has(digest(imageSeed(i))) ? [] : blobsOf(m, i))));
        if ([...ofDeleted].some((b) => survivorBlobs.has(b))) shared++;
      }),
      RUNS,
    );
    expect(shared).toBeGreaterThan(RUNS.numRuns / 6);
  });

  it('lists everything once, in plain string order', () => {
    const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    const sortedUnique = (xs: string[]) => expect(xs).toEqual([...new Set(xs)].sort(cmp));
    fc.assert(
      fc.property(clusterArb, (m) => {
        const plan = planOf(itemsOf(m), m.options);
        sortedUnique(plan.images);
        sortedUnique(plan.blobs);
        sortedUnique(plan.manifestLinks.map((l) => `${l.repository}\u0000${l.digest}`));
        sortedUnique(plan.layerLinks.map((l) => `${l.repository}\u0000${l.digest}`));
        sortedUnique(plan.streamUpdates.map((u) => `${u.namespace}\u0000${u.name}`));
        for (const u of plan.streamUpdates) {
          sortedUnique(u.removedTags);
          expect(u.removed.length).toBeGreaterThan(0);
          expect(u.removed).toEqual([...u.removed].sort((a, b) => cmp(a.tag, b.tag) || a.index - b.index));
        }
      }),
      RUNS,
    );
  });

  it('gives the same plan, reasons included, whatever the order of the items and of the tags', () => {
    const shuffled = clusterArb.chain((m) => {
      const items = itemsOf(m);
      return fc.tuple(fc.constant(m), fc.constant(items), fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }));
    });
    fc.assert(
      fc.property(shuffled, ([m, items, permuted]) => {
        const reordered = structuredClone(permuted);
        for (const it of reordered) if (it.kind === 'ImageStream') it.status?.tags?.reverse();
        expect(planOf(reordered, m.options, { reasons: true })).toEqual(planOf(items, m.options, { reasons: true }));
      }),
      RUNS,
    );
  });

  it('explains every image and revision once, with a verdict that matches the plan and at least one reason', () => {
    fc.assert(
      fc.property(clusterArb, (m) => {
        const plan = planOf(itemsOf(m), m.options, { reasons: true });
        const r = plan.reasons!;
        const deleted = new Set(plan.images);
        expect(r.images.map((i) => i.image)).toEqual(m.images.map((_, i) => digest(imageSeed(i))).sort());
        for (const i of r.images) {
          expect(i.verdict).toBe(deleted.has(i.image) ? 'deleted' : 'stays');
          expect(i.reasons.length).toBeGreaterThan(0);
          expect(i.reasons).toEqual([...new Set(i.reasons)].sort());
        }
        const removed = new Set(removedOf(plan));
        const revisions = m.streams.reduce((n, s) => n + s.tags.reduce((k, t) => k + t.items.length, 0), 0);
        expect(r.revisions).toHaveLength(revisions);
        for (const x of r.revisions) {
          expect(x.verdict).toBe(removed.has(`${x.namespace}/${x.name}:${x.tag}#${x.index}`) ? 'removed' : 'stays');
          expect(x.reasons.length).toBeGreaterThan(0);
          expect(x.reasons).toEqual([...new Set(x.reasons)].sort());
        }
      }),
      RUNS,
    );
  });
});
