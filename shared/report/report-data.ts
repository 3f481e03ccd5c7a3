// What the HTML report shows, computed once from a plan and the images' layer
// sizes, and bounded whatever the cluster's size: the charts keep their
// biggest rows, the images table its biggest images, the rest is counted. It is
// plain JSON so that the workflow's "Compute prune plan" task can store it next
// to the plan files, and the "Report" task, which has neither the plan nor the
// snapshot in memory, can render report.html from it.
import { layerSizesOf, type SizedImage } from '../core/blobs.js';
import type { Image } from '../core/kube-types.js';
import type { Plan, PlanReasonsSource, RevisionReasons } from '../core/plan-types.js';
import { blobSizesOf, bytesByGroup, namespaceOf, unlinkedBlobs } from './sizes.js';

/** How much of a big plan the report keeps (the rest is counted, and is in the plan's JSON). */
export interface ReportLimits {
  /** Bars per chart. */
  chartRows: number;
  /** Rows of the images table. */
  images: number;
  /** Removed revisions listed per image. */
  revisionsPerImage: number;
  /** Reasons listed per image and per revision. */
  reasonsPerItem: number;
  /** Warnings listed. */
  warnings: number;
}

/** The default limits: a report of a 100,000-image plan stays under a megabyte (0.6 MB measured, with two reasons per image). */
export const REPORT_LIMITS: ReportLimits = { chartRows: 15, images: 1000, revisionsPerImage: 10, reasonsPerItem: 10, warnings: 200 };

/** One bar: a namespace or a repository, and the bytes of deleted blobs it loses its link to. */
export interface ChartRow {
  name: string;
  /** Deleted blobs linked from it, each once. */
  blobs: number;
  bytes: number;
}

/** A chart: its biggest rows, and what the rows left out add up to. */
export interface ChartData {
  /** Biggest first (ties by name), at most {@link ReportLimits.chartRows}. */
  rows: ChartRow[];
  /** How many groups there are in all (rows shown plus left out). */
  groups: number;
  /** The groups left out: their blobs and bytes summed (a blob shared by two of them counts twice, as in the bars). */
  more?: { groups: number; blobs: number; bytes: number };
}

/** A stream revision the plan removes, with why when the plan says. */
export interface RevisionRow {
  /** `namespace/name:tag #index` (index 0 = newest). */
  ref: string;
  reasons?: string[];
  /** Reasons left out beyond the limit. */
  moreReasons?: number;
}

/** One image to delete. */
export interface ImageRow {
  image: string;
  /** Bytes of its layers that the plan deletes (a layer it shares with another deleted image counts in both). */
  bytes: number;
  /** The revisions of it that the plan removes; none when it is in no image stream. */
  revisions: RevisionRow[];
  /** Revisions left out beyond the limit. */
  moreRevisions?: number;
  /** The manifest lists (image indexes) in the snapshot that list it as a child, at most 3. */
  parents?: string[];
  /** Why it is deleted, when the plan carries reasons. */
  reasons?: string[];
  moreReasons?: number;
}

/** The totals of a plan (PlanCounts of summary.json, with the tags). */
export interface ReportTotals {
  images: number;
  streamUpdates: number;
  removedRevisions: number;
  /** Absent when only summary.json's counts are known. */
  removedTags?: number;
  manifestLinks: number;
  layerLinks: number;
  blobs: number;
  bytesReclaimed: number;
  warnings: number;
}

/** One option of the plan as it was given, e.g. `keepYoungerThan` = `60m`. */
export interface ReportOption {
  name: string;
  value: string;
}

/** Everything the HTML report shows about a plan; JSON, bounded by {@link ReportLimits}. */
export interface ReportData {
  /** What the plan was computed from: `examples/cluster.json`, `cluster https://api...:6443`. */
  source: string;
  /** The instant ages were measured from (ISO-8601). */
  now: string;
  options: ReportOption[];
  totals: ReportTotals;
  byNamespace: ChartData;
  byRepository: ChartData;
  /** Deleted blobs that no deleted link names: those of images in no image stream. */
  unlinked: { blobs: number; bytes: number };
  /** The biggest images to delete, biggest first (ties by digest). */
  images: { rows: ImageRow[]; total: number };
  warnings: { rows: string[]; total: number };
  /** Whether the plan carried reasons (computePlan was asked for them). */
  hasReasons: boolean;
  /** Where the complete lists are, e.g. the plan's JSON. */
  fullPlan: string;
}

/** What {@link reportDataOf} needs besides the plan. */
export interface ReportContext {
  /** The snapshot's images (their layer sizes). */
  images: Iterable<SizedImage & Pick<Image, 'dockerImageManifests'> & { metadata: { name: string } }>;
  source: string;
  now: Date;
  options: ReportOption[];
  /** Where the complete lists are. */
  fullPlan: string;
  limits?: Partial<ReportLimits>;
  /**
   * The plan's reasons as a source, when the plan does not carry them all
   * (`plan.reasons`): only the shown images' are worked out (a run's plan of a
   * million Images never holds every reason).
   */
  reasons?: PlanReasonsSource;
}

function chart(rows: ChartRow[], limit: number): ChartData {
  const shown = rows.slice(0, limit);
  const rest = rows.slice(limit);
  const data: ChartData = { rows: shown, groups: rows.length };
  if (rest.length > 0) data.more = { groups: rest.length, blobs: rest.reduce((n, r) => n + r.blobs, 0), bytes: rest.reduce((n, r) => n + r.bytes, 0) };
  return data;
}

function capped<T>(items: T[], limit: number): { items: T[]; more?: number } {
  return items.length <= limit ? { items } : { items: items.slice(0, limit), more: items.length - limit };
}

/**
 * Options in the order given, skipping the unset ones; values as text
 * (`true`, `60m`). For a run's options or the flags of `plan`.
 */
export function reportOptionsOf(options: Record<string, unknown>): ReportOption[] {
  return Object.entries(options)
    .filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object')
    .map(([name, v]) => ({ name, value: String(v) }));
}

/**
 * The report of a plan. Bytes by namespace and by repository follow
 * {@link bytesByGroup}: a deleted blob counts in every namespace (repository)
 * that loses its layer link to it, once each, so the bars can add up to more
 * than the total, which counts each blob once.
 */
export function reportDataOf(plan: Plan, ctx: ReportContext): ReportData {
  const limits = { ...REPORT_LIMITS, ...ctx.limits };
  const images = [...ctx.images];
  const blobSizes = blobSizesOf(images);

  // Each deleted image's bytes: its layers that the plan deletes.
  const deletedBlobs = new Set(plan.blobs);
  const deletedImages = new Set(plan.images);
  const bytesOf = new Map<string, number>();
  for (const image of images) {
    const name = image.metadata.name;
    if (!deletedImages.has(name) || bytesOf.has(name)) continue;
    let bytes = 0;
    for (const [layer, size] of layerSizesOf(image).sizes) if (deletedBlobs.has(layer)) bytes += size;
    bytesOf.set(name, bytes);
  }
  // Sizes looked up once, not in every comparison.
  const sized = plan.images.map((name) => ({ name, bytes: bytesOf.get(name) ?? 0 }));
  sized.sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const top = sized.slice(0, limits.images).map((s) => s.name);
  const shown = new Set(top);

  // Only the shown images' revisions and reasons are looked up and kept.
  const revisionsOf = new Map<string, { ref: string; key: string }[]>();
  for (const u of plan.streamUpdates) {
    for (const r of u.removed) {
      if (!shown.has(r.image)) continue;
      let list = revisionsOf.get(r.image);
      if (!list) revisionsOf.set(r.image, (list = []));
      list.push({ ref: `${u.namespace}/${u.name}:${r.tag} #${r.index}`, key: `${u.namespace}\0${u.name}\0${r.tag}\0${r.index}` });
    }
  }
  // A manifest list's children are in no stream's history: name their lists instead.
  const parentsOf = new Map<string, string[]>();
  for (const image of images) {
    for (const child of image.dockerImageManifests ?? []) {
      if (!shown.has(child.digest)) continue;
      let list = parentsOf.get(child.digest);
      if (!list) parentsOf.set(child.digest, (list = []));
      if (list.length < 3 && !list.includes(image.metadata.name)) list.push(image.metadata.name);
    }
  }
  const imageReasons = new Map<string, string[]>();
  const revisionReasons = new Map<string, string[]>();
  const revisionKey = (r: RevisionReasons) => `${r.namespace}\0${r.name}\0${r.tag}\0${r.index}`;
  if (plan.reasons) {
    for (const r of plan.reasons.images) if (shown.has(r.image) && r.verdict === 'deleted') imageReasons.set(r.image, r.reasons);
    for (const r of plan.reasons.revisions) if (shown.has(r.image) && r.verdict === 'removed') revisionReasons.set(revisionKey(r), r.reasons);
  } else if (ctx.reasons) {
    for (const name of top) {
      const r = ctx.reasons.image(name);
      if (r?.verdict === 'deleted') imageReasons.set(name, r.reasons);
      for (const rr of ctx.reasons.revisionsOfImage(name)) if (rr.verdict === 'removed') revisionReasons.set(revisionKey(rr), rr.reasons);
    }
  }

  const rows = top.map((image): ImageRow => {
    const revs = capped(revisionsOf.get(image) ?? [], limits.revisionsPerImage);
    const row: ImageRow = {
      image,
      bytes: bytesOf.get(image) ?? 0,
      revisions: revs.items.map(({ ref, key }) => {
        const rr: RevisionRow = { ref };
        const why = revisionReasons.get(key);
        if (why) {
          const c = capped(why, limits.reasonsPerItem);
          rr.reasons = c.items;
          if (c.more) rr.moreReasons = c.more;
        }
        return rr;
      }),
    };
    if (revs.more) row.moreRevisions = revs.more;
    const parents = parentsOf.get(image);
    if (parents) row.parents = parents;
    const why = imageReasons.get(image);
    if (why) {
      const c = capped(why, limits.reasonsPerItem);
      row.reasons = c.items;
      if (c.more) row.moreReasons = c.more;
    }
    return row;
  });

  const removedRevisions = plan.streamUpdates.reduce((n, u) => n + u.removed.length, 0);
  const removedTags = plan.streamUpdates.reduce((n, u) => n + u.removedTags.length, 0);
  return {
    source: ctx.source,
    now: ctx.now.toISOString(),
    options: ctx.options,
    totals: {
      images: plan.images.length,
      streamUpdates: plan.streamUpdates.length,
      removedRevisions,
      removedTags,
      manifestLinks: plan.manifestLinks.length,
      layerLinks: plan.layerLinks.length,
      blobs: plan.blobs.length,
      bytesReclaimed: plan.bytesReclaimed,
      warnings: plan.warnings.length,
    },
    byNamespace: chart(bytesByGroup(plan, blobSizes, namespaceOf), limits.chartRows),
    byRepository: chart(bytesByGroup(plan, blobSizes, (r) => r), limits.chartRows),
    unlinked: unlinkedBlobs(plan, blobSizes),
    images: { rows, total: plan.images.length },
    warnings: { rows: plan.warnings.slice(0, limits.warnings), total: plan.warnings.length },
    hasReasons: plan.reasons !== undefined || ctx.reasons !== undefined,
    fullPlan: ctx.fullPlan,
  };
}
