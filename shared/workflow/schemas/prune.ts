// Schemas of the prune workflow: what a user may put in the execution input,
// the run options after defaults, `$.run`, and the event and items of every
// task. The types in ../contracts.ts are inferred from these, so a field is
// described once. Events are objects whose other keys are dropped (a task gets
// the whole state and reads its part); what a person writes is strict.
import { z } from 'zod';
import { RESOURCE_GROUPS } from '../../core/kinds.js';
import { parseWith } from './parse.js';
import { registryChoiceSchema, registryDetectionSchema } from './registry-url.js';
import { isDns1123Label, MAX_MAP_CONCURRENCY, mergeRunOptions, notANamespace, OVER_SIZE_WITH_KEEP } from '../run-options.js';
import { bool, duration, list, nonEmptyString, object, strictObject, timestamp, wholeNumber, wholeNumberIn } from './primitives.js';

/** The five kinds of work a confirmed run carries out, in plan-file order. */
export const deletionKindSchema = z.enum(['layerLinks', 'blobs', 'manifests', 'streamUpdates', 'images'], {
  error: 'must be one of layerLinks, blobs, manifests, streamUpdates, images',
});

/** A collection group: one Lambda invocation (or one local step) each. */
export const resourceGroupSchema = z.enum(RESOURCE_GROUPS, {
  error: `must be one of ${RESOURCE_GROUPS.join(', ')}`,
});

// ---------------------------------------------------------------------------
// Options.

/** A namespace name. */
export const namespaceName = z.string({ error: 'must be a namespace name' }).refine(isDns1123Label, { error: (iss) => notANamespace(String(iss.input)) });

/** The prune options a construct (or the local runner) may set as the defaults of every execution. */
const runDefaultsShape = {
  confirm: bool.optional(),
  keepTagRevisions: wholeNumber.optional(),
  keepYoungerThan: duration.optional(),
  all: bool.optional(),
  ignoreInvalidRefs: bool.optional(),
  /** Prune revisions and images over their namespace's LimitRange (docs/rules.md); not with the keep options. */
  pruneOverSizeLimit: bool.optional(),
  /** Trim only this namespace's image streams, delete no Image; absent: every namespace. */
  namespace: namespaceName.optional(),
  /** false: leave the registry alone (no links, no blobs, no registry contacted). */
  pruneRegistry: bool.optional(),
  /** Batches of registry deletes (and of cluster writes) at once: each deletion Map's MaxConcurrency. */
  numWorkers: wholeNumberIn(1, MAX_MAP_CONCURRENCY).optional(),
};

/** Over-size mode next to an explicit keep option: refused as oc refuses it (a person asked for two things at once). */
function refuseOverSizeWithKeep(v: { pruneOverSizeLimit?: boolean; keepTagRevisions?: number; keepYoungerThan?: string }, ctx: z.RefinementCtx): void {
  if (v.pruneOverSizeLimit !== true) return;
  const keep = v.keepTagRevisions !== undefined ? 'keepTagRevisions' : v.keepYoungerThan !== undefined ? 'keepYoungerThan' : undefined;
  if (keep) ctx.addIssue({ code: 'custom', path: [keep], message: OVER_SIZE_WITH_KEEP });
}

/** Defaults of every execution, as the construct's props give them (and PRUNER_DEFAULT_OPTIONS carries them). */
export const runDefaultsSchema = strictObject(runDefaultsShape).superRefine(refuseOverSizeWithKeep);

/** What a user may put in the execution input; every field optional, nothing else allowed. */
export const executionInputSchema = strictObject({
  ...runDefaultsShape,
  /** ISO timestamp ages are measured from; defaults to the execution's start. */
  now: timestamp.optional(),
}).superRefine(refuseOverSizeWithKeep);

/** The options of one run after validation and defaults, as `$.run.options` carries them. */
export const runOptionsSchema = strictObject({
  confirm: bool,
  keepTagRevisions: wholeNumber,
  keepYoungerThan: duration,
  all: bool,
  ignoreInvalidRefs: bool,
  pruneOverSizeLimit: bool,
  namespace: namespaceName.optional(),
  pruneRegistry: bool,
  numWorkers: wholeNumberIn(1, MAX_MAP_CONCURRENCY),
  now: timestamp,
});

export { DEFAULT_NUM_WORKERS, DEFAULT_RUN_OPTIONS, isDns1123Label, MAX_MAP_CONCURRENCY, notANamespace, OVER_SIZE_WITH_KEEP, planOptionsOf } from '../run-options.js';

/** The defaults of every execution a construct sets (every field optional). */
export type RunDefaults = z.output<typeof runDefaultsSchema>;
/** What a user may put in the execution input; every field optional. */
export type ExecutionInput = z.output<typeof executionInputSchema>;
/** The options of one run after validation and defaults. */
export type RunOptions = z.output<typeof runOptionsSchema>;




/**
 * Validates an execution input and fills in defaults: the input's fields, else
 * `defaults` (the construct's props, validated too), else
 * {@link DEFAULT_RUN_OPTIONS}; `now` defaults to the execution's start.
 * Unknown fields are an error: a misspelt `confrim` must not silently mean a
 * dry run... or worse.
 */
export function resolveRunOptions(input: unknown, defaults: RunDefaults, startTime: string): RunOptions {
  const fromInput = parseWith(executionInputSchema, input ?? {}, 'execution input');
  const fromProps = parseWith(runDefaultsSchema, defaults, 'run defaults');
  const start = parseWith(timestamp, startTime, 'execution start time');
  return mergeRunOptions(fromInput, fromProps, start);
}

/**
 * The run defaults among a construct's `props` (other props are left to the
 * construct), checked at synth so `keepTagRevisions: -1` fails `cdk synth`
 * with one line naming the prop instead of every execution failing later.
 * Throws InvalidInputError.
 */
export function parseRunDefaults(props: object, name = 'ImagePruner props'): RunDefaults {
  const picked = Object.fromEntries(Object.keys(runDefaultsShape).flatMap((k) => ((props as Record<string, unknown>)[k] === undefined ? [] : [[k, (props as Record<string, unknown>)[k]]])));
  return parseWith(runDefaultsSchema, picked, name);
}

// ---------------------------------------------------------------------------
// The run and the events of its tasks.

/** A run id that is safe in an S3 key and a file name (see makeRunId). */
export const runIdSchema = nonEmptyString.regex(/^[A-Za-z0-9_-]{1,128}$/, {
  error: (iss) => `${JSON.stringify(iss.input)} may only hold letters, digits, _ and - (at most 128)`,
});

/** The run as every later state sees it at `$.run`; its options are re-validated, not trusted. */
export const runContextSchema = object({
  runId: runIdSchema,
  executionId: nonEmptyString,
  options: runOptionsSchema,
});

/** Input of "Refuse to run twice" (built from the context object); `input` is checked by resolveRunOptions. */
export const startEventSchema = object({
  input: z.unknown(),
  executionId: nonEmptyString,
  executionName: nonEmptyString,
  startTime: timestamp,
});

/**
 * Input of one collect task; `again` (the race guard's second reading, see
 * ../recheck-plan.ts) writes under runs/<id>/recheck/ instead of the snapshot.
 */
/**
 * Where an unfinished collect goes on (the next invocation's `resume`): the
 * kind and its continue token, where that kind's parts began (a restart goes
 * back there), the parts and objects written so far, and the image streams'
 * routes tallied so far.
 */
export const collectResumeSchema = object({
  kind: nonEmptyString,
  continue: nonEmptyString,
  kindStart: object({ chunks: wholeNumber, count: wholeNumber }),
  chunks: wholeNumber,
  count: wholeNumber,
  routes: object({ hosts: z.record(z.string(), wholeNumber), total: wholeNumber, internal: wholeNumber }).optional(),
});

/**
 * Input of one collect task: a group, read again for the race guard
 * (`again`), going on where the last invocation stopped (`resume`; false,
 * null or absent: from the start).
 */
export const collectEventSchema = object({
  run: runContextSchema,
  group: resourceGroupSchema,
  again: bool.optional(),
  resume: z.union([collectResumeSchema, z.literal(false)]).nullish(),
});

/** Output of one collect task; the image streams' also says which registry route they name. */
export const collectResultSchema = object({ group: resourceGroupSchema, key: nonEmptyString, chunks: wholeNumber, count: wholeNumber, registry: registryDetectionSchema.optional() });

/** Input of "Find the registry": the run and what was collected. */
export const findRegistryEventSchema = object({ run: runContextSchema, collected: list(collectResultSchema) });

/** Input of "Check registry health": the run and the registry "Find the registry" chose (`$.registry.url`). */
export const healthEventSchema = object({ run: runContextSchema, registryUrl: nonEmptyString.nullish().transform((v) => v ?? undefined) });

export { registryChoiceSchema };

/** Input of "Compute prune plan". */
export const planEventSchema = object({ run: runContextSchema, collected: list(collectResultSchema) });

/** Counts of the plan, as in summary.json. */
export const planCountsSchema = object({
  images: wholeNumber,
  streamUpdates: wholeNumber,
  removedRevisions: wholeNumber,
  manifestLinks: wholeNumber,
  layerLinks: wholeNumber,
  blobs: wholeNumber,
  bytesReclaimed: wholeNumber,
  warnings: wholeNumber,
});

/** Per deletion kind, a count. */
const perKindCounts = object({ layerLinks: wholeNumber, blobs: wholeNumber, manifests: wholeNumber, streamUpdates: wholeNumber, images: wholeNumber });

/** What "Re-check the plan" adds at `$.plan.recheck`: counts and a key, never the items. */
export const recheckSummarySchema = object({
  firstPlan: planCountsSchema,
  spared: perKindCounts,
  recheckOnly: perKindCounts,
  sparedKey: nonEmptyString,
});

/**
 * Output of "Compute prune plan" at `$.plan`: the plan files' keys and the
 * counts. "Re-check the plan" replaces it with the files both plans agree on,
 * and `recheck` says what changed.
 */
export const planResultSchema = object({
  keys: object({
    layerLinks: nonEmptyString,
    blobs: nonEmptyString,
    manifests: nonEmptyString,
    streamUpdates: nonEmptyString,
    images: nonEmptyString,
    summary: nonEmptyString,
  }),
  counts: planCountsSchema,
  recheck: recheckSummarySchema.optional(),
});

/** Input of "Re-check the plan": the first lists (images are read from there), the lists read again, the first plan. */
export const recheckEventSchema = object({
  run: runContextSchema,
  collected: list(collectResultSchema),
  recollected: list(collectResultSchema),
  plan: planResultSchema,
});

// ---------------------------------------------------------------------------
// Plan-file items and the batches of them.

/** A layer link or a manifest link: `{repository, digest}`. */
export const linkItemSchema = object({ repository: nonEmptyString, digest: nonEmptyString });
/** A blob: `{digest}`. */
export const blobItemSchema = object({ digest: nonEmptyString });
/** An Image: `{name}`. */
export const imageItemSchema = object({ name: nonEmptyString });
/** The revisions and whole tags to remove from one image stream's status. */
export const streamUpdateItemSchema = object({
  namespace: nonEmptyString,
  name: nonEmptyString,
  removed: list(object({ tag: nonEmptyString, index: wholeNumber, image: nonEmptyString })),
  removedTags: list(nonEmptyString),
});

/** The item schema of each deletion kind's plan file. */
export const batchItemSchemas = {
  layerLinks: linkItemSchema,
  blobs: blobItemSchema,
  manifests: linkItemSchema,
  streamUpdates: streamUpdateItemSchema,
  images: imageItemSchema,
} as const;

type DeletionKindName = z.output<typeof deletionKindSchema>;

/** `BatchInput` of a batch of `kind`: the run id and the kind, which must be this task's. */
export function batchInputSchema<K extends DeletionKindName>(kind: K) {
  return object({
    runId: nonEmptyString,
    kind: z.literal(kind, { error: (iss) => `expected "${kind}", got ${JSON.stringify(iss.input) ?? 'nothing'}` }),
    /** The registry the run chose (`$.registry.url`); the batches of registry links and blobs carry it. */
    registryUrl: nonEmptyString.nullish().transform((v) => v ?? undefined),
  });
}

/** What the ItemBatcher hands one batch task of `kind`, with each item checked as the `item` schema says. */
export function batchEventSchema<K extends DeletionKindName, I extends z.ZodType>(kind: K, item: I) {
  return object({ Items: list(item), BatchInput: batchInputSchema(kind) });
}

/** The whole event of each kind's batch task. */
export const batchEventSchemas = {
  layerLinks: batchEventSchema('layerLinks', linkItemSchema),
  blobs: batchEventSchema('blobs', blobItemSchema),
  manifests: batchEventSchema('manifests', linkItemSchema),
  streamUpdates: batchEventSchema('streamUpdates', streamUpdateItemSchema),
  images: batchEventSchema('images', imageItemSchema),
} as const;

/** Output of a batch task: counts only. */
export const batchResultSchema = object({ kind: deletionKindSchema, done: wholeNumber, gone: wholeNumber });

// ---------------------------------------------------------------------------
// The report.

// Step Functions writes null where a branch did not run; null and absent mean the same.
const absentOr = <T extends z.ZodType>(s: T) => s.nullish().transform((v) => v ?? undefined);

/** The caught error at `$.error`, as Step Functions writes it; a Cause that is no string is dropped, not fatal (the failure must still be reported). */
export const caughtErrorSchema = object({
  Error: nonEmptyString,
  Cause: z.unknown().transform((c) => (typeof c === 'string' ? c : undefined)),
});

/**
 * Input of the report task: the whole state, most of it optional (a failure
 * can come early). What the Maps did is not in the state: Report reads it from
 * their result files (../map-results.ts).
 */
export const reportEventSchema = object({
  run: runContextSchema,
  collected: list(collectResultSchema).optional(),
  plan: planResultSchema.optional(),
  error: absentOr(caughtErrorSchema),
});

