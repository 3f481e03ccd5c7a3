// Checks of the events the task functions receive, as thin wrappers over the
// schemas in ./schemas/prune.ts (which a task table can name directly). A
// malformed event is an InvalidInputError naming the field, never a crash
// deep inside a task.
import { z } from 'zod';
import type { BatchEvent, CollectEvent, DeletionKind, PlanEvent, RecheckEvent, ReportEvent, RunContext, StartEvent } from './contracts.js';
import { parseEvent, parseWith } from './schemas/parse.js';
import {
  batchInputSchema,
  blobItemSchema,
  collectEventSchema,
  imageItemSchema,
  linkItemSchema,
  list,
  object,
  planEventSchema,
  recheckEventSchema,
  reportEventSchema,
  runContextSchema,
  startEventSchema,
  streamUpdateItemSchema,
} from './schemas/index.js';

export {
  batchEventSchemas,
  batchItemSchemas,
  collectEventSchema,
  planEventSchema,
  reportEventSchema,
  runContextSchema,
  startEventSchema,
} from './schemas/prune.js';

/** The event of "Refuse to run twice". */
export function parseStartEvent(event: unknown): StartEvent {
  return parseEvent(startEventSchema, event);
}

/** `$.run` as the first state wrote it; options are re-validated, not trusted. `field` names it in the error. */
export function parseRunContext(v: unknown, field = 'event.run'): RunContext {
  return parseWith(runContextSchema, v, field);
}

/** The event of one collect task. */
export function parseCollectEvent(event: unknown): CollectEvent {
  return parseEvent(collectEventSchema, event);
}

/** The event of "Compute prune plan". */
export function parsePlanEvent(event: unknown): PlanEvent {
  return parseEvent(planEventSchema, event);
}

/** The event of "Re-check the plan". */
export function parseRecheckEvent(event: unknown): RecheckEvent {
  return parseEvent(recheckEventSchema, event);
}

// A batch whose items are left to the item check, so each is named as `event.Items[i]`.
const batchEnvelopeSchema = (kind: DeletionKind) => object({ Items: list(z.unknown()), BatchInput: batchInputSchema(kind) });

/**
 * The event of one batch task: `{Items: [...], BatchInput: {runId, kind, registryUrl?}}` from
 * the ItemBatcher; the batch must be of `kind`, and each item is checked by
 * `checkItem` (one of the check* below) with its field, `event.Items[i]`.
 */
export function parseBatchEvent<T>(event: unknown, kind: DeletionKind, checkItem: (item: unknown, field: string) => T): BatchEvent<T> {
  const e = parseEvent(batchEnvelopeSchema(kind), event);
  const { runId, registryUrl } = e.BatchInput;
  // registryUrl: the registry "Find the registry" chose; the batch's registry port is made for it.
  return { Items: e.Items.map((it, i) => checkItem(it, `event.Items[${i}]`)), BatchInput: { runId, kind, ...(registryUrl ? { registryUrl } : {}) } };
}

/** The event of the report task: the whole state, most of it optional (a failure can come early). */
export function parseReportEvent(event: unknown): ReportEvent {
  return parseEvent(reportEventSchema, event);
}

/** An item check for {@link parseBatchEvent}: `schema`, the error naming `field`. */
function itemCheck<S extends z.ZodType>(schema: S): (v: unknown, field: string) => z.output<S> {
  return (v, field) => parseWith(schema, v, field);
}

/** Item checks per kind, for {@link parseBatchEvent}. */
export const checkLink = itemCheck(linkItemSchema);
export const checkBlob = itemCheck(blobItemSchema);
export const checkImage = itemCheck(imageItemSchema);
export const checkStreamUpdate = itemCheck(streamUpdateItemSchema);
