// "Compute prune plan": the snapshot files -> the rules -> plan files
// (JSON arrays the Distributed Maps read) and summary.json.
import { parseDuration } from '../core/duration.js';
import { computePlan } from '../core/plan.js';
import type { Plan, PlanOptions } from '../core/plan-types.js';
import { SnapshotBuilder } from '../core/snapshot.js';
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { putJson } from '../adapters/artifacts/artifact-store.js';
import { readSnapshotChunks } from './snapshot-chunks.js';
import type { DeletionKind, PlanCounts, PlanEvent, PlanResult, RunOptions } from './contracts.js';
import { DELETION_KINDS, runKeys } from './contracts.js';
import { writeReportData } from './report-html.js';

/** The items of each plan file: objects, so that item readers and batchers treat every kind alike. */
export function planItems(plan: Plan): Record<DeletionKind, unknown[]> {
  return {
    layerLinks: plan.layerLinks,
    blobs: plan.blobs.map((digest) => ({ digest })),
    manifests: plan.manifestLinks,
    streamUpdates: plan.streamUpdates,
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
 * The rules' options of a run: the one step from the parsed execution input
 * (the same for a Lambda run, `image-pruner run` and `image-pruner plan`) to
 * what computePlan reads.
 */
export function planOptionsOf(o: RunOptions): PlanOptions {
  return {
    keepTagRevisions: o.keepTagRevisions,
    keepYoungerThanMs: parseDuration(o.keepYoungerThan, 'keepYoungerThan'),
    now: new Date(o.now),
    all: o.all,
    ignoreInvalidRefs: o.ignoreInvalidRefs,
    pruneOverSizeLimit: o.pruneOverSizeLimit,
    // Absent, not undefined: "every namespace".
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    pruneRegistry: o.pruneRegistry,
  };
}

/**
 * Reads every collected group, computes the plan, writes the plan files.
 * Throws InvalidReferencesError (from the rules) when references are invalid
 * and not ignored: the run stops before anything is changed.
 */
export async function computePrunePlan(event: PlanEvent, artifacts: ArtifactStore): Promise<PlanResult> {
  const builder = new SnapshotBuilder();
  for (const c of event.collected) {
    // One part in memory at a time, each object parsed on its own (shared/workflow/snapshot-chunks.ts).
    let i = 0;
    for await (const item of readSnapshotChunks(artifacts, c)) builder.add(item, i++);
  }
  const o = event.run.options;
  const snapshot = builder.build();
  // With reasons: report.html shows why each of its images goes (only the shown ones are stored).
  const plan = computePlan(snapshot, planOptionsOf(o), { reasons: true });
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
  await writeReportData(artifacts, runId, plan, snapshot.images, o);
  return { keys, counts };
}
