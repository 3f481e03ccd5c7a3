// Properties of the plan on random small clusters (fast-check). What must be
// kept is derived here from the generated model, never from the code under test.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlanOptions } from '../../shared/core/plan-types.js';
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
import { planOf } from './plan-helpers.js';

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
type RefModel = { digest: number } | { ns: number; name: number; tag: number; host: boolean };
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
  options: Partial<PlanOptions>;
}

const sometimes = (oneIn: number) => fc.integer({ min: 0, max: oneIn - 1 }).map((n) => n === 0);

const imageArb: fc.Arbitrary<ImageModel> = fc.record({
  managed: fc.constantFrom<boolean | string | null>(true, true, true, null, 'false'),
  young: sometimes(5),
  layers: fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 4 }),
  config: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }),
  children: fc.uniqueArray(fc.integer({ min: 0, max: IMAGES - 1 }), { maxLength: 2 }),
});

const refArb: fc.Arbitrary<RefModel> = fc.oneof(
  fc.record({ digest: fc.integer({ min: 0, max: IMAGES + 1 }) }),
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
  options: fc.record({ keepTagRevisions: fc.integer({ min: 0, max: 4 }), all: fc.boolean() }),
});

/** Children only point at lower indexes, so lists never contain themselves. */
const childrenOf = (m: ClusterModel, i: number): number[] => m.images[i].children.filter((c) => c < i);

function pullSpec(r: RefModel): string {
  if ('digest' in r) return `image-registry.openshift-image-registry.svc:5000/x/y@${digest(imageSeed(r.digest))}`;
  const path = `${NAMESPACES[r.ns]}/${STREAMS[r.name]}:${TAGS[r.tag]}`;
  return r.host ? `quay.io/${path}` : path;
}

/** The cluster as builder items. */
function itemsOf(m: ClusterModel): Item[] {
  const items: Item[] = [];
  m.images.forEach((im, i) => {
    const children = childrenOf(m, i);
    const age = im.young ? '10m' : '5h';
    if (children.length > 0) {
      const seeds = children.map(imageSeed);
      items.push(image(imageSeed(i), { managed: im.managed, age, children: seeds, manifest: manifestList(seeds) }));
    } else {
      items.push(
        image(imageSeed(i), {
          managed: im.managed,
          age,
          layers: im.layers.map((k) => layer(layerSeed(k), layerSize(k))),
          metadataId: im.config === undefined ? undefined : digest(configSeed(im.config)),
        }),
      );
    }
  });
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

/** Digests that must never be deleted: images of running pods and of the newest keepTagRevisions revisions. */
function mustKeep(m: ClusterModel): Set<string> {
  const keep = new Set<string>();
  const add = (d: string | undefined) => d && keep.add(d);
  for (const p of m.pods) {
    if (p.phase === 'Running' || p.phase === 'Pending' || p.young) for (const r of p.refs) add(referenced(m, r));
  }
  for (const w of m.workloads) for (const r of w.refs) add(referenced(m, r));
  const k = m.options.keepTagRevisions ?? 3;
  for (const s of m.streams) for (const t of s.tags) t.items.slice(0, k).forEach((r) => add(digest(imageSeed(r.image))));
  return keep;
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

describe('plan properties on random clusters', () => {
  it('never deletes an image a running pod, a workload or a newest revision references', () => {
    // Counts runs where the property had something to protect and something was
    // deleted beside it, so that it cannot pass on clusters where nothing happens.
    let meaningful = 0;
    fc.assert(
      fc.property(clusterArb, (m) => {
        const plan = planOf(itemsOf(m), m.options);
        const keep = mustKeep(m);
        for (const d of plan.images) expect(keep.has(d)).toBe(false);
        const keptCandidate = m.images.some((im, i) => !im.young && im.managed === true && keep.has(digest(imageSeed(i))));
        if (keptCandidate && plan.images.length > 0) meaningful++;
      }),
      RUNS,
    );
    expect(meaningful).toBeGreaterThan(RUNS.numRuns / 5);
  });

  it('deletes only candidates: old, and managed unless all', () => {
    fc.assert(
      fc.property(clusterArb, (m) => {
        const plan = planOf(itemsOf(m), m.options);
        const candidates = new Set(
          m.images.flatMap((im, i) => (!im.young && (m.options.all || im.managed === true) ? [digest(imageSeed(i))] : [])),
        );
        for (const d of plan.images) expect(candidates.has(d)).toBe(true);
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
    expect(shared).toBeGreaterThan(RUNS.numRuns / 5);
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

  it('gives the same plan whatever the order of the items and of the tags', () => {
    const shuffled = clusterArb.chain((m) => {
      const items = itemsOf(m);
      return fc.tuple(fc.constant(m), fc.constant(items), fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }));
    });
    fc.assert(
      fc.property(shuffled, ([m, items, permuted]) => {
        const reordered = structuredClone(permuted);
        for (const it of reordered) if (it.kind === 'ImageStream') it.status?.tags?.reverse();
        expect(planOf(reordered, m.options)).toEqual(planOf(items, m.options));
      }),
      RUNS,
    );
  });
});
