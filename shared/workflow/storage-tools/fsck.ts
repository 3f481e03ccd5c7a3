// The check tasks and the report task of the Fsck state machine (recovery,
// with confirm, is fsck-recover.ts). The findings are shared/core/fsck.ts's;
// each batch recomputes the expectations from the collected snapshot (once per
// warm container and run).
import type { ArtifactStore } from '../../adapters/artifacts/artifact-store.js';
import { getJson, putJson } from '../../adapters/artifacts/artifact-store.js';
import type { RegistryStorage } from '../../adapters/storage/index.js';
import { fsckExpectations, lostManifests, missingBlobFindings, missingInPrefix, prefixOf, type FsckExpectations } from '../../core/fsck.js';
import type { FsckReport, LostManifestReport } from './reports.js';
import { InvalidInputError } from '../../errors.js';
import { describeCaught } from '../report.js';
import type { CollectedGroup, ExpectResult, RecoverResult, RepositoryBatchResult, ToolState } from './contracts.js';
import { toolKeys } from './contracts.js';
import { all, batchName, checkPrefixItem, checkRepositoryItem, parseStartResult, parseToolBatch, parseToolState, readCollected } from './common.js';

const TOOL = 'fsck' as const;

let cached: { runId: string; e: FsckExpectations } | undefined;

async function expectations(state: ToolState, artifacts: ArtifactStore): Promise<FsckExpectations> {
  if (cached?.runId !== state.run.runId) {
    const { images, streams } = await readCollected(state, artifacts);
    cached = { runId: state.run.runId, e: fsckExpectations(images, streams, state.tool.namespace !== undefined ? { namespace: state.tool.namespace } : {}) };
  }
  return cached.e;
}

/** Where a batch finds the snapshot: the collected groups travel in BatchInput. */
function collectedOf(event: unknown): CollectedGroup[] {
  const bi = (event as { BatchInput?: { collected?: unknown } } | null)?.BatchInput;
  if (!Array.isArray(bi?.collected)) throw new InvalidInputError('event.BatchInput.collected: must be a list');
  return bi.collected as CollectedGroup[];
}

/**
 * "Compute expectations": which prefixes hold a blob some image needs (only
 * those are listed) and which repositories storage holds.
 */
export async function computeFsckExpectations(event: unknown, artifacts: ArtifactStore, storage: RegistryStorage): Promise<ExpectResult> {
  const state = parseToolState(event, TOOL);
  const e = await expectations(state, artifacts);
  const prefixes = [...new Set([...e.blobs.keys()].map(prefixOf))].sort();
  const repositories = (await all(storage.repositories())).sort();
  const keys = { prefixes: toolKeys.prefixes(state.run.runId, TOOL), repositories: toolKeys.repositories(state.run.runId, TOOL) };
  await putJson(artifacts, keys.prefixes, prefixes.map((prefix) => ({ prefix })));
  await putJson(artifacts, keys.repositories, repositories.map((repository) => ({ repository })));
  return { keys, counts: { prefixes: prefixes.length, repositories: repositories.length, missingImages: e.missingImages.length } };
}

/** "Check a batch of blob prefixes": the needed blobs each prefix lacks. */
export async function checkBlobPrefixes(event: unknown, artifacts: ArtifactStore, storage: RegistryStorage): Promise<RepositoryBatchResult> {
  const batch = parseToolBatch(event, TOOL, checkPrefixItem);
  if (batch.items.length === 0) throw new InvalidInputError('event.Items: a batch needs at least one prefix');
  const e = await expectations({ ...batch, collected: collectedOf(event) }, artifacts);
  const missing: string[] = [];
  for (const prefix of batch.items) {
    const present: string[] = [];
    for await (const b of storage.blobs({ prefix })) present.push(b.digest);
    missing.push(...missingInPrefix(e, prefix, present));
  }
  await putJson(artifacts, toolKeys.prefixResult(batch.run.runId, TOOL, batchName(batch.items[0])), { prefixes: batch.items, missing });
  return { repositories: batch.items.length, changed: missing.length, failed: 0 };
}

/** "Check a batch of repositories": manifest revision links no tag reaches. */
export async function checkRepositories(event: unknown, artifacts: ArtifactStore, storage: RegistryStorage): Promise<RepositoryBatchResult> {
  const batch = parseToolBatch(event, TOOL, checkRepositoryItem);
  if (batch.items.length === 0) throw new InvalidInputError('event.Items: a batch needs at least one repository');
  const e = await expectations({ ...batch, collected: collectedOf(event) }, artifacts);
  const lost: LostManifestReport[] = [];
  for (const repository of batch.items) {
    for (const f of lostManifests(e, repository, await all(storage.manifestRevisions(repository)))) {
      const report: LostManifestReport = { ...f, manifestReadable: true };
      // A missing Image can only be recreated from its manifest in storage.
      if (!f.imageExists && !(await storage.readBlob(f.digest))) {
        report.manifestReadable = false;
        report.recoverable = false;
        report.problem = 'its manifest blob is missing from storage, so its Image cannot be recreated';
      } else if (!f.recoverable) {
        report.problem = 'the repository name is not namespace/name, so no image stream can hold it';
      }
      lost.push(report);
    }
  }
  await putJson(artifacts, toolKeys.repositoryResult(batch.run.runId, TOOL, batchName(batch.items[0])), { lost });
  return { repositories: batch.items.length, changed: lost.length, failed: 0 };
}

/** Every lost manifest the repository batches found, sorted by repository and digest. */
export async function readLostManifests(artifacts: ArtifactStore, runId: string): Promise<LostManifestReport[]> {
  const lost: LostManifestReport[] = [];
  for (const k of (await artifacts.list(toolKeys.repositoryResults(runId, TOOL))).filter((x) => x.endsWith('.json'))) {
    lost.push(...(await getJson<{ lost: LostManifestReport[] }>(artifacts, k)).lost);
  }
  return lost.sort((a, b) => (a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : a.digest < b.digest ? -1 : 1));
}

/** What the fsck report task returns. */
export interface FsckRunReport {
  status: 'succeeded' | 'failed';
  runId: string;
  reportKey: string;
  /** Findings in the shape of `image-pruner fsck --output json`; `recover` is the input's `confirm`. */
  report?: FsckReport;
  error?: { name: string; message: string };
}

/**
 * "Report fsck": the findings of every batch, with what recovery made of the
 * lost manifests when it ran, into `runs/<id>/fsck/report.json`.
 */
export async function reportFsck(event: unknown, artifacts: ArtifactStore, location: string): Promise<FsckRunReport> {
  const ev = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  const start = parseStartResult(ev, TOOL);
  const runId = start.run.runId;
  const reportKey = toolKeys.report(runId, TOOL);
  const out: FsckRunReport = { status: ev.error ? 'failed' : 'succeeded', runId, reportKey };
  if (ev.error && typeof ev.error === 'object') {
    const er = ev.error as { Error?: unknown; Cause?: unknown };
    out.error = describeCaught({ Error: typeof er.Error === 'string' ? er.Error : 'Error', Cause: typeof er.Cause === 'string' ? er.Cause : undefined });
  }
  const expected = ev.expected as ExpectResult | undefined;
  if (expected?.counts && Array.isArray(ev.collected)) {
    const state = parseToolState(ev, TOOL);
    const e = await expectations(state, artifacts);
    const missing: string[] = [];
    for (const k of (await artifacts.list(toolKeys.prefixResults(runId, TOOL))).filter((x) => x.endsWith('.json'))) {
      missing.push(...(await getJson<{ missing: string[] }>(artifacts, k)).missing);
    }
    let lost = await readLostManifests(artifacts, runId);
    // Recovery's copy of the findings carries recoveredAs / problem.
    if ((ev.recovered as RecoverResult | undefined)?.key !== undefined) lost = await getJson<LostManifestReport[]>(artifacts, toolKeys.recovery(runId));
    const report: FsckReport = {
      location,
      recover: start.tool.confirm,
      missingImages: e.missingImages,
      missingBlobs: missingBlobFindings(e, missing),
      lostManifests: lost,
      listed: { prefixes: expected.counts.prefixes, repositories: expected.counts.repositories },
      warnings: e.warnings,
    };
    if (start.tool.namespace !== undefined) report.namespace = start.tool.namespace;
    out.report = report;
  }
  await putJson(artifacts, reportKey, out);
  return out;
}
