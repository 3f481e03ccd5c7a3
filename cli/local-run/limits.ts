// AWS Step Functions' payload limits, enforced on the local run, so a workflow
// that would die on AWS dies here first, the same way. aws-local-stepfunctions
// enforces none of them; it does enforce each task state's TimeoutSeconds
// (States.Timeout, catchable by States.ALL, as on AWS).
//
// - 256 KiB per state input and output: a state's input, a task's input after
//   Parameters, a task's result and the execution's output. Exceeding it is
//   `States.DataLimitExceeded`, a terminal error that States.ALL does not catch
//   and Retry does not retry: the execution fails at once, without "Report the
//   failure".
// - 256 KiB per Distributed Map batch: each ItemBatcher batch is one child
//   execution's input, under the same limit and with the same error.
import { PrunerError } from '../../shared/errors.js';
import { LOCAL_READER_RESOURCE } from './definition.js';

/** The payload quota of Step Functions: 256 KiB of UTF-8 JSON. */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** Where the local rewrite keeps a Distributed Map's items (AWS reads them outside the state). */
export const LOCAL_ITEMS_KEY = '__items';

const STATE_KEY = '__state';
const PAYLOAD_KEY = '__payload';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type States = Record<string, Record<string, Json>>;

/**
 * A payload over {@link PAYLOAD_LIMIT_BYTES}. Named as AWS names it; neither
 * caught by States.ALL nor retried (aws-local-stepfunctions reads
 * `isCatchable` and `isRetryable`).
 */
export class DataLimitExceededError extends PrunerError {
  readonly isCatchable = false;
  readonly isRetryable = false;
  constructor(what: string, bytes: number) {
    super(`${what} is ${bytes} bytes, over the ${PAYLOAD_LIMIT_BYTES}-byte (256 KiB) limit of Step Functions`);
    this.name = 'States.DataLimitExceeded';
  }
}

/** The size AWS counts: the UTF-8 bytes of the JSON. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** Throws {@link DataLimitExceededError} naming `what` when `value` is over the limit; returns its size. */
export function checkPayload(what: string, value: unknown): number {
  const bytes = payloadBytes(value);
  if (bytes > PAYLOAD_LIMIT_BYTES) throw new DataLimitExceededError(what, bytes);
  return bytes;
}

/**
 * One payload the limits measured, for benchmarks: a task state's input
 * (`state`), its input after Parameters (`input`), its result (`output`), or
 * one ItemBatcher batch of a Map (`batch`, `state` naming the Map).
 */
export interface PayloadMeasure {
  state: string;
  what: 'state' | 'input' | 'output' | 'batch';
  bytes: number;
}

/** The state as AWS would hold it: without the items the local rewrite of a Distributed Map put there. */
export function withoutLocalItems(state: unknown): unknown {
  if (state === null || typeof state !== 'object' || Array.isArray(state) || !(LOCAL_ITEMS_KEY in state)) return state;
  const { [LOCAL_ITEMS_KEY]: _items, ...rest } = state as Record<string, unknown>;
  return rest;
}

/**
 * Makes every Task state (at any depth) that has Parameters hand its handler
 * the raw state input as well, so the state input can be measured: the
 * Parameters become `{"__state.$": "$", "__payload": <Parameters>}`, which
 * {@link limitedHandler} takes apart again. A Task without Parameters already
 * gets the state itself. Changes `states` in place.
 */
export function exposeStateInputs(states: States): void {
  for (const s of Object.values(states)) {
    if (s.Type === 'Task' && s.Parameters !== undefined && !s.InputPath) {
      s.Parameters = { [`${STATE_KEY}.$`]: '$', [PAYLOAD_KEY]: s.Parameters };
    }
    for (const branch of (s.Branches as { States: States }[] | undefined) ?? []) exposeStateInputs(branch.States);
    const inner = (s.ItemProcessor ?? s.Iterator) as { States: States } | undefined;
    if (inner) exposeStateInputs(inner.States);
  }
}

function takeApart(event: unknown): { state: unknown; payload: unknown } {
  if (event !== null && typeof event === 'object' && STATE_KEY in event && PAYLOAD_KEY in event) {
    const e = event as Record<string, unknown>;
    return { state: e[STATE_KEY], payload: e[PAYLOAD_KEY] };
  }
  return { state: event, payload: event };
}

/**
 * The handler of task state `name`, with the limits checked around it: the
 * state input, the task input (after Parameters) and, unless `reader` (the
 * local stand-in of an ItemReader, whose items AWS never puts in the state),
 * the result.
 */
export function limitedHandler(
  name: string,
  handler: (event: unknown) => Promise<unknown>,
  reader = false,
  measured?: (m: PayloadMeasure) => void,
): (event: unknown) => Promise<unknown> {
  return async (event) => {
    const { state, payload } = takeApart(event);
    const stateBytes = checkPayload(`the state input of "${name}"`, withoutLocalItems(state));
    measured?.({ state: name, what: 'state', bytes: stateBytes });
    const inputBytes = payload !== state ? checkPayload(`the input of task "${name}" (after Parameters)`, payload) : stateBytes;
    measured?.({ state: name, what: 'input', bytes: inputBytes });
    const result = await handler(payload);
    if (!reader) {
      // Checked first: `measured?.(...)` would not evaluate its argument without a callback.
      const outputBytes = checkPayload(`the output of task "${name}"`, result);
      measured?.({ state: name, what: 'output', bytes: outputBytes });
    }
    return result;
  };
}

/** Throws {@link DataLimitExceededError} for the first ItemBatcher batch of Map `mapName` over the limit. */
export function checkBatches(mapName: string, batches: readonly unknown[], measured?: (m: PayloadMeasure) => void): void {
  batches.forEach((batch, i) => {
    const bytes = checkPayload(`batch ${i + 1} of ${batches.length} of Map "${mapName}"`, batch);
    measured?.({ state: mapName, what: 'batch', bytes });
  });
}

/** True for the local reader tasks that stand in for an ItemReader. */
export function isReaderState(state: Record<string, Json>): boolean {
  return state.Type === 'Task' && state.Resource === LOCAL_READER_RESOURCE;
}
