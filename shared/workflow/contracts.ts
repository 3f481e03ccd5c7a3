// The contract between the state machine (infra/), its Lambda handlers
// (functions/) and the local runner (cli/local-run/): state names, payloads,
// environment variable names, error names that Retry/Catch match, and retry
// policies. Everything both sides must agree on lives here and only here.
// The payload types are inferred from the schemas in ./schemas/, which check them.
import type { z } from 'zod';
import { PrunerError } from '../errors.js';
import type { ResourceGroup } from '../core/kinds.js';
import { parseWith } from './schemas/parse.js';
import type {
  batchResultSchema,
  blobItemSchema,
  caughtErrorSchema,
  collectEventSchema,
  collectResultSchema,
  imageItemSchema,
  planCountsSchema,
  planEventSchema,
  planResultSchema,
  reportEventSchema,
  runContextSchema,
  RunOptions,
  startEventSchema,
} from './schemas/prune.js';
import { deletionKindSchema, resourceGroupSchema } from './schemas/prune.js';

export type { ExecutionInput, RunDefaults, RunOptions } from './schemas/prune.js';
export { DEFAULT_RUN_OPTIONS, parseRunDefaults, resolveRunOptions } from './schemas/prune.js';

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
export type DeletionKind = z.output<typeof deletionKindSchema>;
export const DELETION_KINDS: readonly DeletionKind[] = deletionKindSchema.options;

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

/** The run as every later state sees it at `$.run`. */
export type RunContext = z.output<typeof runContextSchema>;

/** Input of "Refuse to run twice" (built from the context object). */
export type StartEvent = z.output<typeof startEventSchema>;

/** Input of one collect task. */
export type CollectEvent = z.output<typeof collectEventSchema>;

/** Output of one collect task. */
export type CollectResult = z.output<typeof collectResultSchema>;

/** Input of "Compute prune plan". */
export type PlanEvent = z.output<typeof planEventSchema>;

/** Counts of the plan, as in summary.json. */
export type PlanCounts = z.output<typeof planCountsSchema>;

/** Output of "Compute prune plan" at `$.plan`. */
export type PlanResult = z.output<typeof planResultSchema>;

/** What the Distributed Map's ItemBatcher hands to one batch task. */
export interface BatchEvent<T> {
  Items: T[];
  BatchInput: { runId: string; kind: DeletionKind };
}

/** Output of a batch task: counts only. */
export type BatchResult = z.output<typeof batchResultSchema>;

/** A plan file's item for each kind (objects, so ItemSelector and ItemBatcher handle them alike). */
export type BlobItem = z.output<typeof blobItemSchema>;
export type ImageItem = z.output<typeof imageItemSchema>;

/** The caught error at `$.error`, as Step Functions writes it. */
export type CaughtError = z.output<typeof caughtErrorSchema>;

/** Input of the report task: the whole state. */
export type ReportEvent = z.output<typeof reportEventSchema>;

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

/** Checks `group` is one the collectors know; `field` names it in the InvalidInputError. */
export function checkGroup(group: unknown, field: string): ResourceGroup {
  return parseWith(resourceGroupSchema, group, field);
}
