// "Re-check the plan", the race guard (docs/rules.md, "Carrying it out"): just
// before the registry deletions, the lists but Images were read again ("Collect
// cluster resources again", the collect row writing under runs/<id>/recheck/);
// here they are planned again with the first Images list, and only what both
// plans delete is carried out. The plan files the deletion Maps read are the
// intersection's (runs/<id>/recheck/plan/), so `$.plan` is replaced; the first
// plan's files stay as they were, and spared.json lists what was spared and why.
// Only keys and counts go back into the state.
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { getJsonArray, putJson } from '../adapters/artifacts/artifact-store.js';
import { readSnapshotGroups } from './snapshot-chunks.js';
import { computePlan } from '../core/plan.js';
import type { Plan, PlanOptions } from '../core/plan-types.js';
import type { Snapshot } from '../core/snapshot.js';
import { splitStreamUpdate } from './compute-plan.js';
import type { CollectResult, DeletionKind, PlanCounts, PlanResult, RecheckEvent } from './contracts.js';
import { InvalidInputError } from '../errors.js';
import { DELETION_KINDS, planOptionsOf, runKeys } from './contracts.js';
import type { PlanFiles, Spared } from './recheck-intersect.js';
import { intersectPlans } from './recheck-intersect.js';

/**
 * computePlan, with the request for reasons as its third argument (rules that
 * do not take it yet ignore it, and the spared items say "kept by the re-check").
 */
const computePlanOf: (snapshot: Snapshot, options: PlanOptions, request: { reasons?: boolean }) => Plan = computePlan;

/** spared.json: every item of the first plan that was not carried out, with why. */
export interface SparedFile {
  runId: string;
  counts: Record<DeletionKind, number>;
  recheckOnly: Record<DeletionKind, number>;
  items: Spared;
}

/**
 * The lists of the re-check: the first Images list (Images are not read again:
 * they are the largest list, and what is deleted is decided by what references
 * them), every other group as read again.
 */
export function recheckLists(collected: readonly CollectResult[], recollected: readonly CollectResult[]): CollectResult[] {
  const images = collected.filter((c) => c.group === 'images');
  if (images.length === 0) throw new InvalidInputError('event.collected: has no images group; the re-check plans with the first Images list');
  const again = new Set(recollected.map((c) => c.group));
  const missing = collected.filter((c) => c.group !== 'images' && !again.has(c.group)).map((c) => c.group);
  // A list not read again would let the re-check miss what took an image up: refuse rather than guess.
  if (missing.length > 0) throw new InvalidInputError(`event.recollected: ${missing.join(', ')} not read again`);
  return [...images, ...recollected.filter((c) => c.group !== 'images')];
}

/** Counts of the plan carried out, in the shape of summary.json (streams counted once, however many items their updates take). */
function countsOf(files: PlanFiles, bytesReclaimed: number, warnings: number): PlanCounts {
  return {
    images: files.images.length,
    streamUpdates: new Set(files.streamUpdates.map((u) => `${u.namespace}/${u.name}`)).size,
    removedRevisions: files.streamUpdates.reduce((n, u) => n + u.removed.length, 0),
    manifestLinks: files.manifests.length,
    layerLinks: files.layerLinks.length,
    blobs: files.blobs.length,
    bytesReclaimed,
    warnings,
  };
}

/**
 * Plans again from the first Images list and the lists read again, keeps what
 * both plans delete, writes the plan files to carry out and spared.json.
 * Throws InvalidReferencesError (from the rules) like the first plan would.
 */
export async function recheckPlan(event: RecheckEvent, artifacts: ArtifactStore): Promise<PlanResult> {
  const runId = event.run.runId;
  const snapshot = await readSnapshotGroups(artifacts, recheckLists(event.collected, event.recollected));
  const options = planOptionsOf(event.run.options);
  const second = computePlanOf(snapshot, options, {});

  const k = event.plan.keys;
  const first: PlanFiles = {
    layerLinks: await getJsonArray(artifacts, k.layerLinks),
    blobs: await getJsonArray(artifacts, k.blobs),
    manifests: await getJsonArray(artifacts, k.manifests),
    streamUpdates: await getJsonArray(artifacts, k.streamUpdates),
    images: await getJsonArray(artifacts, k.images),
  };
  let result = intersectPlans(first, second, snapshot);
  // The rules' own reasons name the pod or stream that keeps a spared image or
  // revision. They cost memory at scale, so they are asked for only when
  // something was spared: the same plan again, explained.
  if (result.spared.images.length + result.spared.streamUpdates.length > 0 && !second.reasons) {
    const explained = computePlanOf(snapshot, options, { reasons: true });
    if (explained.reasons) result = intersectPlans(first, explained, snapshot);
  }

  // The carried updates are the re-check's whole ones: cut them into items as the first plan's were.
  result = { ...result, carried: { ...result.carried, streamUpdates: result.carried.streamUpdates.flatMap((u) => splitStreamUpdate(u)) } };
  const keys = {} as PlanResult['keys'];
  for (const kind of DELETION_KINDS) {
    keys[kind] = runKeys.recheckPlan(runId, kind);
    await putJson(artifacts, keys[kind], result.carried[kind]);
  }
  const counts = countsOf(result.carried, result.bytesReclaimed, second.warnings.length);
  const spared = Object.fromEntries(DELETION_KINDS.map((kind) => [kind, result.spared[kind].length])) as Record<DeletionKind, number>;
  const sparedKey = runKeys.spared(runId);
  await putJson(artifacts, sparedKey, { runId, counts: spared, recheckOnly: result.recheckOnly, items: result.spared } satisfies SparedFile);
  const recheck = { firstPlan: event.plan.counts, spared, recheckOnly: result.recheckOnly, sparedKey };
  keys.summary = runKeys.recheckSummary(runId);
  await putJson(artifacts, keys.summary, { runId, options: event.run.options, counts, recheck, warnings: second.warnings });
  return { keys, counts, recheck };
}
