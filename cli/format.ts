// What a person reads before confirming a prune: the plan as a short report.
// Totals come first because they answer "how much, how risky"; then where the
// space comes from; then anything the rules could not read.
import type { Plan } from '../shared/core/plan-types.js';
import { bytesByRepository, formatBytes } from '../shared/report/sizes.js';

// The size formatter and the per-repository attribution moved to shared/ so
// that the workflow's HTML report uses the same ones; re-exported for the
// command line's importers.
export { blobSizesOf, bytesByRepository, formatBytes, type RepositoryBytes } from '../shared/report/sizes.js';

/** What the report says about how the plan was made. */
export interface PlanTableContext {
  /** Blob digest -> size, for the per-repository breakdown. */
  blobSizes: ReadonlyMap<string, number>;
  /** Where the snapshot came from, e.g. `examples/cluster.json`. */
  source: string;
  now: Date;
  keepTagRevisions: number;
  /** As the user wrote it, e.g. `60m`. */
  keepYoungerThan: string;
  all: boolean;
  /** Over-size mode: revisions stay by their LimitRange, not by position or age. */
  pruneOverSizeLimit?: boolean;
  /** Only this namespace's streams are trimmed. */
  namespace?: string;
  /** false: the registry is left alone. */
  pruneRegistry?: boolean;
  /** How many repository rows to show (default 10). */
  top?: number;
}

function table(rows: string[][], rightAlign: ReadonlySet<number>): string[] {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  return rows.map((r) =>
    r
      .map((cell, col) => (rightAlign.has(col) ? cell.padStart(widths[col]) : cell.padEnd(widths[col])))
      .join('  ')
      .trimEnd(),
  );
}

/** Renders the plan as the dry-run report of `image-pruner plan` (ends with a newline). */
export function formatPlanTable(plan: Plan, ctx: PlanTableContext): string {
  const out: string[] = [];
  const removedRevisions = plan.streamUpdates.reduce((n, u) => n + u.removed.length, 0);
  const removedTags = plan.streamUpdates.reduce((n, u) => n + u.removedTags.length, 0);
  const scope = ctx.all ? 'all images' : 'managed images';
  out.push(`Prune plan for ${ctx.source}`);
  const keeping = ctx.pruneOverSizeLimit
    ? "pruning what exceeds its namespace's LimitRange (openshift.io/Image), whatever its age or revision"
    : `keeping ${ctx.keepTagRevisions} revision(s) per tag and anything younger than ${ctx.keepYoungerThan}`;
  out.push(`  as of ${ctx.now.toISOString()}; ${scope}; ${keeping}`);
  if (ctx.namespace !== undefined) out.push(`  only the image streams of namespace ${ctx.namespace}; no Image is deleted`);
  if (ctx.pruneRegistry === false) out.push('  registry left alone (--prune-registry=false): no links or blobs; hard-prune reclaims the storage later');
  out.push('');
  const streams = plan.streamUpdates.length;
  out.push(
    ...table(
      [
        ['Images to delete', String(plan.images.length), ''],
        ['Stream revisions to remove', String(removedRevisions), `in ${streams} image stream${streams === 1 ? '' : 's'}`],
        ['Tags to remove', String(removedTags), ''],
        ['Manifest links to delete', String(plan.manifestLinks.length), ''],
        ['Layer links to delete', String(plan.layerLinks.length), ''],
        ['Blobs to delete', String(plan.blobs.length), ''],
        ['Space reclaimed', formatBytes(plan.bytesReclaimed), plan.bytesReclaimed >= 1024 ? `(${plan.bytesReclaimed} bytes)` : ''],
      ].map(([a, b, c]) => [`  ${a}`, b, c]),
      new Set([1]),
    ),
  );

  const repos = bytesByRepository(plan, ctx.blobSizes);
  // Blobs of images that no stream holds (their stream was deleted, or they are
  // manifest-list children) have no link to delete; show them apart so the rows
  // explain the whole total.
  const linked = new Set([...plan.layerLinks, ...plan.manifestLinks].map((l) => l.digest));
  const unlinked = plan.blobs.filter((b) => !linked.has(b));
  if (repos.length > 0 || unlinked.length > 0) {
    const top = repos.slice(0, ctx.top ?? 10);
    const rows = top.map((r) => [`  ${r.repository}`, String(r.blobs), formatBytes(r.bytes)]);
    if (unlinked.length > 0) {
      const bytes = unlinked.reduce((n, b) => n + (ctx.blobSizes.get(b) ?? 0), 0);
      rows.push(['  (images in no image stream)', String(unlinked.length), formatBytes(bytes)]);
    }
    out.push('');
    // The heading counts the rows below it: the repositories shown (of how
    // many), and the extra row of images in no stream when there is one.
    const shown = `${top.length} of ${repos.length} ${repos.length === 1 ? 'repository' : 'repositories'}`;
    const extra = unlinked.length > 0 ? (repos.length > 0 ? ', and images in no image stream' : 'images in no image stream') : '';
    out.push(`Top repositories by space reclaimed (${repos.length > 0 ? shown : ''}${extra}; a blob shared by repositories counts in each):`);
    out.push(...table([['  REPOSITORY', 'BLOBS', 'SIZE'], ...rows], new Set([1, 2])));
  }

  if (plan.warnings.length > 0) {
    out.push('');
    out.push(`Warnings (${plan.warnings.length}):`);
    for (const w of plan.warnings) out.push(`  - ${w}`);
  }

  out.push('');
  out.push('Dry run: nothing was deleted. `plan` only reads the snapshot.');
  out.push('To carry out a plan, run `image-pruner run --confirm` against the cluster and registry with the same options');
  out.push('(or `image-pruner start --confirm` on AWS); it recomputes the plan from a fresh snapshot first.');
  return `${out.join('\n')}\n`;
}
