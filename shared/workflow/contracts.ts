// The prune workflow's contract between the state machine (infra/), the task
// table (./tables/prune.ts) and the local runner (cli/local-run/): state
// names, payload types and artifact keys. The payload types are inferred from
// the schemas in ./schemas/, which check them. Error names are in ./errors.ts,
// environment names in ./environment.ts, retry policies and ports in ./task.ts
// (re-exported here for the code that predates the split).
import type { z } from 'zod';
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
  recheckEventSchema,
  recheckSummarySchema,
  reportEventSchema,
  runContextSchema,
  RunOptions,
  startEventSchema,
} from './schemas/prune.js';
import { deletionKindSchema, resourceGroupSchema } from './schemas/prune.js';

export type { ExecutionInput, RunDefaults, RunOptions } from './schemas/prune.js';
export { DEFAULT_RUN_OPTIONS, parseRunDefaults, planOptionsOf, resolveRunOptions } from './schemas/prune.js';

/** State names, in the order docs/workflow.md ("The states") lists them. Short sentences. */
export const STATE = {
  refuseSecondRun: 'Refuse to run twice',
  collect: 'Collect cluster resources',
  findRegistry: 'Find the registry',
  computePlan: 'Compute prune plan',
  dryRun: 'Dry run?',
  checkHealth: 'Check registry health',
  recollect: 'Collect cluster resources again',
  recheckPlan: 'Re-check the plan',
  deleteRegistryLinks: 'Delete registry links',
  deleteLayerLinks: 'Delete layer links',
  deleteLayerLinksBatch: 'Delete a batch of layer links',
  deleteManifests: 'Delete manifests',
  deleteManifestsBatch: 'Delete a batch of manifests',
  deleteBlobs: 'Delete blobs',
  deleteBlobsBatch: 'Delete a batch of blobs',
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

/** The Lambda task state that collects one resource group again, for the re-check (every group but images). */
export function recollectStateName(group: ResourceGroup): string {
  return `Collect ${group} again`;
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

export { ENV } from './environment.js';

export type { RetryPolicy } from './task.js';
export { RETRY_ARTIFACTS, RETRY_BATCH, RETRY_COLLECT, RETRY_LAMBDA_SERVICE } from './task.js';
export * from './errors.js';

// ---------------------------------------------------------------------------
// Payloads. Only keys and counts travel through the state machine.

/** The run as every later state sees it at `$.run`. */
export type RunContext = z.output<typeof runContextSchema>;

/** Input of "Refuse to run twice" (built from the context object). */
export type StartEvent = z.output<typeof startEventSchema>;

/** Input of one collect task. */
export type CollectEvent = z.output<typeof collectEventSchema>;

/** Output of one collect task that listed its whole group. */
export type CollectResult = z.output<typeof collectResultSchema>;

/** Where an unfinished collect goes on. */
export type CollectResume = Exclude<CollectEvent['resume'], false | null | undefined>;

/**
 * Output of one collect task that stopped before its group was all listed (its
 * time slice ran out): the next invocation's event, which goes on from `resume`.
 */
export interface CollectContinuation {
  run: RunContext;
  group: ResourceGroup;
  again?: boolean;
  resume: CollectResume;
}

/** Input of "Compute prune plan". */
export type PlanEvent = z.output<typeof planEventSchema>;

/** Counts of the plan, as in summary.json. */
export type PlanCounts = z.output<typeof planCountsSchema>;

/** Output of "Compute prune plan" at `$.plan`. */
export type PlanResult = z.output<typeof planResultSchema>;

/** Input of "Re-check the plan". */
export type RecheckEvent = z.output<typeof recheckEventSchema>;

/** What the re-check says at `$.plan.recheck`: the first plan's counts, what was spared and where it is listed. */
export type RecheckSummary = z.output<typeof recheckSummarySchema>;

/** What the Distributed Map's ItemBatcher hands to one batch task. */
export interface BatchEvent<T> {
  Items: T[];
  BatchInput: { runId: string; kind: DeletionKind; registryUrl?: string };
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
  /**
   * Per kind whose Map ran (absent in a dry run), from its result files: items
   * deleted (`done`), already gone, failed, and in batches never started.
   */
  carriedOut?: Partial<Record<DeletionKind, CarriedOut>>;
  /** The failed items, from the Maps' result files: the first few of each run, and how many in all. */
  failures?: { total: number; items: FailedItem[] };
  error?: { name: string; message: string };
  /** The race guard's outcome (confirmed runs that reached it): see ./recheck-report.ts. */
  recheck?: RecheckReport;
  reportKey: string;
}

/** What one kind's Map carried out; `failed` and `notAttempted` only when not 0. */
export interface CarriedOut {
  done: number;
  gone: number;
  failed?: number;
  notAttempted?: number;
}

/** One failed item of a Map, with its reason (the item is a whole batch when its error named none). */
export interface FailedItem {
  kind: DeletionKind;
  item: string;
  reason: string;
}

/** One spared item as report.json lists it: the item's fields and why it was spared. */
export type SparedItem = Record<string, string | number | string[]> & { why: string[] };

/** The race guard's section of report.json: counts in full, items capped per kind. */
export interface RecheckReport {
  /** The first plan's counts; `plan` in the report is what the re-check let through. */
  firstPlan: PlanCounts;
  /** Per kind, how many items of the first plan were spared (stream updates: revisions and tags). */
  spared: Record<DeletionKind, number>;
  /** The sum of {@link spared}. */
  sparedTotal: number;
  /** Per kind, items the re-check would delete that the first plan did not: left for the next run. */
  recheckOnly: Record<DeletionKind, number>;
  /** The first spared items of each kind, at most {@link RecheckReport.itemsCap} each; the full list is at {@link sparedKey}. */
  items: Record<DeletionKind, SparedItem[]>;
  itemsCap: number;
  sparedKey: string;
  /** Set when spared.json could not be read: the counts stand, the items are missing. */
  itemsUnreadable?: string;
}

// ---------------------------------------------------------------------------
// Artifact keys of one run.

/** The keys of one run's artifacts, relative to the store's root. */
export const runKeys = {
  root: (runId: string): string => `runs/${runId}/`,
  /** The folder of a collected group's parts (shared/workflow/snapshot-chunks.ts). */
  snapshot: (runId: string, group: ResourceGroup): string => `runs/${runId}/snapshot/${group}/`,
  plan: (runId: string, kind: DeletionKind): string => `runs/${runId}/plan/${DELETION_STEPS[kind].file}`,
  summary: (runId: string): string => `runs/${runId}/plan/summary.json`,
  /** The race guard's lists, read again just before the registry deletions. */
  recheckSnapshot: (runId: string, group: ResourceGroup): string => `runs/${runId}/recheck/snapshot/${group}/`,
  /** The plan files actually carried out: what the first plan and the re-check both delete. */
  recheckPlan: (runId: string, kind: DeletionKind): string => `runs/${runId}/recheck/plan/${DELETION_STEPS[kind].file}`,
  recheckSummary: (runId: string): string => `runs/${runId}/recheck/plan/summary.json`,
  /** Every item of the first plan the re-check spared, with why. */
  spared: (runId: string): string => `runs/${runId}/recheck/spared.json`,
  report: (runId: string): string => `runs/${runId}/report.json`,
  /** What the HTML report shows of the plan, bounded (shared/report/report-data.ts); written with the plan files. */
  reportData: (runId: string): string => `runs/${runId}/plan/report-data.json`,
  reportHtml: (runId: string): string => `runs/${runId}/report.html`,
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
