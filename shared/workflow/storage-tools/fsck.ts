// The check tasks and the report task of the Fsck state machine (recovery,
// with confirm, is fsck-recover.ts). The findings are shared/core/fsck.ts's;
// each batch recomputes the expectations from the collected snapshot (once per
// warm container and run).
import type { ArtifactStore } from '../../adapters/artifacts/artifact-store.js';
import { getJson, putJson } from '../../adapters/artifacts/artifact-store.js';
import type { RegistryStorage } from '../../adapters/storage/index.js';
import {
  childrenWithoutImages,
  fsckExpectations,
  linksToPresentBlobs,
  lostManifests,
  missingBlobFindings,
  missingInPrefix,
  missingLinks,
  prefixOf,
  type FsckExpectations,
  type MissingLinksFinding,
} from '../../core/fsck.js';
import type { FsckReport, LostManifestReport, MissingImageReport, MissingLinksReport } from './reports.js';
import { InvalidInputError } from '../../errors.js';
import { describeCaught, resolveMapFailure } from '../report.js';
import type { CollectedGroup, ExpectResult, RecoverResult, RepositoryBatchResult, ToolState } from './contracts.js';
import { FSCK_STATE, toolKeys } from './contracts.js';
import { all, batchName, checkPrefixItem, checkRepositoryItem, parseStartResult, parseToolBatch, parseToolState, readCollected } from './common.js';

const TOOL = 'fsck' as const;

let cached: { runId: string; e: FsckExpectations } | undefined;

const scopeOf = (state: ToolState) => (state.tool.namespace !== undefined ? { namespace: state.tool.namespace } : {});

/** The expectations of a run, from its collected cluster and `children.json` (once per warm container and run). */
export async function fsckExpectationsOf(state: ToolState, artifacts: ArtifactStore): Promise<FsckExpectations> {
  return expectations(state, artifacts);
}

async function expectations(state: ToolState, artifacts: ArtifactStore): Promise<FsckExpectations> {
  if (cached?.runId !== state.run.runId) {
    const { images, streams } = await readCollected(state, artifacts);
    const children = await getJson<Record<string, string>>(artifacts, toolKeys.children(state.run.runId));
    cached = { runId: state.run.runId, e: fsckExpectations(images, streams, scopeOf(state), new Map(Object.entries(children))) };
  }
  return cached.e;
}

/**
 * Reads from storage the manifests of list children that have no Image
 * object (their blobs are known only from there) into `children.json`, for
 * every later task's expectations. A child whose manifest is missing is left
 * out: the blob check then reports its manifest blob.
 */
async function readChildManifests(state: ToolState, artifacts: ArtifactStore, storage: RegistryStorage): Promise<void> {
  const { images, streams } = await readCollected(state, artifacts);
  const out: Record<string, string> = {};
  for (const digest of childrenWithoutImages(images, streams, scopeOf(state))) {
    const data = await storage.readBlob(digest);
    if (data) out[digest] = data.toString('utf8');
  }
  await putJson(artifacts, toolKeys.children(state.run.runId), out);
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
  // A wrong path must say so, not report every image broken (docs/rules.md, "Hard prune and fsck").
  await storage.checkRoot();
  await readChildManifests(state, artifacts, storage);
  cached = undefined;
  const e = await expectations(state, artifacts);
  const prefixes = [...new Set([...e.blobs.keys()].map(prefixOf))].sort();
  const repositories: string[] = [];
  const invalid: { location: string; reason: string }[] = [];
  for await (const f of storage.repositoryFolders()) {
    if (f.kind === 'repository') repositories.push(f.name);
    else invalid.push({ location: f.location, reason: f.reason });
  }
  repositories.sort();
  invalid.sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
  await putJson(artifacts, toolKeys.invalidFolders(state.run.runId, TOOL), invalid);
  const keys = { prefixes: toolKeys.prefixes(state.run.runId, TOOL), repositories: toolKeys.repositories(state.run.runId, TOOL) };
  await putJson(artifacts, keys.prefixes, prefixes.map((prefix) => ({ prefix })));
  await putJson(artifacts, keys.repositories, repositories.map((repository) => ({ repository })));
  return { keys, counts: { prefixes: prefixes.length, repositories: repositories.length, missingImages: e.missingImages.length, invalidRepositories: invalid.length } };
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

/** What one batch of the repository check found. */
export interface RepositoryCheckResult {
  lost: LostManifestReport[];
  /** Stream revisions whose links are missing (before dropping links to missing blobs). */
  links: MissingLinksFinding[];
  /** `repository@digest` of revisions whose Image is missing while the repository still holds the manifest. */
  imagesInStorage: string[];
}

/**
 * "Check a batch of repositories": manifest revision links no tag reaches,
 * links the stream revisions need that are missing, and whether storage still
 * holds the manifests of revisions whose Image is missing. Only folders with a
 * link file count: a manifest DELETE leaves its revision folder empty.
 */
export async function checkRepositories(event: unknown, artifacts: ArtifactStore, storage: RegistryStorage): Promise<RepositoryBatchResult> {
  const batch = parseToolBatch(event, TOOL, checkRepositoryItem);
  if (batch.items.length === 0) throw new InvalidInputError('event.Items: a batch needs at least one repository');
  const e = await expectations({ ...batch, collected: collectedOf(event) }, artifacts);
  const result: RepositoryCheckResult = { lost: [], links: [], imagesInStorage: [] };
  for (const repository of batch.items) {
    const revisions = new Set(await all(storage.linked(repository, 'revision')));
    const layers = e.linksOf(repository)?.size ? await all(storage.linked(repository, 'layer')) : [];
    for (const f of lostManifests(e, repository, revisions)) {
      const report: LostManifestReport = { ...f, manifestReadable: true };
      // A missing Image can only be recreated from its manifest in storage.
      if (!f.imageExists && !(await storage.readBlob(f.digest))) {
        report.manifestReadable = false;
        report.recoverable = false;
        report.problem = 'its manifest blob is missing from storage, so its Image cannot be recreated';
      } else if (!f.recoverable) {
        report.problem = 'the repository name is not namespace/name, so no image stream can hold it';
      }
      result.lost.push(report);
    }
    result.links.push(...missingLinks(e, repository, revisions, layers));
    for (const f of e.missingImages) {
      if (`${f.namespace}/${f.name}` !== repository || !revisions.has(f.image)) continue;
      if (await storage.statBlob(f.image)) result.imagesInStorage.push(`${repository}@${f.image}`);
    }
  }
  await putJson(artifacts, toolKeys.repositoryResult(batch.run.runId, TOOL, batchName(batch.items[0])), result);
  return { repositories: batch.items.length, changed: result.lost.length + result.links.length, failed: 0 };
}

/** Every repository batch's findings: lost manifests sorted by repository and digest, links by repository and image. */
export async function readRepositoryResults(artifacts: ArtifactStore, runId: string): Promise<RepositoryCheckResult> {
  const out: RepositoryCheckResult = { lost: [], links: [], imagesInStorage: [] };
  for (const k of (await artifacts.list(toolKeys.repositoryResults(runId, TOOL))).filter((x) => x.endsWith('.json'))) {
    const r = await getJson<Partial<RepositoryCheckResult>>(artifacts, k);
    out.lost.push(...(r.lost ?? []));
    out.links.push(...(r.links ?? []));
    out.imagesInStorage.push(...(r.imagesInStorage ?? []));
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  out.lost.sort((a, b) => cmp(a.repository, b.repository) || cmp(a.digest, b.digest));
  out.links.sort((a, b) => cmp(a.repository, b.repository) || cmp(a.image, b.image));
  return out;
}

/** Every lost manifest the repository batches found, sorted by repository and digest. */
export async function readLostManifests(artifacts: ArtifactStore, runId: string): Promise<LostManifestReport[]> {
  return (await readRepositoryResults(artifacts, runId)).lost;
}

/** The blobs the prefix batches found missing. */
export async function readMissingBlobs(artifacts: ArtifactStore, runId: string): Promise<Set<string>> {
  const missing = new Set<string>();
  for (const k of (await artifacts.list(toolKeys.prefixResults(runId, TOOL))).filter((x) => x.endsWith('.json'))) {
    for (const d of (await getJson<{ missing: string[] }>(artifacts, k)).missing) missing.add(d);
  }
  return missing;
}

/**
 * The findings of every batch, merged: missing images say whether storage
 * still holds their manifest; links to blobs that are missing are left to
 * the broken-image finding.
 */
export async function fsckFindings(e: FsckExpectations, artifacts: ArtifactStore, runId: string): Promise<{ missing: Set<string>; missingImages: MissingImageReport[]; missingLinks: MissingLinksReport[]; lost: LostManifestReport[] }> {
  const missing = await readMissingBlobs(artifacts, runId);
  const repos = await readRepositoryResults(artifacts, runId);
  const inStorage = new Set(repos.imagesInStorage);
  return {
    missing,
    missingImages: e.missingImages.map((f) => ({ ...f, manifestInStorage: inStorage.has(`${f.namespace}/${f.name}@${f.image}`) })),
    missingLinks: linksToPresentBlobs(repos.links, missing),
    lost: repos.lost,
  };
}

/** What recovery wrote to `recovery.json`: every finding it acted on, with its outcome. */
export interface RecoveryRecord {
  lostManifests: LostManifestReport[];
  missingImages: MissingImageReport[];
  missingLinks: MissingLinksReport[];
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
    const caught = { Error: typeof er.Error === 'string' ? er.Error : 'Error', Cause: typeof er.Cause === 'string' ? er.Cause : undefined };
    // A failed check Map names the batch's error in its result files, not in its own.
    out.error = describeCaught(await resolveMapFailure(caught, artifacts, runId, [FSCK_STATE.checkBlobs, FSCK_STATE.checkRepositories]));
  }
  const expected = ev.expected as ExpectResult | undefined;
  if (expected?.counts && Array.isArray(ev.collected)) {
    const state = parseToolState(ev, TOOL);
    const e = await expectations(state, artifacts);
    const found = await fsckFindings(e, artifacts, runId);
    let { lost, missingImages, missingLinks: links } = found;
    // Recovery's copy of the findings carries what it made of each.
    if ((ev.recovered as RecoverResult | undefined)?.key !== undefined) {
      const record = await getJson<RecoveryRecord>(artifacts, toolKeys.recovery(runId));
      ({ lostManifests: lost, missingImages, missingLinks: links } = record);
    }
    const report: FsckReport = {
      location,
      recover: start.tool.confirm,
      missingImages,
      missingBlobs: missingBlobFindings(e, found.missing),
      missingLinks: links,
      lostManifests: lost,
      invalidRepositories: await getJson<{ location: string; reason: string }[]>(artifacts, toolKeys.invalidFolders(runId, TOOL)),
      listed: { prefixes: expected.counts.prefixes, repositories: expected.counts.repositories },
      warnings: e.warnings,
    };
    if (start.tool.namespace !== undefined) report.namespace = start.tool.namespace;
    out.report = report;
  }
  await putJson(artifacts, reportKey, out);
  return out;
}
