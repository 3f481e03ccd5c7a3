// "Re-check the plan", the race guard (docs/rules.md, "Carrying it out"): just
// before the registry deletions, the lists but Images were read again ("Collect
// cluster resources again", the collect row writing under runs/<id>/recheck/);
// here they are planned again with the first Images list, and only what both
// plans delete is carried out. The plan files the deletion Maps read are the
// intersection's (runs/<id>/recheck/plan/), so `$.plan` is replaced; the first
// plan's files stay as they were, and spared.json lists what was spared and why.
// Only keys and counts go back into the state.
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { getGzipJson, getJson, putJson } from '../adapters/artifacts/artifact-store.js';
import type { KubeList } from '../core/kube-types.js';
import { computePlan } from '../core/plan.js';
import type { Plan } from '../core/plan-types.js';
import { SnapshotBuilder } from '../core/snapshot.js';
import { planOptionsOf } from './compute-plan.js';
import type { CollectResult, DeletionKind, PlanCounts, PlanResult, RecheckEvent } from './contracts.js';
import { InvalidInputError } from '../errors.js';
import { DELETION_KINDS, runKeys } from './contracts.js';
import type { PlanFiles, Spared } from './recheck-intersect.js';
import { intersectPlans } from './recheck-intersect.js';

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

/** Counts of the plan carried out, in the shape of summary.json. */
function countsOf(files: PlanFiles, bytesReclaimed: number, warnings: number): PlanCounts {
  return {
    images: files.images.length,
    streamUpdates: files.streamUpdates.length,
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
  const builder = new SnapshotBuilder();
  for (const c of recheckLists(event.collected, event.recollected)) {
    const list = await getGzipJson<KubeList>(artifacts, c.key);
    list.items.forEach((item, i) => builder.add(item, i));
  }
  const snapshot = builder.build();
  // The rules' reasons, when computePlan gives them, name what keeps each spared image and revision.
  const second: Plan = computePlan(snapshot, planOptionsOf(event.run.options));

  const k = event.plan.keys;
  const first: PlanFiles = {
    layerLinks: await getJson(artifacts, k.layerLinks),
    blobs: await getJson(artifacts, k.blobs),
    manifests: await getJson(artifacts, k.manifests),
    streamUpdates: await getJson(artifacts, k.streamUpdates),
    images: await getJson(artifacts, k.images),
  };
  const result = intersectPlans(first, second, snapshot);

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
