// Checks of the events the task functions receive. A malformed event is an
// InvalidInputError naming the field, never a crash deep inside a task.
import { InvalidInputError } from '../errors.js';
import type { BatchEvent, CollectEvent, CollectResult, DeletionKind, PlanEvent, PlanResult, ReportEvent, RunContext, StartEvent } from './contracts.js';
import { checkGroup, DELETION_KINDS, resolveRunOptions } from './contracts.js';

type Obj = Record<string, unknown>;

function object(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidInputError(`${field}: must be an object`);
  return v as Obj;
}

function string(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new InvalidInputError(`${field}: must be a non-empty string`);
  return v;
}

function count(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new InvalidInputError(`${field}: must be a whole number >= 0`);
  return v;
}

const RUN_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The event of "Refuse to run twice". */
export function parseStartEvent(event: unknown): StartEvent {
  const e = object(event, 'event');
  return {
    input: e.input,
    executionId: string(e.executionId, 'event.executionId'),
    executionName: string(e.executionName, 'event.executionName'),
    startTime: string(e.startTime, 'event.startTime'),
  };
}

/** `$.run` as the first state wrote it; options are re-validated, not trusted. */
export function parseRunContext(v: unknown, field = 'event.run'): RunContext {
  const r = object(v, field);
  const runId = string(r.runId, `${field}.runId`);
  if (!RUN_ID.test(runId)) throw new InvalidInputError(`${field}.runId: "${runId}" may only hold letters, digits, _ and -`);
  const opts = object(r.options, `${field}.options`);
  const options = resolveRunOptions(opts, {}, string(opts.now, `${field}.options.now`));
  return { runId, executionId: string(r.executionId, `${field}.executionId`), options };
}

/** The event of one collect task. */
export function parseCollectEvent(event: unknown): CollectEvent {
  const e = object(event, 'event');
  return { run: parseRunContext(e.run), group: checkGroup(e.group, 'event.group') };
}

function parseCollected(v: unknown, field: string): CollectResult[] {
  if (!Array.isArray(v)) throw new InvalidInputError(`${field}: must be a list`);
  return v.map((c, i) => {
    const o = object(c, `${field}[${i}]`);
    return { group: checkGroup(o.group, `${field}[${i}].group`), key: string(o.key, `${field}[${i}].key`), count: count(o.count, `${field}[${i}].count`) };
  });
}

/** The event of "Compute prune plan". */
export function parsePlanEvent(event: unknown): PlanEvent {
  const e = object(event, 'event');
  return { run: parseRunContext(e.run), collected: parseCollected(e.collected, 'event.collected') };
}

/** The event of one batch task: `{Items: [...], BatchInput: {runId, kind}}` from the ItemBatcher. */
export function parseBatchEvent<T>(event: unknown, kind: DeletionKind, checkItem: (item: unknown, field: string) => T): BatchEvent<T> {
  const e = object(event, 'event');
  if (!Array.isArray(e.Items)) throw new InvalidInputError('event.Items: must be a list');
  const bi = object(e.BatchInput, 'event.BatchInput');
  const runId = string(bi.runId, 'event.BatchInput.runId');
  if (bi.kind !== kind) throw new InvalidInputError(`event.BatchInput.kind: expected "${kind}", got ${JSON.stringify(bi.kind)}`);
  return { Items: e.Items.map((it, i) => checkItem(it, `event.Items[${i}]`)), BatchInput: { runId, kind } };
}

/** The event of the report task: the whole state, most of it optional (a failure can come early). */
export function parseReportEvent(event: unknown): ReportEvent {
  const e = object(event, 'event');
  const out: ReportEvent = { run: parseRunContext(e.run) };
  if (e.collected !== undefined) out.collected = parseCollected(e.collected, 'event.collected');
  if (e.plan !== undefined) {
    const p = object(e.plan, 'event.plan');
    out.plan = { keys: object(p.keys, 'event.plan.keys') as PlanResult['keys'], counts: object(p.counts, 'event.plan.counts') as unknown as PlanResult['counts'] };
  }
  const results = (v: unknown, field: string) => {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw new InvalidInputError(`${field}: must be a list`);
    return v.map((b, i) => {
      const o = object(b, `${field}[${i}]`);
      if (!DELETION_KINDS.includes(o.kind as DeletionKind)) throw new InvalidInputError(`${field}[${i}].kind: unknown`);
      return { kind: o.kind as DeletionKind, done: count(o.done, `${field}[${i}].done`), gone: count(o.gone, `${field}[${i}].gone`) };
    });
  };
  if (e.deleted !== undefined && e.deleted !== null) {
    const d = object(e.deleted, 'event.deleted');
    out.deleted = { layerLinks: results(d.layerLinks, 'event.deleted.layerLinks'), blobs: results(d.blobs, 'event.deleted.blobs'), manifests: results(d.manifests, 'event.deleted.manifests') };
  }
  out.updated = results(e.updated, 'event.updated');
  out.imagesDeleted = results(e.imagesDeleted, 'event.imagesDeleted');
  if (e.error !== undefined && e.error !== null) {
    const er = object(e.error, 'event.error');
    out.error = { Error: string(er.Error, 'event.error.Error'), Cause: typeof er.Cause === 'string' ? er.Cause : undefined };
  }
  return out;
}

/** Item checks per kind, for {@link parseBatchEvent}. */
export const checkLink = (v: unknown, field: string) => {
  const o = object(v, field);
  return { repository: string(o.repository, `${field}.repository`), digest: string(o.digest, `${field}.digest`) };
};
export const checkBlob = (v: unknown, field: string) => ({ digest: string(object(v, field).digest, `${field}.digest`) });
export const checkImage = (v: unknown, field: string) => ({ name: string(object(v, field).name, `${field}.name`) });
export const checkStreamUpdate = (v: unknown, field: string) => {
  const o = object(v, field);
  if (!Array.isArray(o.removed)) throw new InvalidInputError(`${field}.removed: must be a list`);
  if (!Array.isArray(o.removedTags)) throw new InvalidInputError(`${field}.removedTags: must be a list`);
  return {
    namespace: string(o.namespace, `${field}.namespace`),
    name: string(o.name, `${field}.name`),
    removed: o.removed.map((r, i) => {
      const ro = object(r, `${field}.removed[${i}]`);
      return { tag: string(ro.tag, `${field}.removed[${i}].tag`), index: count(ro.index, `${field}.removed[${i}].index`), image: string(ro.image, `${field}.removed[${i}].image`) };
    }),
    removedTags: o.removedTags.map((t, i) => string(t, `${field}.removedTags[${i}]`)),
  };
};
