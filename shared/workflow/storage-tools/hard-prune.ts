// The task functions of the HardPrune state machine. Each takes its adapters
// as arguments (artifacts store, registry storage) and leaves the decisions to
// shared/core/hard-prune.ts, so a Lambda, the local runner and a test run the
// same code. Lists go to the artifacts store; the state carries counts.
import type { ArtifactStore } from '../../adapters/artifacts/artifact-store.js';
import { getJson, putJson } from '../../adapters/artifacts/artifact-store.js';
import type { LinkRef, RegistryStorage } from '../../adapters/storage/index.js';
import {
  checkClusterView,
  markForHardPrune,
  markManifest,
  marksFromJSON,
  marksToJSON,
  sweepBlobs,
  sweepRepository,
  type HardPruneMarks,
  type HardPruneMarksJSON,
  type StoredBlob,
} from '../../core/hard-prune.js';
import type { HardPruneReport, InvalidRepositoryFolder, RepositoryReport } from './reports.js';
import { InvalidInputError } from '../../errors.js';
import { describeCaught, resolveMapFailure } from '../report.js';
import type { BlobSweepBatchResult, ListRepositoriesResult, MarkResult, RepositoryBatchResult, StartResult } from './contracts.js';
import { HARD_PRUNE_STATE, HardPruneMarkingError, SweepItemsFailedError, toolKeys } from './contracts.js';
import { all, batchName, checkPrefixItem, checkRepositoryItem, parseStartResult, parseToolBatch, parseToolState, PREFIX_ITEMS, readCollected } from './common.js';

const TOOL = 'hard-prune' as const;

/** What one batch of the blob sweep decided and did, as stored in `blobs/<batch>.json`. */
export interface BlobSweepArtifact {
  prefixes: string[];
  /** Deleted (confirmed) or to delete (dry run). */
  deleted: { digest: string; size: number }[];
  young: { digest: string; size: number }[];
  kept: number;
  failures: string[];
}

/** What one batch of the repository sweep decided and did, as stored in `repositories/<batch>.json`. */
export interface RepositorySweepArtifact {
  /** Rows of repositories with something removed (their digest lists name what was removed or would be). */
  rows: RepositoryReport[];
  /** Repositories without an image stream kept for a push in progress. */
  kept: { repository: string; reason: 'young blob' | 'young upload' }[];
  failures: string[];
}

/** Where the manifests are for {@link checkClusterView}: true once one repository holds a revision link. */
async function storageHoldsManifests(storage: RegistryStorage): Promise<boolean> {
  for await (const name of storage.repositories()) for await (const _ of storage.manifestRevisions(name)) return true;
  return false;
}

/**
 * "Mark blobs in use": every blob of every Image, reading from storage each
 * manifest-list child and each stream revision without an Image. Refuses a
 * location that is not a registry root and a view of the cluster with no
 * Image while storage holds manifests. One unreadable child stops the run
 * before anything is swept ({@link HardPruneMarkingError}).
 */
export async function markBlobsInUse(event: unknown, artifacts: ArtifactStore, storage: RegistryStorage): Promise<MarkResult> {
  const state = parseToolState(event, TOOL);
  await storage.checkRoot();
  const { images, streams } = await readCollected(state, artifacts);
  checkClusterView({ images: images.length, streams: streams.length, storageHoldsManifests: images.length === 0 && (await storageHoldsManifests(storage)) });
  const marks = markForHardPrune(images, streams);
  const problems: string[] = [];
  const tried = new Set<string>();
  while (marks.unresolvedChildren.size + marks.unresolvedHistory.size > 0) {
    const pending = [...marks.unresolvedChildren, ...marks.unresolvedHistory].filter((d) => !tried.has(d));
    if (pending.length === 0) break;
    for (const digest of pending) {
      tried.add(digest);
      const data = await storage.readBlob(digest);
      const problem = markManifest(marks, digest, data?.toString('utf8'));
      if (problem) problems.push(problem);
    }
  }
  if (problems.length > 0) throw new HardPruneMarkingError(problems.join('; '));
  const keys = { marks: toolKeys.marks(state.run.runId), prefixes: toolKeys.prefixes(state.run.runId, TOOL) };
  await putJson(artifacts, keys.marks, marksToJSON(marks));
  await putJson(artifacts, keys.prefixes, PREFIX_ITEMS);
  return { keys, counts: { images: marks.images.size, streams: streams.length, blobs: marks.blobs.size } };
}

// A warm Lambda serves many batches of one run: the marks are read once per run.
let cachedMarks: { key: string; marks: HardPruneMarks } | undefined;

async function loadMarks(artifacts: ArtifactStore, runId: string): Promise<HardPruneMarks> {
  const key = toolKeys.marks(runId);
  if (cachedMarks?.key !== key) cachedMarks = { key, marks: marksFromJSON(await getJson<HardPruneMarksJSON>(artifacts, key)) };
  return cachedMarks.marks;
}

/**
 * "Sweep a batch of blob prefixes": lists each prefix, decides with
 * sweepBlobs, and (confirmed) deletes the batch's blobs in one deletion
 * stream, so S3 gets one request per 1,000 blobs of the batch.
 */
export async function sweepBlobPrefixes(event: unknown, artifacts: ArtifactStore, storage: RegistryStorage, now?: Date): Promise<BlobSweepBatchResult> {
  const batch = parseToolBatch(event, TOOL, checkPrefixItem);
  if (batch.items.length === 0) throw new InvalidInputError('event.Items: a batch needs at least one prefix');
  const marks = await loadMarks(artifacts, batch.run.runId);
  const at = now ?? new Date(batch.run.options.now);
  const out: BlobSweepArtifact = { prefixes: [...batch.items].sort(), deleted: [], young: [], kept: 0, failures: [] };
  const toDelete = new Map<string, number>();
  for (const prefix of out.prefixes) {
    const blobs: StoredBlob[] = await all(storage.blobs({ prefix }));
    const decision = sweepBlobs(marks, blobs, { keepYoungerThanMs: batch.tool.keepYoungerThanMs, now: at });
    out.kept += decision.kept;
    for (const b of decision.young) out.young.push({ digest: b.digest, size: b.size });
    for (const b of decision.delete) toDelete.set(b.digest, b.size);
  }
  if (batch.tool.confirm) {
    for await (const r of storage.deleteBlobs([...toDelete.keys()])) {
      if (r.status === 'failed') out.failures.push(`delete blob ${r.item}: ${r.reason ?? 'failed'}`);
      else out.deleted.push({ digest: r.item, size: toDelete.get(r.item) ?? 0 });
    }
  } else {
    for (const [digest, size] of toDelete) out.deleted.push({ digest, size });
  }
  await putJson(artifacts, toolKeys.prefixResult(batch.run.runId, TOOL, batchName(out.prefixes[0])), out);
  // Every blob was tried and the artifact names the failures: now the run must end failed.
  if (out.failures.length > 0) throw new SweepItemsFailedError('blob prefixes', out.failures, out.prefixes[0]);
  return { prefixes: out.prefixes.length, deleted: out.deleted.length, young: out.young.length, failed: out.failures.length };
}

async function readAll<T>(artifacts: ArtifactStore, prefix: string): Promise<T[]> {
  const keys = (await artifacts.list(prefix)).filter((k) => k.endsWith('.json'));
  return Promise.all(keys.map((k) => getJson<T>(artifacts, k)));
}

/**
 * "List repositories": every repository in storage, as the items of the
 * repository sweep, and the young blobs every prefix kept, since the sweep
 * keeps links to them (a push in progress needs its links as much as its blobs).
 */
export async function listRepositoriesForSweep(event: unknown, artifacts: ArtifactStore, storage: RegistryStorage): Promise<ListRepositoriesResult> {
  const e = parseStartResult(event as Record<string, unknown>, TOOL);
  if (typeof event !== 'object' || event === null) throw new InvalidInputError('event: must be an object');
  const runId = e.run.runId;
  const sweeps = await readAll<BlobSweepArtifact>(artifacts, toolKeys.prefixResults(runId, TOOL));
  const young = sweeps.flatMap((s) => s.young.map((b) => b.digest)).sort();
  const repositories: string[] = [];
  const invalid: InvalidRepositoryFolder[] = [];
  for await (const f of storage.repositoryFolders()) {
    if (f.kind === 'repository') repositories.push(f.name);
    else invalid.push({ location: f.location, reason: f.reason });
  }
  repositories.sort();
  invalid.sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
  const keys = { repositories: toolKeys.repositories(runId, TOOL), young: toolKeys.young(runId), invalid: toolKeys.invalidRepositories(runId) };
  await putJson(artifacts, keys.young, young);
  await putJson(artifacts, keys.invalid, invalid);
  await putJson(artifacts, keys.repositories, repositories.map((repository) => ({ repository })));
  return { keys, count: repositories.length, invalid: invalid.length };
}

let cachedYoung: { key: string; young: Set<string> } | undefined;

/** "Sweep a batch of repositories": removes repositories without a stream and links nothing reaches. */
export async function sweepRepositories(event: unknown, artifacts: ArtifactStore, storage: RegistryStorage): Promise<RepositoryBatchResult> {
  const batch = parseToolBatch(event, TOOL, checkRepositoryItem);
  if (batch.items.length === 0) throw new InvalidInputError('event.Items: a batch needs at least one repository');
  const runId = batch.run.runId;
  const marks = await loadMarks(artifacts, runId);
  const youngKey = toolKeys.young(runId);
  if (cachedYoung?.key !== youngKey) cachedYoung = { key: youngKey, young: new Set(await getJson<string[]>(artifacts, youngKey)) };
  const young = cachedYoung.young;
  const out: RepositorySweepArtifact = { rows: [], kept: [], failures: [] };
  const options = { keepYoungerThanMs: batch.tool.keepYoungerThanMs, now: new Date(batch.run.options.now) };
  for (const name of batch.items) {
    const [manifestLinks, layerLinks] = await Promise.all([all(storage.manifestRevisions(name)), all(storage.layerLinks(name))]);
    // Only a repository without a stream can be removed whole, so only its uploads matter.
    const newestUpload = marks.repositories.has(name) ? undefined : await storage.newestUpload(name);
    const decision = sweepRepository(marks, { name, manifestLinks, layerLinks, ...(newestUpload ? { newestUpload } : {}) }, young, options);
    const row: RepositoryReport = {
      repository: name,
      action: decision.action,
      manifestLinks: 0,
      layerLinks: 0,
      bytes: 0,
      failed: 0,
      manifestLinkDigests: decision.action === 'remove' ? [...manifestLinks].sort() : decision.manifestLinks,
      layerLinkDigests: decision.action === 'remove' ? [...layerLinks].sort() : decision.layerLinks,
    };
    row.manifestLinks = row.manifestLinkDigests.length;
    row.layerLinks = row.layerLinkDigests.length;
    if (decision.action === 'sweep' && decision.keptFor) out.kept.push({ repository: name, reason: decision.keptFor });
    if (decision.action === 'remove') {
      if (batch.tool.confirm) {
        const r = await storage.deleteRepository(name);
        if (r.status === 'failed') {
          row.failed++;
          out.failures.push(`remove repository ${name}: ${r.reason ?? 'failed'}`);
        }
      }
    } else if (batch.tool.confirm && row.manifestLinks + row.layerLinks > 0) {
      const refs: LinkRef[] = [
        ...decision.manifestLinks.map((digest) => ({ kind: 'revision' as const, repository: name, digest })),
        ...decision.layerLinks.map((digest) => ({ kind: 'layer' as const, repository: name, digest })),
      ];
      const failed = new Set<string>();
      for await (const r of storage.deleteLinks(refs)) {
        if (r.status !== 'failed') continue;
        const digest = (r.item as { digest: string }).digest;
        row.failed++;
        failed.add(`${r.item.kind}:${digest}`);
        out.failures.push(`delete ${r.item.kind} link ${name}@${digest}: ${r.reason ?? 'failed'}`);
      }
      // The lists name what is gone; a failed deletion is in the failures instead.
      row.manifestLinkDigests = row.manifestLinkDigests.filter((d) => !failed.has(`revision:${d}`));
      row.layerLinkDigests = row.layerLinkDigests.filter((d) => !failed.has(`layer:${d}`));
    }
    if (row.manifestLinks + row.layerLinks > 0 || decision.action === 'remove') out.rows.push(row);
  }
  await putJson(artifacts, toolKeys.repositoryResult(runId, TOOL, batchName(batch.items[0])), out);
  // Every repository was tried and the artifact names the failures: now the run must end failed.
  if (out.failures.length > 0) throw new SweepItemsFailedError('repositories', out.failures, batch.items[0]);
  return { repositories: batch.items.length, changed: out.rows.length, failed: out.failures.length };
}

/** What the report task returns: the report's counts and where the whole report is. */
export interface HardPruneRunReport {
  status: 'succeeded' | 'failed';
  mode: 'dry-run' | 'confirmed';
  runId: string;
  reportKey: string;
  /** The whole report (same shape as `image-pruner hard-prune --output json`), absent when the run failed before marking. */
  report?: HardPruneReport;
  error?: { name: string; message: string };
}

/**
 * "Report hard prune" / "Report the hard prune failure": the report in the
 * shape of `image-pruner hard-prune --output json`, built from the batches'
 * artifacts, into `runs/<id>/hard-prune/report.json`.
 */
export async function reportHardPrune(event: unknown, artifacts: ArtifactStore, location: string): Promise<HardPruneRunReport> {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  const start: StartResult = parseStartResult(e, TOOL);
  const runId = start.run.runId;
  const reportKey = toolKeys.report(runId, TOOL);
  const out: HardPruneRunReport = { status: e.error ? 'failed' : 'succeeded', mode: start.tool.confirm ? 'confirmed' : 'dry-run', runId, reportKey };
  if (e.error && typeof e.error === 'object') {
    const er = e.error as { Error?: unknown; Cause?: unknown };
    const caught = { Error: typeof er.Error === 'string' ? er.Error : 'Error', Cause: typeof er.Cause === 'string' ? er.Cause : undefined };
    // A failed sweep Map names the batch's error in its result files, not in its own.
    out.error = describeCaught(await resolveMapFailure(caught, artifacts, runId, [HARD_PRUNE_STATE.sweepBlobs, HARD_PRUNE_STATE.sweepRepositories]));
  }
  const mark = e.mark as MarkResult | undefined;
  if (mark?.counts) {
    const sweeps = await readAll<BlobSweepArtifact>(artifacts, toolKeys.prefixResults(runId, TOOL));
    const repos = await readAll<RepositorySweepArtifact>(artifacts, toolKeys.repositoryResults(runId, TOOL));
    const marks = await getJson<HardPruneMarksJSON>(artifacts, toolKeys.marks(runId));
    const listed = e.repositories as ListRepositoriesResult | undefined;
    const invalid = listed?.keys.invalid ? await getJson<InvalidRepositoryFolder[]>(artifacts, listed.keys.invalid).catch(() => []) : [];
    const report: HardPruneReport = {
      confirm: start.tool.confirm,
      location,
      marked: { ...mark.counts },
      repositories: [],
      repositoriesSeen: listed?.count ?? 0,
      blobs: { deleted: 0, bytes: 0, kept: 0, young: 0, youngBytes: 0, failed: 0 },
      deletedBlobs: [],
      keptRepositories: [],
      invalidRepositories: invalid,
      failures: [],
      warnings: [...marks.warnings],
    };
    const deletedSizes = new Map<string, number>();
    for (const s of sweeps) {
      report.blobs.kept += s.kept;
      report.blobs.young += s.young.length;
      for (const b of s.young) report.blobs.youngBytes += b.size;
      for (const b of s.deleted) deletedSizes.set(b.digest, b.size);
      report.blobs.failed += s.failures.length;
      report.failures.push(...s.failures);
    }
    report.blobs.deleted = deletedSizes.size;
    for (const size of deletedSizes.values()) report.blobs.bytes += size;
    report.deletedBlobs = [...deletedSizes].map(([digest, size]) => ({ digest, size })).sort((a, b) => (a.digest < b.digest ? -1 : 1));
    for (const r of repos) {
      report.failures.push(...r.failures);
      report.keptRepositories.push(...(r.kept ?? []));
      for (const row of r.rows) {
        for (const d of row.layerLinkDigests) row.bytes += deletedSizes.get(d) ?? 0;
        report.repositories.push(row);
      }
    }
    report.repositories.sort((a, b) => b.bytes - a.bytes || (a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : 0));
    report.keptRepositories.sort((a, b) => (a.repository < b.repository ? -1 : 1));
    report.failures.sort();
    out.report = report;
  }
  await putJson(artifacts, reportKey, out);
  // The execution's output stays small (state payloads are capped at 256 KB): every list is in report.json.
  if (!out.report) return out;
  const r = out.report;
  return {
    ...out,
    report: {
      ...r,
      repositories: r.repositories.slice(0, 20).map((row) => ({ ...row, manifestLinkDigests: [], layerLinkDigests: [] })),
      deletedBlobs: [],
      keptRepositories: r.keptRepositories.slice(0, 20),
      invalidRepositories: r.invalidRepositories.slice(0, 20),
    },
  };
}
