// The contract between the state machine (infra/), its Lambda handlers
// (functions/) and the local runner (cli/local-run/): state names, payloads,
// environment variable names, error names that Retry/Catch match, and retry
// policies. Everything both sides must agree on lives here and only here.
import { InvalidInputError, PrunerError } from '../errors.js';
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

/** Environment variables the handlers read; the construct sets them. */
export const ENV = {
  artifactsBucket: 'PRUNER_ARTIFACTS_BUCKET',
  stateMachineArn: 'PRUNER_STATE_MACHINE_ARN',
  clusterSecretArn: 'PRUNER_CLUSTER_SECRET_ARN',
  registryUrl: 'PRUNER_REGISTRY_URL',
  registryCa: 'PRUNER_REGISTRY_CA',
  registrySecretArn: 'PRUNER_REGISTRY_SECRET_ARN',
  registryStorageBucket: 'PRUNER_REGISTRY_STORAGE_BUCKET',
  registryStorageRoot: 'PRUNER_REGISTRY_STORAGE_ROOT',
  forceInsecure: 'PRUNER_FORCE_INSECURE',
  itemConcurrency: 'PRUNER_ITEM_CONCURRENCY',
  defaults: 'PRUNER_DEFAULT_OPTIONS',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
} as const;

/** Error names the state machine matches in Retry and Catch; each is thrown by the code named. */
export const ERROR = {
  /** refuse-second-run: another execution of the state machine is running. */
  concurrentRun: 'ConcurrentRunError',
  /** every task: the event does not have the documented shape. */
  invalidInput: 'InvalidInputError',
  /** collect: a list could not be completed (the run stops before planning). */
  collect: 'CollectError',
  /** compute-plan: invalid image references and `ignoreInvalidRefs` not set. */
  invalidReferences: 'InvalidReferencesError',
  /** check-health: the registry cannot be reached or is unhealthy. */
  registryUnhealthy: 'RegistryUnhealthyError',
  /** batch tasks: items still failed after the in-task retries. */
  batchFailed: 'BatchItemsFailedError',
  /** every task that reads or writes run artifacts: transient artifact store trouble. */
  artifacts: 'ArtifactsError',
  /** HardPrune sweep tasks: deletions of the batch still failed after the storage client's retries. */
  sweepFailed: 'SweepItemsFailedError',
} as const;

/** One Retry rule, as the ASL writes it. */
export interface RetryPolicy {
  errors: string[];
  intervalSeconds: number;
  maxAttempts: number;
  backoffRate: number;
}

/** Lambda service hiccups: retried on every task (AWS' recommended list). */
export const RETRY_LAMBDA_SERVICE: RetryPolicy = {
  errors: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
  intervalSeconds: 2,
  maxAttempts: 6,
  backoffRate: 2,
};

/** The artifact store (S3) briefly unavailable: retried a few times. */
export const RETRY_ARTIFACTS: RetryPolicy = {
  errors: [ERROR.artifacts],
  intervalSeconds: 2,
  maxAttempts: 3,
  backoffRate: 2,
};

/** A collect that could not complete its lists: one more try from scratch, then stop. */
export const RETRY_COLLECT: RetryPolicy = {
  errors: [ERROR.collect],
  intervalSeconds: 5,
  maxAttempts: 2,
  backoffRate: 2,
};

/**
 * A batch whose items kept failing inside the task (which already retried each
 * item): one more pass later, since every delete is idempotent. Then the Map fails.
 */
export const RETRY_BATCH: RetryPolicy = {
  errors: [ERROR.batchFailed],
  intervalSeconds: 10,
  maxAttempts: 1,
  backoffRate: 2,
};

/**
 * The registry's answers that every further request would get too (names of the
 * classes in shared/adapters/registry/errors.ts). A batch task that met one
 * stops and throws under that name instead of BatchItemsFailedError, so the
 * state machine fails the run at once rather than retrying the batch.
 */
export const REGISTRY_ANSWER_ERRORS: readonly string[] = ['RegistryDeleteDisabledError', 'RegistryEndpointNotFoundError', 'RegistryAuthError'];

/**
 * Error names that are never retried: they are answers, not accidents. A failed
 * HardPrune sweep is not retried either: the storage client already retried
 * each request, and the run is finished by starting it again (every deletion
 * is idempotent).
 */
export const NOT_RETRIED: readonly string[] = [ERROR.concurrentRun, ERROR.invalidInput, ERROR.invalidReferences, ERROR.registryUnhealthy, ERROR.sweepFailed, ...REGISTRY_ANSWER_ERRORS];

// ---------------------------------------------------------------------------
// Errors thrown by the task functions (the names above).

/** Another execution is already running; this one stops before touching anything. */
export class ConcurrentRunError extends PrunerError {
  constructor(readonly others: string[]) {
    super(`another run of this state machine is in progress (${others.join(', ')}); refusing to run twice`);
    this.name = ERROR.concurrentRun;
  }
}

/** A resource group could not be listed completely; the run stops before planning. */
export class CollectError extends PrunerError {
  constructor(readonly group: string, message: string, options?: { cause?: unknown }) {
    super(`collect ${group}: ${message}`, options);
    this.name = ERROR.collect;
  }
}

/** The registry did not answer as healthy; nothing was deleted. */
export class RegistryUnhealthyError extends PrunerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`registry health check failed: ${message}`, options);
    this.name = ERROR.registryUnhealthy;
  }
}

/** The artifact store could not read or write a key. */
export class ArtifactsError extends PrunerError {
  constructor(readonly key: string, message: string, options?: { cause?: unknown }) {
    super(`artifacts ${key}: ${message}`, options);
    this.name = ERROR.artifacts;
  }
}

/** Items of a batch that still failed after retries, each with its reason. */
export class BatchItemsFailedError extends PrunerError {
  constructor(readonly kind: DeletionKind, readonly failed: { item: string; reason: string }[], readonly total: number) {
    super(describeFailedItems(kind, failed, total));
    this.name = ERROR.batchFailed;
  }
}

/**
 * "3 of 100 manifests failed:" and the failed items with their reasons, at most
 * 20 of them: the message of a failed batch, so the report can name the items.
 */
export function describeFailedItems(kind: DeletionKind, failed: readonly { item: string; reason: string }[], total: number): string {
  const shown = failed.slice(0, 20).map((f) => `${f.item}: ${f.reason}`);
  const more = failed.length > shown.length ? `\n  ... and ${failed.length - shown.length} more` : '';
  return `${failed.length} of ${total} ${kind} failed:\n  ${shown.join('\n  ')}${more}`;
}

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
