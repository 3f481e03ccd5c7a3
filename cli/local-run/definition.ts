// A synthesized state machine definition made runnable locally: CloudFormation
// intrinsics become local names, and each Distributed Map becomes
// "read the items" + an inline Map of the same concurrency (aws-local-stepfunctions
// has no ItemReader / ItemBatcher), and, when it has a ResultWriter, a task
// that writes the result files as Step Functions would (it has no ResultWriter
// either): each batch task's final failure is caught and recorded instead of
// failing the inline Map, and the writer fails the Map's place in the flow as
// AWS fails the Map, after the files are written.
import { InvalidInputError } from '../../shared/errors.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type States = Record<string, Record<string, Json>>;

/** An ASL definition (the parts we read and rewrite). */
export interface AslDefinition {
  StartAt: string;
  States: States;
  [k: string]: Json;
}

/** Resource of the local reader tasks that stand in for an ItemReader. */
export const LOCAL_READER_RESOURCE = 'arn:aws:lambda:local:000000000000:function:read-items';

/** Resource of the local tasks that record a batch's final failure inside a Map with a ResultWriter. */
export const LOCAL_FAILURE_RECORDER_RESOURCE = 'arn:aws:lambda:local:000000000000:function:record-failed-batch';

/** Resource of the local tasks that stand in for a ResultWriter. */
export const LOCAL_RESULT_WRITER_RESOURCE = 'arn:aws:lambda:local:000000000000:function:write-map-results';

/** Where the failure recorder finds the caught error next to the batch. */
export const LOCAL_ERROR_KEY = '__error';

/** Name of the reader task added in front of a rewritten Distributed Map. */
export function readerStateName(mapName: string): string {
  return `Read items of ${mapName}`;
}

/** Name of the task that records a failed batch inside rewritten Map `mapName`. */
export function failureRecorderStateName(mapName: string): string {
  return `Record a failed batch of ${mapName}`;
}

/** Name of the task that writes the results of rewritten Map `mapName`, after it. */
export function resultWriterStateName(mapName: string): string {
  return `Write results of ${mapName}`;
}

/** Replaces CloudFormation intrinsics with local stand-ins: GetAtt -> a local function ARN, Ref -> a local name. */
export function resolveIntrinsics(v: Json): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    if ('Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'] as [string, Json[]];
      return parts.map(resolveIntrinsics).join(sep);
    }
    if ('Fn::GetAtt' in v) return `arn:aws:lambda:local:000000000000:function:${(v['Fn::GetAtt'] as string[])[0]}`;
    if ('Ref' in v) return String(v.Ref) === 'AWS::Partition' ? 'aws' : `local-${String(v.Ref)}`;
  }
  throw new InvalidInputError(`synthesized definition: cannot resolve ${JSON.stringify(v).slice(0, 80)}`);
}

function retarget(states: States, from: string, to: string): void {
  for (const s of Object.values(states)) {
    if (s.Next === from) s.Next = to;
    if (s.Default === from) s.Default = to;
    for (const c of (s.Choices as { Next?: string }[] | undefined) ?? []) if (c.Next === from) c.Next = to;
    for (const c of (s.Catch as { Next?: string }[] | undefined) ?? []) if (c.Next === from) c.Next = to;
  }
}

/**
 * Rewrites every Distributed Map (at any depth) into a reader task and an
 * inline Map. The reader's Parameters carry the ItemReader's Key, the batch
 * size and the ItemBatcher's BatchInput template, so the same JSONPaths are
 * evaluated by the local engine; the Map keeps its name, concurrency, result
 * handling, Retry and Catch.
 */
export function rewriteDistributedMaps(def: { StartAt: string; States: States }): { StartAt: string; States: States } {
  const states: States = {};
  const renames: [string, string][] = [];
  let startAt = def.StartAt;
  for (const [name, state] of Object.entries(def.States)) {
    if (state.Type === 'Parallel') {
      states[name] = { ...state, Branches: (state.Branches as unknown as { StartAt: string; States: States }[]).map(rewriteDistributedMaps) as unknown as Json };
      continue;
    }
    const processor = (state.ItemProcessor ?? state.Iterator) as unknown as { StartAt: string; States: States; ProcessorConfig?: unknown } | undefined;
    if (state.Type !== 'Map' || !state.ItemReader || !processor) {
      states[name] = processor ? { ...state, ItemProcessor: rewriteDistributedMaps(processor) as unknown as Json } : state;
      continue;
    }
    const reader = state.ItemReader as { Parameters?: Record<string, Json> };
    const batcher = (state.ItemBatcher ?? {}) as { MaxItemsPerBatch?: number; MaxInputBytesPerBatch?: number; BatchInput?: Json };
    const readerName = readerStateName(name);
    const inner = rewriteDistributedMaps(processor);
    const { ItemReader: _r, ItemBatcher: _b, ItemProcessor: _p, Label: _l, ResultWriter: _w, ToleratedFailurePercentage: _t, ToleratedFailureCount: _c, ...rest } = state;
    states[readerName] = {
      Type: 'Task',
      Resource: LOCAL_READER_RESOURCE,
      Parameters: { ...(reader.Parameters ?? {}), MaxItemsPerBatch: batcher.MaxItemsPerBatch ?? 0, MaxInputBytesPerBatch: batcher.MaxInputBytesPerBatch ?? 0, BatchInput: batcher.BatchInput ?? {} },
      ResultPath: '$.__items',
      Next: name,
      TimeoutSeconds: 900,
      ...(state.Catch ? { Catch: state.Catch } : {}),
    };
    const inline = { ProcessorConfig: { Mode: 'INLINE' }, StartAt: inner.StartAt, States: inner.States };
    const writer = state.ResultWriter as { Parameters?: Record<string, Json> } | undefined;
    if (writer) {
      // The batches' results go to the writer through the engine, not through the state (as on AWS).
      const recorder = failureRecorderStateName(name);
      for (const s of Object.values(inline.States)) {
        if (s.Type === 'Task' && !s.Catch) s.Catch = [{ ErrorEquals: ['States.ALL'], ResultPath: `$.${LOCAL_ERROR_KEY}`, Next: recorder }];
      }
      inline.States[recorder] = { Type: 'Task', Resource: LOCAL_FAILURE_RECORDER_RESOURCE, TimeoutSeconds: 60, End: true };
      const { ResultSelector, ResultPath, Next, End, Catch, Retry, ...mapState } = rest;
      // A Map-level Retry would run the Map again on AWS; here it would only retry the writer.
      if (Retry) throw new InvalidInputError(`synthesized definition: Map "${name}" has a ResultWriter and a Retry; the local run cannot emulate both`);
      const writerName = resultWriterStateName(name);
      states[name] = { ...mapState, ItemsPath: '$.__items', ItemProcessor: inline as unknown as Json, ResultPath: null, Next: writerName, ...(Catch ? { Catch } : {}) };
      states[writerName] = {
        Type: 'Task',
        Resource: LOCAL_RESULT_WRITER_RESOURCE,
        Parameters: { ...(writer.Parameters ?? {}), Map: name },
        TimeoutSeconds: 900,
        ...(ResultSelector !== undefined ? { ResultSelector } : {}),
        ...(ResultPath !== undefined ? { ResultPath } : {}),
        ...(Next !== undefined ? { Next } : {}),
        ...(End !== undefined ? { End } : {}),
        ...(Catch ? { Catch } : {}),
      };
    } else {
      states[name] = { ...rest, ItemsPath: '$.__items', ItemProcessor: inline as unknown as Json };
    }
    if (startAt === name) startAt = readerName;
    renames.push([name, readerName]);
  }
  // Whatever led to a rewritten Map now leads to its reader (the reader itself still leads to the Map).
  for (const [from, to] of renames) retarget(Object.fromEntries(Object.entries(states).filter(([n]) => n !== to)), from, to);
  return { StartAt: startAt, States: states };
}
