// Runs a synthesized state machine on this machine with aws-local-stepfunctions:
// every Lambda task state is bound to the task-table row the construct built it
// from (the construct's `taskStates`), and runs in-process with local ports.
// The same for every workflow: prune (`run`), HardPrune (`hard-prune`) and
// Fsck (`fsck`).
import type { Stack } from 'aws-cdk-lib';
import { App, Stack as CdkStack } from 'aws-cdk-lib';
import type { CfnStateMachine, StateMachine as CdkStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { ArtifactStore } from '../../shared/adapters/artifacts/artifact-store.js';
import { getJsonArray } from '../../shared/adapters/artifacts/artifact-store.js';
import { InvalidInputError } from '../../shared/errors.js';
import type { AnyTask, PortName, Ports } from '../../shared/workflow/task.js';
import type { AslDefinition } from './definition.js';
import { resolveIntrinsics, rewriteDistributedMaps } from './definition.js';
import { HISTORY_EVENT_LIMIT, HistoryLimitExceededError, historyEventsOf } from './history.js';
import { LocalMapResults, writtenMapsOf } from './map-results.js';
import type { PayloadMeasure } from './limits.js';
import { checkBatches, checkPayload, payloadBytes, exposeStateInputs, isReaderState, limitedHandler, withoutLocalItems } from './limits.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A state machine made runnable here, and the row each of its Lambda task states runs. */
export interface LocalWorkflow {
  definition: AslDefinition;
  tasks: ReadonlyMap<string, AnyTask>;
}

/** What a construct gives for each of its state machines. */
export interface BuiltMachine {
  machine: CdkStateMachine;
  taskStates: ReadonlyMap<string, AnyTask>;
}

/**
 * Builds constructs in a throwaway stack (bundling skipped: the local run calls
 * the task functions in-process) and returns each state machine's definition,
 * its Distributed Maps rewritten for the local engine, with its task states.
 */
export function synthesizeLocal<K extends string>(build: (stack: Stack) => Record<K, BuiltMachine>): Record<K, LocalWorkflow> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new CdkStack(app, 'Local');
  const built = build(stack);
  const out = {} as Record<K, LocalWorkflow>;
  for (const [name, b] of Object.entries(built) as [K, BuiltMachine][]) {
    // Resolving the definition alone skips the synthesis of assets (seconds, not tens of seconds).
    const cfn = b.machine.node.defaultChild as CfnStateMachine;
    const def = JSON.parse(resolveIntrinsics(stack.resolve(cfn.definitionString) as Json)) as AslDefinition;
    const rewritten = rewriteDistributedMaps(def);
    out[name] = { definition: { ...def, StartAt: rewritten.StartAt, States: rewritten.States }, tasks: b.taskStates };
  }
  return out;
}

/** A copy of `w` the engine may keep state in (one per execution). */
export function freshCopy(w: LocalWorkflow): LocalWorkflow {
  return { definition: JSON.parse(JSON.stringify(w.definition)) as AslDefinition, tasks: w.tasks };
}

/**
 * The reader step of a rewritten Distributed Map: the items file, cut into
 * ItemBatcher batches of at most MaxItemsPerBatch items and, when given,
 * MaxInputBytesPerBatch bytes of items (a batch holds at least one item: one
 * too big for any batch is left to the batch limit check).
 */
export async function readBatches(artifacts: ArtifactStore, input: unknown): Promise<{ Items: unknown[]; BatchInput: unknown }[]> {
  const p = input as { Key?: unknown; MaxItemsPerBatch?: unknown; MaxInputBytesPerBatch?: unknown; BatchInput?: unknown };
  if (typeof p.Key !== 'string') throw new InvalidInputError('item reader: Key must be a string');
  // As the ItemReader does, item by item: a plan file may be larger than one string can hold.
  const items = await getJsonArray<unknown>(artifacts, p.Key);
  const size = typeof p.MaxItemsPerBatch === 'number' && p.MaxItemsPerBatch > 0 ? p.MaxItemsPerBatch : 1;
  const maxBytes = typeof p.MaxInputBytesPerBatch === 'number' && p.MaxInputBytesPerBatch > 0 ? p.MaxInputBytesPerBatch : Infinity;
  const out: { Items: unknown[]; BatchInput: unknown }[] = [];
  let batch: unknown[] = [];
  let bytes = 2;
  for (const item of items) {
    // The item and the comma before it.
    if (batch.length > 0 && (batch.length >= size || bytes + payloadBytes(item) + 1 > maxBytes)) {
      out.push({ Items: batch, BatchInput: p.BatchInput ?? {} });
      batch = [];
      bytes = 2;
    }
    bytes += payloadBytes(item) + (batch.length > 0 ? 1 : 0);
    batch.push(item);
  }
  if (batch.length > 0) out.push({ Items: batch, BatchInput: p.BatchInput ?? {} });
  return out;
}

/** The reader tasks that stand in for ItemReaders, at any depth: each name with the Map it reads for. */
function readerStates(states: Record<string, Record<string, Json>>, out: [string, string][] = []): [string, string][] {
  for (const [name, s] of Object.entries(states)) {
    if (isReaderState(s)) out.push([name, String(s.Next)]);
    for (const branch of (s.Branches as { States: Record<string, Record<string, Json>> }[] | undefined) ?? []) readerStates(branch.States, out);
    const inner = (s.ItemProcessor ?? s.Iterator) as { States: Record<string, Record<string, Json>> } | undefined;
    if (inner) readerStates(inner.States, out);
  }
  return out;
}

/**
 * Only the ports `task` names, each read when the task first uses it (as the
 * generic handler's ports are made on AWS); a port the caller did not give is
 * named then.
 */
function portsOf(task: AnyTask, ports: Partial<Ports>, event: unknown, eventPorts: EventPorts = {}): Partial<Ports> {
  const out = {};
  for (const name of task.ports) {
    let made: { port: unknown } | undefined;
    Object.defineProperty(out, name, {
      enumerable: true,
      get: () => {
        const make = eventPorts[name] as ((event: unknown) => unknown) | undefined;
        if (make) return (made ??= { port: make(event) }).port;
        const port = ports[name];
        if (port === undefined) throw new InvalidInputError(`local run: task ${task.id} needs the ${name} port, which this run was not given`);
        return port;
      },
    });
  }
  return out as Partial<Ports>;
}

/** Ports made for each task's parsed event (as functions/ports-middleware.ts does on AWS): the registry at the URL the event names. */
export type EventPorts = { [K in PortName]?: (event: unknown) => Ports[K] };

export interface ExecuteOptions {
  workflow: LocalWorkflow;
  input: unknown;
  ports: Partial<Ports>;
  /** Ports made per event instead of taken from `ports`. */
  eventPorts?: EventPorts;
  executionArn: string;
  executionName: string;
  /** Retry waits per state, in ms, instead of the definition's (minutes apart on AWS). */
  retryIntervalOverrides?: Record<string, number>;
  /** Called after each task state ran (ok or not), with its event. */
  onTask?: (state: string, task: AnyTask, event: unknown, outcome: { result?: unknown; error?: unknown }) => void;
  /** Called as top-level states are entered and left. */
  onState?: (state: string, phase: 'entered' | 'exited' | 'failed', ms?: number) => void;
  /**
   * Runs a task state's row instead of calling `task.parse` and `task.run`
   * in this process (the aws-scale benchmark runs each in a process of its
   * own, as Lambda does). Gets the task's input after Parameters; the limits
   * stay checked here, around it, where AWS checks them.
   */
  invoke?: (state: string, task: AnyTask, event: unknown) => Promise<unknown>;
  /** Called with the size of every payload the limits check (see {@link PayloadMeasure}). */
  onPayload?: (measure: PayloadMeasure) => void;
}

export interface ExecuteResult {
  status: 'succeeded' | 'failed';
  output?: unknown;
  /** The error that ended a failed execution: name and one-line message. */
  error?: { name: string; message: string };
  /** The events AWS would have written into the execution's history (./history.ts), of at most 25,000. */
  historyEvents: number;
}

/**
 * Runs one execution; never throws for a failed execution. AWS's payload
 * limits are enforced on every task state and Map batch (./limits.ts); each
 * task state's TimeoutSeconds is enforced by aws-local-stepfunctions.
 */
export async function executeLocally(o: ExecuteOptions): Promise<ExecuteResult> {
  const definition = JSON.parse(JSON.stringify(o.workflow.definition)) as AslDefinition;
  const artifacts = o.ports.artifacts;
  const needArtifacts = (what: string): ArtifactStore => {
    if (!artifacts) throw new InvalidInputError(`local run: ${what} need the artifacts port`);
    return artifacts;
  };
  // Read before exposeStateInputs wraps the writers' Parameters.
  const mapResults = new LocalMapResults(writtenMapsOf(definition), () => needArtifacts('the Map result writers'), o.executionArn);
  exposeStateInputs(definition.States);
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [state, handler] of Object.entries(mapResults.handlers())) handlers[state] = limitedHandler(state, handler, false, o.onPayload);
  for (const [state, task] of o.workflow.tasks) {
    handlers[state] = mapResults.collecting(state, limitedHandler(state, async (event) => {
      try {
        let result: unknown;
        if (o.invoke) {
          result = await o.invoke(state, task, event);
        } else {
          const parsed = task.parse(event);
          result = await task.run(parsed, portsOf(task, o.ports, parsed, o.eventPorts) as Ports);
        }
        o.onTask?.(state, task, event, { result });
        return result;
      } catch (error) {
        o.onTask?.(state, task, event, { error });
        throw error;
      }
    }, false, o.onPayload));
  }
  for (const [state, map] of readerStates(definition.States as Record<string, Record<string, Json>>)) {
    handlers[state] = limitedHandler(
      state,
      async (event) => {
        const batches = await readBatches(needArtifacts('the item readers'), event);
        checkBatches(map, batches, o.onPayload);
        mapResults.start(map);
        return batches;
      },
      true,
      o.onPayload,
    );
  }
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: true } });
  const execution = machine.run(o.input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides: o.retryIntervalOverrides ?? {} },
    context: { Execution: { Id: o.executionArn, Name: o.executionName } },
  });

  const entered = new Map<string, number>();
  const topLevel = new Set(Object.keys(definition.States));
  const readers = new Set(readerStates(definition.States as Record<string, Record<string, Json>>).map(([name]) => name));
  let historyEvents = 0;
  let historyFull = false;
  const logDone = (async () => {
    for await (const ev of execution.eventLogs) {
      historyEvents += historyEventsOf(ev, readers);
      // The last event AWS writes is the failure itself.
      if (!historyFull && historyEvents >= HISTORY_EVENT_LIMIT - 1) {
        historyFull = true;
        execution.abort();
      }
      if (ev.type !== 'StateEntered' && ev.type !== 'StateExited' && ev.type !== 'StateFailed') continue;
      const name = ev.state.name;
      if (!topLevel.has(name) || ev.index !== undefined) continue;
      if (ev.type === 'StateEntered') {
        entered.set(name, ev.timestamp);
        o.onState?.(name, 'entered');
      } else {
        o.onState?.(name, ev.type === 'StateExited' ? 'exited' : 'failed', ev.timestamp - (entered.get(name) ?? ev.timestamp));
      }
    }
  })();

  let outcome: Omit<ExecuteResult, 'historyEvents'>;
  try {
    const output: unknown = await execution.result;
    checkPayload('the execution output', withoutLocalItems(output));
    outcome = { status: 'succeeded', output };
  } catch (err) {
    const cause = err instanceof ExecutionError && err.cause instanceof Error ? err.cause : err;
    outcome = { status: 'failed', error: { name: cause instanceof Error ? cause.name : 'Error', message: cause instanceof Error ? cause.message.split('\n')[0] : String(cause) } };
  }
  await logDone;
  // Past the history quota the execution fails as AWS fails it, whether the
  // abort stopped it or it ended first (the log can trail the execution).
  if (historyFull) {
    const e = new HistoryLimitExceededError();
    outcome = { status: 'failed', error: { name: e.name, message: e.message } };
  }
  const result: ExecuteResult = { ...outcome, historyEvents };
  // The local "EventBridge rule": a run that ended without reaching its release
  // state (failed before it, stopped by a limit) still frees the lock. A no-op
  // when the run released it or never held it (skipped).
  if (o.ports.lock) await o.ports.lock.release(o.executionArn).catch(() => undefined);
  return result;
}
