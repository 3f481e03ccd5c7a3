// Sizes as every report shows them: one byte formatter (binary units) and one
// way to say where the reclaimed bytes come from, for the plan table, the HTML
// report and the run summary alike. It lives in shared/ so that the workflow's
// Report task and the command line use the same functions.
import { layerSizesOf, type SizedImage } from '../core/blobs.js';
import type { Plan } from '../core/plan-types.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * Formats a byte count in binary units with one decimal: `0 B`, `512 B`,
 * `1.2 GiB`. Registries and `oc adm top images` count in powers of 1024. The
 * one size formatter: plan, run, history and the HTML report all print sizes
 * through it.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return `${bytes} B`;
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  // 1023.96 KiB would print as "1024.0 KiB": move to the next unit instead.
  if (Number(value.toFixed(1)) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Space a repository gives back: the deleted blobs whose link it loses. */
export interface RepositoryBytes {
  repository: string;
  blobs: number;
  bytes: number;
}

/** Space a group of repositories (a namespace, a repository) gives back. */
export interface GroupBytes {
  /** The namespace or the `namespace/name` of the repository. */
  name: string;
  /** Deleted blobs linked from the group, each counted once per group. */
  blobs: number;
  bytes: number;
}

function byBytesThenName<T>(bytes: (t: T) => number, name: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => bytes(b) - bytes(a) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0);
}

/**
 * Attributes the bytes of the plan's deleted blobs to groups of repositories:
 * a blob counts in every group one of whose repositories loses its layer link
 * to it, once per group (a blob in two repositories of one namespace counts
 * once in that namespace). So the groups can add up to more than the total,
 * which counts each blob once. Biggest first, ties by name.
 * `groupOf` maps a repository (`namespace/name`) to its group.
 */
export function bytesByGroup(plan: Plan, blobSizes: ReadonlyMap<string, number>, groupOf: (repository: string) => string): GroupBytes[] {
  const deleted = new Set(plan.blobs);
  const rows = new Map<string, GroupBytes & { seen: Set<string> }>();
  for (const link of plan.layerLinks) {
    if (!deleted.has(link.digest)) continue;
    const name = groupOf(link.repository);
    let row = rows.get(name);
    if (!row) rows.set(name, (row = { name, blobs: 0, bytes: 0, seen: new Set() }));
    if (row.seen.has(link.digest)) continue;
    row.seen.add(link.digest);
    row.blobs++;
    row.bytes += blobSizes.get(link.digest) ?? 0;
  }
  return [...rows.values()].map(({ name, blobs, bytes }) => ({ name, blobs, bytes })).sort(byBytesThenName((r) => r.bytes, (r) => r.name));
}

/** The namespace of a repository `namespace/name`. */
export function namespaceOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash < 0 ? repository : repository.slice(0, slash);
}

/**
 * Attributes the bytes of deleted blobs to the repositories whose layer links
 * to them are deleted, biggest first (ties by name). A blob linked from several
 * repositories counts in each, so the rows can add up to more than the total.
 * `blobSizes` maps a blob digest to its size (see {@link blobSizesOf}).
 */
export function bytesByRepository(plan: Plan, blobSizes: ReadonlyMap<string, number>): RepositoryBytes[] {
  return bytesByGroup(plan, blobSizes, (r) => r).map(({ name, blobs, bytes }) => ({ repository: name, blobs, bytes }));
}

/** Deleted blobs that no deleted link names: those of images in no image stream (their stream is gone, or they are manifest-list children). */
export function unlinkedBlobs(plan: Plan, blobSizes: ReadonlyMap<string, number>): { blobs: number; bytes: number } {
  const linked = new Set<string>();
  for (const l of plan.layerLinks) linked.add(l.digest);
  for (const l of plan.manifestLinks) linked.add(l.digest);
  let blobs = 0;
  let bytes = 0;
  for (const b of plan.blobs) {
    if (linked.has(b)) continue;
    blobs++;
    bytes += blobSizes.get(b) ?? 0;
  }
  return { blobs, bytes };
}

/**
 * Blob sizes as the rules count them (docs/rules.md, "The plan"): from the
 * images' `dockerImageLayers[].size`, the largest when images disagree (as
 * `computePlan` counts it, through the same {@link layerSizesOf}); a blob no
 * layer entry sizes, or sizes with no byte count, is absent (0).
 */
export function blobSizesOf(images: Iterable<SizedImage>): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const image of images) {
    for (const [name, size] of layerSizesOf(image).sizes) {
      if (size > (sizes.get(name) ?? -1)) sizes.set(name, size);
    }
  }
  return sizes;
}
