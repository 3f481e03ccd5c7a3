// Schemas of the storage tools' state machines (HardPrune and Fsck): what a
// user may put in each execution input, `$.tool` after validation, the state
// after collection and the batches of the Distributed Maps. The types in
// ../storage-tools/contracts.ts are inferred from these.
import { z } from 'zod';
import { parseDuration } from '../../core/duration.js';
import { STORAGE_TOOL_GROUPS } from '../storage-tools/contracts.js';
import { runContextSchema } from './prune.js';
import { bool, duration, list, nonEmptyString, object, strictObject, timestamp, wholeNumber } from './primitives.js';

/** Which tool a run is. */
export const storageToolSchema = z.enum(['hard-prune', 'fsck'], { error: 'must be "hard-prune" or "fsck"' });
type StorageToolName = z.output<typeof storageToolSchema>;

/** A Kubernetes namespace name (a DNS label). */
export const namespaceNameSchema = z
  .string({ error: 'must be a namespace name (lower-case letters, digits and -)' })
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a namespace name (lower-case letters, digits and -, at most 63)` });

/** HardPrune's execution input. `confirm` without `registryReadOnlyConfirmed` is refused by the start task (RegistryNotReadOnlyError). */
export const hardPruneInputSchema = strictObject({
  confirm: bool.optional(),
  registryReadOnlyConfirmed: bool.optional(),
  keepYoungerThan: duration.optional(),
  now: timestamp.optional(),
});

/** Fsck's execution input; `confirm` recovers what can be recovered (lost manifests). */
export const fsckInputSchema = strictObject({
  namespace: namespaceNameSchema.optional(),
  confirm: bool.optional(),
  now: timestamp.optional(),
});

/** The execution input schema of each tool. */
export const storageToolInputSchemas = { 'hard-prune': hardPruneInputSchema, fsck: fsckInputSchema } as const;

/** `$.tool`: the options of a storage-tool run after validation; `keepYoungerThanMs` is derived again from `keepYoungerThan`, never trusted. */
export function toolOptionsSchema<T extends StorageToolName>(tool: T) {
  return object({
    tool: z.literal(tool, { error: (iss) => `expected "${tool}", got ${JSON.stringify(iss.input) ?? 'nothing'}` }),
    confirm: bool.default(false),
    registryReadOnlyConfirmed: bool.default(false),
    /** Hard prune: unmarked blobs younger than this are kept. */
    keepYoungerThan: duration,
    /** Fsck: only this namespace. */
    namespace: namespaceNameSchema.optional(),
  }).transform(({ namespace, ...o }) => ({ ...o, keepYoungerThanMs: parseDuration(o.keepYoungerThan), ...(namespace === undefined ? {} : { namespace }) }));
}

/** Output of the start task: `$.run` (the prune workflow's run context, so the collect task is reused) and `$.tool`. */
export function startResultSchema<T extends StorageToolName>(tool: T) {
  return object({ run: runContextSchema, tool: toolOptionsSchema(tool) });
}

/** Output of a collect task as the storage tools read it back. */
export const collectedGroupSchema = object({ group: nonEmptyString, key: nonEmptyString, chunks: wholeNumber, count: wholeNumber });

/** The state every task after collection receives: run, tool and the collected groups, images and imagestreams among them. */
export function toolStateSchema<T extends StorageToolName>(tool: T) {
  return object({ run: runContextSchema, tool: toolOptionsSchema(tool), collected: list(collectedGroupSchema) }).superRefine((s, ctx) => {
    for (const g of STORAGE_TOOL_GROUPS) {
      if (!s.collected.some((c) => c.group === g)) ctx.addIssue({ code: 'custom', path: ['collected'], message: `group "${g}" is missing` });
    }
  });
}

/** A `{prefix}` item of the blob Maps: two lower-case hex digits. */
export const prefixItemSchema = object({
  prefix: z.string({ error: 'must be two lower-case hex digits' }).regex(/^[0-9a-f]{2}$/, { error: 'must be two lower-case hex digits' }),
});

/** A `{repository}` item of the repository Maps: a path that stays inside the registry's layout. */
export const repositoryItemSchema = object({
  repository: z
    .string({ error: 'must be a repository name' })
    .refine((r) => r.length > 0 && r.split('/').every((p) => p !== '' && p !== '.' && p !== '..'), { error: (iss) => `${JSON.stringify(iss.input)} is not a repository name` }),
});

/** A batch of a Distributed Map: its items and, in BatchInput, `$.run` and `$.tool` (and whatever else the Map passes). */
export function toolBatchEventSchema<T extends StorageToolName, I extends z.ZodType>(tool: T, item: I) {
  return object({ Items: list(item), BatchInput: startResultSchema(tool) });
}

/** Every event schema of each tool, for a task table to name. */
export function storageToolSchemas<T extends StorageToolName>(tool: T) {
  return {
    input: storageToolInputSchemas[tool],
    start: startResultSchema(tool),
    state: toolStateSchema(tool),
    prefixBatch: toolBatchEventSchema(tool, prefixItemSchema),
    repositoryBatch: toolBatchEventSchema(tool, repositoryItemSchema),
  };
}

/** HardPrune's schemas: its input, `$.run` + `$.tool`, the state after collection and its two kinds of batch. */
export const hardPruneSchemas = storageToolSchemas('hard-prune');
/** Fsck's schemas, as {@link hardPruneSchemas}. */
export const fsckSchemas = storageToolSchemas('fsck');
