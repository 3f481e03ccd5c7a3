// The ResultWriter of a Distributed Map, emulated for the local run
// (aws-local-stepfunctions has none): each batch's output or final failure is
// collected as the inline Map runs, and the writer task after the Map writes
// manifest.json and the SUCCEEDED_/FAILED_/PENDING_ files to the artifacts
// store at the Map's prefix, in Step Functions' format
// (shared/workflow/map-results.ts), and returns the output AWS returns. As on
// AWS with no tolerated failure, once a batch has failed for good no further
// batch of that Map starts (they are written as PENDING), and the Map's place
// in the flow fails with States.ExceedToleratedFailureThreshold after the files
// are written.
import { randomUUID } from 'node:crypto';
import type { ArtifactStore } from '../../shared/adapters/artifacts/artifact-store.js';
import { InvalidInputError, PrunerError } from '../../shared/errors.js';
import type { ChildRecord } from '../../shared/workflow/map-results.js';
import { writeMapResults } from '../../shared/workflow/map-results.js';
import type { AslDefinition } from './definition.js';
import { LOCAL_ERROR_KEY, LOCAL_FAILURE_RECORDER_RESOURCE, LOCAL_RESULT_WRITER_RESOURCE } from './definition.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type States = Record<string, Record<string, Json>>;

/** The error of a Map whose failed children exceed the tolerated failures (none), named as AWS names it. */
export class ToleratedFailureThresholdError extends PrunerError {
  constructor(mapName: string, failed: number) {
    super(`The specified tolerated failure threshold was exceeded: ${failed} batch(es) of Map "${mapName}" failed`);
    this.name = 'States.ExceedToleratedFailureThreshold';
  }
}

/** A Map with an emulated ResultWriter: its batch task states, failure recorder and writer. */
export interface WrittenMap {
  map: string;
  batchStates: string[];
  recorder: string;
  writer: string;
}

/** Every rewritten Map (at any depth) with an emulated ResultWriter. */
export function writtenMaps(states: States, out: WrittenMap[] = []): WrittenMap[] {
  const writers = new Map<string, string>();
  for (const [name, s] of Object.entries(states)) {
    if (s.Type === 'Task' && s.Resource === LOCAL_RESULT_WRITER_RESOURCE) writers.set(String((s.Parameters as Record<string, Json>).Map), name);
  }
  for (const [name, s] of Object.entries(states)) {
    for (const branch of (s.Branches as { States: States }[] | undefined) ?? []) writtenMaps(branch.States, out);
    const inner = (s.ItemProcessor ?? s.Iterator) as { States: States } | undefined;
    if (!inner) continue;
    const recorder = Object.entries(inner.States).find(([, i]) => i.Resource === LOCAL_FAILURE_RECORDER_RESOURCE)?.[0];
    const writer = writers.get(name);
    if (recorder && writer) {
      const batchStates = Object.entries(inner.States).filter(([n, i]) => n !== recorder && i.Type === 'Task').map(([n]) => n);
      out.push({ map: name, batchStates, recorder, writer });
    }
    writtenMaps(inner.States, out);
  }
  return out;
}

interface MapRun {
  id: string;
  succeeded: unknown[];
  failed: ChildRecord[];
  pending: ChildRecord[];
}

/** The child record Step Functions writes for a batch that did not succeed: the input as a JSON string. */
function record(batch: unknown, status: string, error?: { Error?: unknown; Cause?: unknown }): ChildRecord {
  return {
    Input: JSON.stringify(batch),
    InputDetails: { Included: true },
    Status: status,
    ...(error ? { Error: String(error.Error ?? 'States.TaskFailed'), Cause: typeof error.Cause === 'string' ? error.Cause : JSON.stringify(error.Cause ?? '') } : {}),
  };
}

type Handler = (input: unknown) => Promise<unknown>;

/** The Map runs of one local execution, and the handlers that fill and write them. */
export class LocalMapResults {
  private readonly runs = new Map<string, MapRun>();
  private readonly mapOf = new Map<string, string>();

  constructor(
    private readonly maps: readonly WrittenMap[],
    private readonly artifacts: () => ArtifactStore,
    private readonly executionArn: string,
  ) {
    for (const m of maps) for (const s of m.batchStates) this.mapOf.set(s, m.map);
  }

  /** Starts a new Map Run of `map` (its reader ran: the Map is about to). */
  start(map: string): void {
    if (this.maps.some((m) => m.map === map)) this.runs.set(map, { id: randomUUID(), succeeded: [], failed: [], pending: [] });
  }

  private run(map: string): MapRun {
    const run = this.runs.get(map);
    if (!run) throw new InvalidInputError(`local run: Map "${map}" ran without its item reader`);
    return run;
  }

  /** `handler` of batch state `state`, collecting its output; a batch after a final failure is not started. */
  collecting(state: string, handler: Handler): Handler {
    const map = this.mapOf.get(state);
    if (map === undefined) return handler;
    return async (batch) => {
      const run = this.run(map);
      if (run.failed.length > 0) {
        run.pending.push(record(batch, 'PENDING'));
        return null;
      }
      const output = await handler(batch);
      run.succeeded.push(output);
      return output;
    };
  }

  /** The handlers of the recorder and writer states. */
  handlers(): Record<string, Handler> {
    const out: Record<string, Handler> = {};
    for (const m of this.maps) {
      out[m.recorder] = async (input) => {
        const { [LOCAL_ERROR_KEY]: error, ...batch } = (input ?? {}) as Record<string, unknown>;
        this.run(m.map).failed.push(record(batch, 'FAILED', error as { Error?: unknown; Cause?: unknown }));
        return null;
      };
      out[m.writer] = async (input) => {
        const p = (input ?? {}) as { Bucket?: unknown; Prefix?: unknown };
        if (typeof p.Prefix !== 'string' || p.Prefix === '') throw new InvalidInputError(`local run: the ResultWriter of Map "${m.map}" has no Prefix`);
        const run = this.run(m.map);
        this.runs.delete(m.map);
        const output = await writeMapResults(this.artifacts(), {
          bucket: typeof p.Bucket === 'string' ? p.Bucket : 'local',
          prefix: p.Prefix.replace(/\/+$/, ''),
          mapRunArn: `${this.executionArn.replace(':execution:', ':mapRun:')}/${m.map}:${run.id}`,
          mapRunId: run.id,
          succeeded: run.succeeded,
          failed: run.failed,
          pending: run.pending,
        });
        if (run.failed.length > 0) throw new ToleratedFailureThresholdError(m.map, run.failed.length);
        return output;
      };
    }
    return out;
  }
}

/** The Maps of `definition` with an emulated ResultWriter. */
export function writtenMapsOf(definition: AslDefinition): WrittenMap[] {
  return writtenMaps(definition.States as States);
}
