// The contract between the storage-tool state machines (infra/storage-tools.ts),
// their handlers (functions/hard-prune-*, functions/fsck-*) and the local runner
// (cli/local-run/storage-tools.ts): state names, payloads and artifact keys.
// Only keys and counts travel through the state machines; lists live in the
// artifacts store under runs/<id>/.
import type { z } from 'zod';
import type { collectedGroupSchema, startResultSchema, storageToolSchema, toolOptionsSchema, toolStateSchema } from '../schemas/storage-tools.js';

/** State names of the HardPrune state machine. */
export const HARD_PRUNE_STATE = {
  guard: 'Registry read-only?',
  refused: 'Refused: registry not read-only',
  start: 'Start hard prune',
  collect: 'Collect images and streams',
  mark: 'Mark blobs in use',
  sweepBlobs: 'Sweep blob prefixes',
  sweepBlobsBatch: 'Sweep a batch of blob prefixes',
  listRepositories: 'List repositories',
  sweepRepositories: 'Sweep repositories',
  sweepRepositoriesBatch: 'Sweep a batch of repositories',
  report: 'Report hard prune',
  reportFailure: 'Report the hard prune failure',
  failed: 'Hard prune failed',
} as const;

/** State names of the Fsck state machine. */
export const FSCK_STATE = {
  start: 'Start fsck',
  collect: 'Collect images and streams for fsck',
  expect: 'Compute expectations',
  checkBlobs: 'Check blob prefixes',
  checkBlobsBatch: 'Check a batch of blob prefixes',
  checkRepositories: 'Check repositories',
  checkRepositoriesBatch: 'Check a batch of repositories',
  recoverChoice: 'Recover?',
  recover: 'Recover lost manifests',
  report: 'Report fsck',
  reportFailure: 'Report the fsck failure',
  failed: 'Fsck failed',
} as const;

/** The only resource groups the storage tools read. */
export const STORAGE_TOOL_GROUPS = ['images', 'imagestreams'] as const;

/** The Fail state's error when confirm comes without registryReadOnlyConfirmed. */
export const REGISTRY_NOT_READ_ONLY = 'RegistryNotReadOnly';

/** Which tool a run is. */
export type StorageTool = z.output<typeof storageToolSchema>;

/** Options of a storage-tool run after validation, at `$.tool`. */
export type StorageToolOptions = z.output<ReturnType<typeof toolOptionsSchema<StorageTool>>>;

/** Output of the start task: `$.run` (the prune workflow's run context, so the collect task is reused) and `$.tool`. */
export type StartResult = z.output<ReturnType<typeof startResultSchema<StorageTool>>>;

/** Output of a collect task (the shared collect task's result). */
export type CollectedGroup = z.output<typeof collectedGroupSchema>;

/** The state every task after collection receives (or the parts of it it names). */
export type ToolState = z.output<ReturnType<typeof toolStateSchema<StorageTool>>>;

/** What the item reader of a rewritten Distributed Map hands one batch task. */
export interface ToolBatchEvent<T> {
  Items: T[];
  BatchInput: { run: unknown; tool: unknown };
}

/** Output of "Mark blobs in use". */
export interface MarkResult {
  keys: { marks: string; prefixes: string };
  counts: { images: number; streams: number; blobs: number };
}

/** Output of one batch of the blob sweep (details are in the artifacts). */
export interface BlobSweepBatchResult {
  prefixes: number;
  deleted: number;
  young: number;
  failed: number;
}

/** Output of "List repositories". */
export interface ListRepositoriesResult {
  keys: { repositories: string; young?: string; invalid?: string };
  count: number;
  /** Folders below `repositories/` whose names are not repository names (left alone). */
  invalid?: number;
}

/** Output of one batch of the repository sweep or check. */
export interface RepositoryBatchResult {
  repositories: number;
  changed: number;
  failed: number;
}

/** Output of "Compute expectations" (fsck). */
export interface ExpectResult {
  keys: { prefixes: string; repositories: string };
  counts: { prefixes: number; repositories: number; missingImages: number; invalidRepositories?: number };
}

/** Output of "Recover lost manifests" (fsck with confirm); what each lost manifest became is in `recovery.json`. */
export interface RecoverResult {
  key: string;
  recovered: number;
  failed: number;
}

/** Artifact keys of one storage-tool run. */
export const toolKeys = {
  marks: (runId: string) => `runs/${runId}/hard-prune/marks.json`,
  prefixes: (runId: string, tool: StorageTool) => `runs/${runId}/${tool}/prefixes.json`,
  prefixResult: (runId: string, tool: StorageTool, prefix: string) => `runs/${runId}/${tool}/blobs/${prefix}.json`,
  prefixResults: (runId: string, tool: StorageTool) => `runs/${runId}/${tool}/blobs/`,
  young: (runId: string) => `runs/${runId}/hard-prune/young.json`,
  invalidRepositories: (runId: string) => `runs/${runId}/hard-prune/invalid-repositories.json`,
  repositories: (runId: string, tool: StorageTool) => `runs/${runId}/${tool}/repositories.json`,
  repositoryResult: (runId: string, tool: StorageTool, batch: string) => `runs/${runId}/${tool}/repositories/${batch}.json`,
  repositoryResults: (runId: string, tool: StorageTool) => `runs/${runId}/${tool}/repositories/`,
  recovery: (runId: string) => `runs/${runId}/fsck/recovery.json`,
  /** Folders below `repositories/` whose names are not repository names, found by fsck's "Compute expectations". */
  invalidFolders: (runId: string, tool: StorageTool) => `runs/${runId}/${tool}/invalid-folders.json`,
  /** Manifests of list children that have no Image object, read from storage by "Compute expectations". */
  children: (runId: string) => `runs/${runId}/fsck/children.json`,
  report: (runId: string, tool: StorageTool) => `runs/${runId}/${tool}/report.json`,
};

export { HardPruneMarkingError, RegistryNotReadOnlyError, SweepItemsFailedError } from '../errors.js';
