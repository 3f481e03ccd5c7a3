// "Compute prune plan": the snapshot files -> the rules -> plan files
// (JSON arrays the Distributed Maps read) and summary.json.
import { computePlanWithReasons } from '../core/plan.js';
import type { Plan, StreamUpdate } from '../core/plan-types.js';
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { putJson } from '../adapters/artifacts/artifact-store.js';
import { readSnapshotGroups } from './snapshot-chunks.js';
import type { DeletionKind, PlanCounts, PlanEvent, PlanResult, RunOptions } from './contracts.js';
import { DELETION_KINDS, planOptionsOf, runKeys } from './contracts.js';
import { writeReportData } from './report-html.js';

/**
 * The most UTF-8 bytes of JSON one stream update item may take: a quarter of
 * a Map batch's 256 KiB, so a batch always holds at least one item with room
 * to spare (the Maps also cut batches by bytes, infra/image-pruner.ts).
 */
export const STREAM_UPDATE_ITEM_BYTES = 64 * 1024;

/**
 * One stream's update as items of at most {@link STREAM_UPDATE_ITEM_BYTES}:
 * a stream with thousands of removed revisions would be one item over a Map
 * batch's limit. Revisions are kept together by tag where they fit; each part
 * names the removed tags whose revisions it holds (the part that empties such a
 * tag removes it), and tags without revisions go with the first part. Every
 * part is applied to the stream as it is then, matched by tag and image
 * (shared/adapters/kubernetes/writers.ts, applyStreamUpdate), so the parts
 * may run in any order, and again.
 */
export function splitStreamUpdate(u: StreamUpdate, maxBytes = STREAM_UPDATE_ITEM_BYTES): StreamUpdate[] {
  const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');
  if (bytes(u) <= maxBytes) return [u];
  const removedTags = new Set(u.removedTags);
  const parts: StreamUpdate[] = [];
  let part: StreamUpdate = { namespace: u.namespace, name: u.name, removed: [], removedTags: [] };
  let size = bytes(part);
  const tagsOf = (p: StreamUpdate) => [...new Set(p.removed.map((r) => r.tag))].filter((t) => removedTags.has(t));
  const close = () => {
    parts.push({ ...part, removedTags: tagsOf(part) });
    part = { namespace: u.namespace, name: u.name, removed: [], removedTags: [] };
    size = bytes(part);
  };
  // By tag, highest index first within a tag.
  const revisions = [...u.removed].sort((a, b) => (a.tag === b.tag ? b.index - a.index : a.tag < b.tag ? -1 : 1));
  for (const r of revisions) {
    // The revision, its comma, and its tag's name in removedTags if it is one.
    const cost = bytes(r) + 1 + (removedTags.has(r.tag) ? bytes(r.tag) + 1 : 0);
    if (part.removed.length > 0 && size + cost > maxBytes) close();
    part.removed.push(r);
    size += cost;
  }
  if (part.removed.length > 0) close();
  const covered = new Set(parts.flatMap((p) => p.removedTags));
  const alone = u.removedTags.filter((t) => !covered.has(t));
  if (alone.length > 0) parts[0] = { ...parts[0], removedTags: [...parts[0].removedTags, ...alone] };
  return parts;
}

/** The items of each plan file: objects, so that item readers and batchers treat every kind alike. */
export function planItems(plan: Plan): Record<DeletionKind, unknown[]> {
  return {
    layerLinks: plan.layerLinks,
    blobs: plan.blobs.map((digest) => ({ digest })),
    manifests: plan.manifestLinks,
    streamUpdates: plan.streamUpdates.flatMap((u) => splitStreamUpdate(u)),
    images: plan.images.map((name) => ({ name })),
  };
}

/** The counts of a plan, as summary.json and the state machine carry them. */
export function planCounts(plan: Plan): PlanCounts {
  return {
    images: plan.images.length,
    streamUpdates: plan.streamUpdates.length,
    removedRevisions: plan.streamUpdates.reduce((n, u) => n + u.removed.length, 0),
    manifestLinks: plan.manifestLinks.length,
    layerLinks: plan.layerLinks.length,
    blobs: plan.blobs.length,
    bytesReclaimed: plan.bytesReclaimed,
    warnings: plan.warnings.length,
  };
}

/**
 * Reads every collected group, computes the plan, writes the plan files.
 * Throws InvalidReferencesError (from the rules) when references are invalid
 * and not ignored: the run stops before anything is changed.
 */
export async function computePrunePlan(event: PlanEvent, artifacts: ArtifactStore): Promise<PlanResult> {
  // One part in memory at a time, each object parsed on its own (shared/workflow/snapshot-chunks.ts).
  const snapshot = await readSnapshotGroups(artifacts, event.collected);
  const o = event.run.options;
  // report.html shows why each of its (at most 1,000) images goes: only those
  // reasons are worked out, from the plan's reasons source, never all of them.
  const { plan, reasons } = computePlanWithReasons(snapshot, planOptionsOf(o));
  const runId = event.run.runId;
  const items = planItems(plan);
  const keys = {} as PlanResult['keys'];
  for (const kind of DELETION_KINDS) {
    keys[kind] = runKeys.plan(runId, kind);
    await putJson(artifacts, keys[kind], items[kind]);
  }
  keys.summary = runKeys.summary(runId);
  const counts = planCounts(plan);
  await putJson(artifacts, keys.summary, { runId, options: o, counts, warnings: plan.warnings });
  await writeReportData(artifacts, runId, plan, snapshot.images, o, reasons);
  return { keys, counts };
}
