// The contract between the state machine (infra/), its Lambda handlers
// (functions/) and the local runner (cli/local-run/): state names, payloads,
// environment variable names, error names that Retry/Catch match, and retry
// policies. Everything both sides must agree on lives here and only here.
import { InvalidInputError } from '../errors.js';
import { parseDuration } from '../core/duration.js';
import type { ResourceGroup } from '../core/kinds.js';
import { RESOURCE_GROUPS } from '../core/kinds.js';
import { DEFAULT_KEEP_TAG_REVISIONS } from '../core/plan-types.js';

/** State names, in the order DESIGN.md draws them. Short sentences. */
export const STATE = {
  refuseSecondRun: 'Refuse to run twice',
  collect: 'Collect cluster resources',
  computePlan: 'Compute prune plan',
  dryRun: 'Dry run?',
  checkHealth: 'Check registry health',
  deleteRegistryData: 'Delete registry data',
  deleteLayerLinks: 'Delete layer links',
  deleteLayerLinksBatch: 'Delete a batch of layer links',
  deleteBlobs: 'Delete blobs',
  deleteBlobsBatch: 'Delete a batch of blobs',
  deleteManifests: 'Delete manifests',
  deleteManifestsBatch: 'Delete a batch of manifests',
  updateStreams: 'Update image streams',
  updateStreamsBatch: 'Update a batch of image streams',
  deleteImages: 'Delete images',
  deleteImagesBatch: 'Delete a batch of images',
  report: 'Report',
  reportFailure: 'Report the failure',
  failed: 'Prune failed',
} as const;

/** The Lambda task state that collects one resource group. */
export function collectStateName(group: ResourceGroup): string {
  return `Collect ${group}`;
}

/** The five kinds of work a confirmed run carries out, in plan-file order. */
export type DeletionKind = 'layerLinks' | 'blobs' | 'manifests' | 'streamUpdates' | 'images';
export const DELETION_KINDS: readonly DeletionKind[] = ['layerLinks', 'blobs', 'manifests', 'streamUpdates', 'images'];

/** For each deletion kind: its Distributed Map, the batch task inside it and its plan file. */
export const DELETION_STEPS: Readonly<Record<DeletionKind, { map: string; batch: string; file: string }>> = {
  layerLinks: { map: STATE.deleteLayerLinks, batch: STATE.deleteLayerLinksBatch, file: 'layer-links.json' },
  blobs: { map: STATE.deleteBlobs, batch: STATE.deleteBlobsBatch, file: 'blobs.json' },
  manifests: { map: STATE.deleteManifests, batch: STATE.deleteManifestsBatch, file: 'manifests.json' },
  streamUpdates: { map: STATE.updateStreams, batch: STATE.updateStreamsBatch, file: 'stream-updates.json' },
  images: { map: STATE.deleteImages, batch: STATE.deleteImagesBatch, file: 'images.json' },
};

export { ENV } from './environment.js';

export type { RetryPolicy } from './task.js';
export { RETRY_ARTIFACTS, RETRY_BATCH, RETRY_COLLECT, RETRY_LAMBDA_SERVICE } from './task.js';
export * from './errors.js';

// ---------------------------------------------------------------------------
// Payloads. Only keys and counts travel through the state machine.

/** What a user may put in the execution input; every field optional. */
export interface ExecutionInput {
  confirm?: boolean;
  keepTagRevisions?: number;
  keepYoungerThan?: string;
  all?: boolean;
  ignoreInvalidRefs?: boolean;
  /** ISO timestamp ages are measured from; defaults to the execution's start. */
  now?: string;
}

/** The options of one run after validation and defaults. */
export interface RunOptions {
  confirm: boolean;
  keepTagRevisions: number;
  keepYoungerThan: string;
  all: boolean;
  ignoreInvalidRefs: boolean;
  now: string;
}

/** Defaults when neither the execution input nor the construct's props say otherwise. */
export const DEFAULT_RUN_OPTIONS: Omit<RunOptions, 'now'> = {
  confirm: false,
  keepTagRevisions: DEFAULT_KEEP_TAG_REVISIONS,
  keepYoungerThan: '60m',
  all: false,
  ignoreInvalidRefs: false,
};

const INPUT_FIELDS = new Set(['confirm', 'keepTagRevisions', 'keepYoungerThan', 'all', 'ignoreInvalidRefs', 'now']);

/**
 * Validates an execution input and fills in defaults. Unknown fields are an
 * error too: a misspelt `confrim` must not silently mean a dry run... or worse.
 */
export function resolveRunOptions(input: unknown, defaults: Partial<Omit<RunOptions, 'now'>>, startTime: string): RunOptions {
  const src = input === undefined || input === null ? {} : input;
  if (typeof src !== 'object' || Array.isArray(src)) throw new InvalidInputError('execution input: must be a JSON object');
  const o = src as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!INPUT_FIELDS.has(k)) throw new InvalidInputError(`execution input: unknown field "${k}" (known: ${[...INPUT_FIELDS].join(', ')})`);
  }
  const d = { ...DEFAULT_RUN_OPTIONS, ...defaults };
  const bool = (k: 'confirm' | 'all' | 'ignoreInvalidRefs'): boolean => {
    if (o[k] === undefined) return d[k];
    if (typeof o[k] !== 'boolean') throw new InvalidInputError(`execution input: ${k} must be true or false`);
    return o[k] as boolean;
  };
  let keepTagRevisions = d.keepTagRevisions;
  if (o.keepTagRevisions !== undefined) {
    if (typeof o.keepTagRevisions !== 'number' || !Number.isInteger(o.keepTagRevisions) || o.keepTagRevisions < 0) {
      throw new InvalidInputError('execution input: keepTagRevisions must be a whole number >= 0');
    }
    keepTagRevisions = o.keepTagRevisions;
  }
  let keepYoungerThan = d.keepYoungerThan;
  if (o.keepYoungerThan !== undefined) {
    if (typeof o.keepYoungerThan !== 'string') throw new InvalidInputError('execution input: keepYoungerThan must be a duration string such as "60m"');
    keepYoungerThan = o.keepYoungerThan;
  }
  parseDuration(keepYoungerThan, 'execution input: keepYoungerThan');
  let now = startTime;
  if (o.now !== undefined) {
    if (typeof o.now !== 'string' || Number.isNaN(Date.parse(o.now))) throw new InvalidInputError('execution input: now must be an ISO timestamp');
    now = o.now;
  }
  if (Number.isNaN(Date.parse(now))) throw new InvalidInputError(`execution start time: "${now}" is not a timestamp`);
  return { confirm: bool('confirm'), keepTagRevisions, keepYoungerThan, all: bool('all'), ignoreInvalidRefs: bool('ignoreInvalidRefs'), now: new Date(now).toISOString() };
}

/** The run as every later state sees it at `$.run`. */
export interface RunContext {
  runId: string;
  executionId: string;
  options: RunOptions;
}

/** Input of "Refuse to run twice" (built from the context object). */
export interface StartEvent {
  input: unknown;
  executionId: string;
  executionName: string;
  startTime: string;
}

/** Input of one collect task. */
export interface CollectEvent {
  run: RunContext;
  group: ResourceGroup;
}

/** Output of one collect task. */
export interface CollectResult {
  group: ResourceGroup;
  key: string;
  count: number;
}

/** Input of "Compute prune plan". */
export interface PlanEvent {
  run: RunContext;
  collected: CollectResult[];
}

/** Counts of the plan, as in summary.json. */
export interface PlanCounts {
  images: number;
  streamUpdates: number;
  removedRevisions: number;
  manifestLinks: number;
  layerLinks: number;
  blobs: number;
  bytesReclaimed: number;
  warnings: number;
}

/** Output of "Compute prune plan" at `$.plan`. */
export interface PlanResult {
  keys: Record<DeletionKind, string> & { summary: string };
  counts: PlanCounts;
}

/** What the Distributed Map's ItemBatcher hands to one batch task. */
export interface BatchEvent<T> {
  Items: T[];
  BatchInput: { runId: string; kind: DeletionKind };
}

/** Output of a batch task: counts only. */
export interface BatchResult {
  kind: DeletionKind;
  done: number;
  gone: number;
}

/** A plan file's item for each kind (objects, so ItemSelector and ItemBatcher handle them alike). */
export interface BlobItem {
  digest: string;
}
export interface ImageItem {
  name: string;
}

/** The caught error at `$.error`, as Step Functions writes it. */
export interface CaughtError {
  Error: string;
  Cause?: string;
}

/** Input of the report task: the whole state. */
export interface ReportEvent {
  run: RunContext;
  collected?: CollectResult[];
  plan?: PlanResult;
  deleted?: { layerLinks?: BatchResult[]; blobs?: BatchResult[]; manifests?: BatchResult[] };
  updated?: BatchResult[];
  imagesDeleted?: BatchResult[];
  error?: CaughtError;
}

/** report.json and the execution's output. */
export interface Report {
  runId: string;
  executionId: string;
  status: 'succeeded' | 'failed';
  mode: 'dry-run' | 'confirmed';
  options: RunOptions;
  collected: Record<string, number>;
  plan?: PlanCounts;
  /** Per kind, what was carried out (absent in a dry run). */
  carriedOut?: Partial<Record<DeletionKind, { done: number; gone: number }>>;
  error?: { name: string; message: string };
  reportKey: string;
}

// ---------------------------------------------------------------------------
// Artifact keys of one run.

/** The keys of one run's artifacts, relative to the store's root. */
export const runKeys = {
  root: (runId: string): string => `runs/${runId}/`,
  snapshot: (runId: string, group: ResourceGroup): string => `runs/${runId}/snapshot/${group}.json.gz`,
  plan: (runId: string, kind: DeletionKind): string => `runs/${runId}/plan/${DELETION_STEPS[kind].file}`,
  summary: (runId: string): string => `runs/${runId}/plan/summary.json`,
  report: (runId: string): string => `runs/${runId}/report.json`,
};

/** A run id that is safe in an S3 key and a file name, and sorts by time. */
export function makeRunId(startTime: string, executionName: string): string {
  const stamp = new Date(startTime).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const tail = executionName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
  return `${stamp}-${tail}`;
}

/** Checks `group` is one the collectors know. */
export function checkGroup(group: unknown, field: string): ResourceGroup {
  if (typeof group !== 'string' || !(RESOURCE_GROUPS as readonly string[]).includes(group)) {
    throw new InvalidInputError(`${field}: must be one of ${RESOURCE_GROUPS.join(', ')}`);
  }
  return group as ResourceGroup;
}
