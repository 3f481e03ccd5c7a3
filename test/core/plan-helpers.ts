// Shorthands shared by the plan tests: compute a plan of builder items at NOW,
// and name expected digests by their seeds.
import type { Image, LimitRange } from '../../shared/core/kube-types.js';
import { computePlan, type PlanRequest } from '../../shared/core/plan.js';
import type { Plan, PlanOptions } from '../../shared/core/plan-types.js';
import { SnapshotBuilder, type Snapshot } from '../../shared/core/snapshot.js';
import { aged, digest, options, type Age, type Item } from '../builders.js';

/** A builder item, or a LimitRange (read in over-size mode). */
export type PlanItem = Item | LimitRange;

/** A snapshot of the items, built (and checked) through the real SnapshotBuilder. */
export function snapshotOf(items: PlanItem[]): Snapshot {
  const b = new SnapshotBuilder();
  items.forEach((item, i) => b.add(item, i));
  return b.build();
}

/** The plan of `items` with `now` = NOW and the other options as given (else the defaults). */
export function planOf(items: PlanItem[], o: Partial<PlanOptions> = {}, request?: PlanRequest): Plan {
  return computePlan(snapshotOf(items), options(o), request);
}

/** The digests of `seeds`, sorted the way the plan sorts them (plain string order). */
export function digests(...seeds: string[]): string[] {
  return [...new Set(seeds.map(digest))].sort();
}

/** A repository link as the plan lists it. */
export function link(repository: string, seed: string): { repository: string; digest: string } {
  return { repository, digest: digest(seed) };
}

/** Links sorted by repository, then digest, as the plan lists them. */
export function links(...ls: Array<{ repository: string; digest: string }>): Array<{ repository: string; digest: string }> {
  return [...ls].sort((a, b) => (a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
}

/** A revision as a stream update lists it. */
export function removed(tag: string, index: number, seed: string): { tag: string; index: number; image: string } {
  return { tag, index, image: digest(seed) };
}

/** The image with `dockerImageMetadata.Size` set to `bytes` (what a LimitRange's max.storage is compared with). */
export function sized(img: Image, bytes: number): Image {
  return { ...img, dockerImageMetadata: { ...img.dockerImageMetadata, Size: bytes } };
}

/** One limit of a LimitRange: `[type, max.storage]`, or just the storage for type `openshift.io/Image`. */
export type Limit = string | [type: string, storage: string | undefined];

/** A LimitRange `namespace/name` (v1) with the given limits. */
export function limitRange(namespace: string, name: string, limits: Limit[], o: { age?: Age } = {}): LimitRange {
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { namespace, name, creationTimestamp: aged(o.age ?? '24h') },
    spec: {
      limits: limits.map((l) => {
        const [type, storage] = typeof l === 'string' ? ['openshift.io/Image', l] : l;
        return storage === undefined ? { type } : { type, max: { storage } };
      }),
    },
  };
}
