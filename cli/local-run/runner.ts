// Runs the synthesized state machine with aws-local-stepfunctions, each Lambda
// task bound by state name to the same task function the handler calls, with
// local adapters and artifacts in a folder.
import { randomUUID } from 'node:crypto';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { ArtifactStore } from '../../shared/adapters/artifacts/artifact-store.js';
import { getJson } from '../../shared/adapters/artifacts/artifact-store.js';
import type { ClusterReader } from '../../shared/adapters/kubernetes/collector.js';
import { RESOURCE_GROUPS } from '../../shared/core/kinds.js';
import type { BlobDeleter, ImageDeleter, ImageStreamUpdater, LayerLinkDeleter, ManifestDeleter, RegistryHealthChecker } from '../../shared/core/ports.js';
import { InvalidInputError } from '../../shared/errors.js';
import * as batches from '../../shared/workflow/batches.js';
import { checkRegistryHealth } from '../../shared/workflow/check-health.js';
import { collectGroup } from '../../shared/workflow/collect.js';
import { computePrunePlan } from '../../shared/workflow/compute-plan.js';
import type { BatchResult, DeletionKind, ExecutionInput, PlanResult, Report, RunContext } from '../../shared/workflow/contracts.js';
import { collectStateName, DELETION_KINDS, DELETION_STEPS, runKeys, STATE } from '../../shared/workflow/contracts.js';
import { DescribingDeleters } from '../../shared/workflow/describing-ports.js';
import * as events from '../../shared/workflow/events.js';
import type { RunningExecutions } from '../../shared/workflow/refuse-second-run.js';
import { refuseSecondRun } from '../../shared/workflow/refuse-second-run.js';
import { reportRun } from '../../shared/workflow/report.js';
import type { ItemPolicy } from '../../shared/workflow/run-items.js';
import { DEFAULT_ITEM_POLICY } from '../../shared/workflow/run-items.js';
import type { AslDefinition } from './definition.js';
import { localDefinition, readerStateName } from './definition.js';

// aws-local-stepfunctions calls Promise.withResolvers, which Node 20 lacks.
const P = Promise as unknown as { withResolvers?: <T>() => { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } };
P.withResolvers ??= <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

/** The adapters of a local run. */
export interface LocalPorts {
  artifacts: ArtifactStore;
  cluster: ClusterReader;
  /** Says whether another local run holds the artifacts folder. */
  running: RunningExecutions;
  health: RegistryHealthChecker;
  manifests: ManifestDeleter;
  layerLinks: LayerLinkDeleter;
  blobs: BlobDeleter;
  streams: ImageStreamUpdater;
  images: ImageDeleter;
}

/** What a local run tells as it goes. */
export type Progress =
  | { type: 'state'; name: string; phase: 'entered' | 'exited' | 'failed' }
  | { type: 'planned'; totals: Record<DeletionKind, number> }
  | { type: 'items'; kind: DeletionKind; done: number; total: number }
  | { type: 'describe'; line: string };

export interface LocalRunOptions {
  input: ExecutionInput;
  ports: LocalPorts;
  onProgress?: (p: Progress) => void;
  itemPolicy?: ItemPolicy;
  /** A definition to run instead of synthesizing one (benchmarks reuse one). */
  definition?: AslDefinition;
  executionName?: string;
}

export interface LocalRunResult {
  status: 'succeeded' | 'failed';
  /** Absent only when the run stopped before it had a run id (refused, bad input). */
  report?: Report;
  /** The error that ended a failed execution: name and one-line message. */
  error?: { name: string; message: string };
  /** Wall time of each top-level state, in order. */
  timings: { state: string; ms: number }[];
}

/** Runs the prune workflow locally and resolves with its report; never throws for a failed execution. */
export async function runLocally(opts: LocalRunOptions): Promise<LocalRunResult> {
  const { ports } = opts;
  const progress = opts.onProgress ?? (() => undefined);
  const policy = opts.itemPolicy ?? DEFAULT_ITEM_POLICY;
  // Dry run is an adapter choice: without confirm, every deleter only describes.
  const describing = new DescribingDeleters((line) => progress({ type: 'describe', line }));
  const confirmed = opts.input.confirm === true;
  const d = confirmed ? ports : { manifests: describing, layerLinks: describing, blobs: describing, streams: describing, images: describing };

  let run: RunContext | undefined;
  const totals = Object.fromEntries(DELETION_KINDS.map((k) => [k, 0])) as Record<DeletionKind, number>;
  const done = Object.fromEntries(DELETION_KINDS.map((k) => [k, 0])) as Record<DeletionKind, number>;
  const counted = <T>(kind: DeletionKind, f: (e: T) => Promise<BatchResult>) => async (e: T): Promise<BatchResult> => {
    try {
      return await f(e);
    } finally {
      done[kind] += (e as { Items: unknown[] }).Items.length;
      progress({ type: 'items', kind, done: done[kind], total: totals[kind] });
    }
  };
  const batchHandlers: Record<DeletionKind, (e: unknown) => Promise<BatchResult>> = {
    layerLinks: counted('layerLinks', (e) => batches.deleteLayerLinks(events.parseBatchEvent(e, 'layerLinks', events.checkLink), d.layerLinks, policy)),
    blobs: counted('blobs', (e) => batches.deleteBlobs(events.parseBatchEvent(e, 'blobs', events.checkBlob), d.blobs, policy)),
    manifests: counted('manifests', (e) => batches.deleteManifests(events.parseBatchEvent(e, 'manifests', events.checkLink), d.manifests, policy)),
    streamUpdates: counted('streamUpdates', (e) => batches.updateImageStreams(events.parseBatchEvent(e, 'streamUpdates', events.checkStreamUpdate), d.streams, policy)),
    images: counted('images', (e) => batches.deleteImages(events.parseBatchEvent(e, 'images', events.checkImage), d.images, policy)),
  };

  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {
    [STATE.refuseSecondRun]: async (input) => {
      run = await refuseSecondRun(events.parseStartEvent(input), ports.running, {});
      return run;
    },
    [STATE.computePlan]: async (input) => {
      const plan: PlanResult = await computePrunePlan(events.parsePlanEvent(input), ports.artifacts);
      totals.layerLinks = plan.counts.layerLinks;
      totals.blobs = plan.counts.blobs;
      totals.manifests = plan.counts.manifestLinks;
      totals.streamUpdates = plan.counts.streamUpdates;
      totals.images = plan.counts.images;
      progress({ type: 'planned', totals: { ...totals } });
      return plan;
    },
    [STATE.checkHealth]: async (input) => {
      events.parseRunContext((input as { run?: unknown }).run);
      return checkRegistryHealth(ports.health);
    },
    [STATE.report]: (input) => reportRun(events.parseReportEvent(input), ports.artifacts),
    [STATE.reportFailure]: (input) => reportRun(events.parseReportEvent(input), ports.artifacts),
  };
  for (const group of RESOURCE_GROUPS) {
    handlers[collectStateName(group)] = (input) => collectGroup(events.parseCollectEvent(input), ports.cluster, ports.artifacts);
  }
  for (const kind of DELETION_KINDS) {
    handlers[DELETION_STEPS[kind].batch] = batchHandlers[kind];
    handlers[readerStateName(DELETION_STEPS[kind].map)] = (input) => readBatches(ports.artifacts, input);
  }

  const definition = opts.definition ?? localDefinition();
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: true } });
  const name = opts.executionName ?? `local-${randomUUID()}`;
  const execution = machine.run(opts.input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      // The retry waits of the definition are minutes apart for AWS; locally a
      // batch retry after a second shows the same behaviour.
      retryIntervalOverrides: Object.fromEntries(Object.values(DELETION_STEPS).map((s) => [s.batch, 1000])),
    },
    context: { Execution: { Id: `arn:local:execution:image-pruner:${name}`, Name: name } },
  });

  const timings: { state: string; ms: number }[] = [];
  const entered = new Map<string, number>();
  const topLevel = new Set(Object.keys(definition.States));
  const logDone = (async () => {
    for await (const ev of execution.eventLogs) {
      if (ev.type !== 'StateEntered' && ev.type !== 'StateExited' && ev.type !== 'StateFailed') continue;
      const stateName = ev.state.name;
      if (!topLevel.has(stateName) || ev.index !== undefined) continue;
      if (ev.type === 'StateEntered') {
        entered.set(stateName, ev.timestamp);
        progress({ type: 'state', name: stateName, phase: 'entered' });
      } else {
        timings.push({ state: stateName, ms: ev.timestamp - (entered.get(stateName) ?? ev.timestamp) });
        progress({ type: 'state', name: stateName, phase: ev.type === 'StateExited' ? 'exited' : 'failed' });
      }
    }
  })();

  let result: LocalRunResult;
  try {
    const output = (await execution.result) as unknown as Report;
    result = { status: 'succeeded', report: output, timings };
  } catch (err) {
    const cause = err instanceof ExecutionError && err.cause instanceof Error ? err.cause : err;
    let report: Report | undefined;
    if (run) {
      try {
        report = await getJson<Report>(ports.artifacts, runKeys.report(run.runId));
      } catch {
        report = undefined;
      }
    }
    // A Fail state's error is the workflow's; the real cause is in the report.
    const error = report?.error ?? { name: cause instanceof Error ? cause.name : 'Error', message: cause instanceof Error ? cause.message.split('\n')[0] : String(cause) };
    result = { status: 'failed', report, error, timings };
  }
  await logDone;
  const lock = ports.running as RunningExecutions & { release?: () => Promise<void> };
  if (lock.release) await lock.release();
  return result;
}

/** The reader step of a rewritten Distributed Map: the plan file, cut into ItemBatcher batches. */
export async function readBatches(artifacts: ArtifactStore, input: unknown): Promise<{ Items: unknown[]; BatchInput: unknown }[]> {
  const p = input as { Key?: unknown; MaxItemsPerBatch?: unknown; BatchInput?: unknown };
  if (typeof p.Key !== 'string') throw new InvalidInputError('item reader: Key must be a string');
  const items = await getJson<unknown[]>(artifacts, p.Key);
  if (!Array.isArray(items)) throw new InvalidInputError(`item reader: ${p.Key} is not a JSON array`);
  const size = typeof p.MaxItemsPerBatch === 'number' && p.MaxItemsPerBatch > 0 ? p.MaxItemsPerBatch : 1;
  const out: { Items: unknown[]; BatchInput: unknown }[] = [];
  for (let i = 0; i < items.length; i += size) out.push({ Items: items.slice(i, i + size), BatchInput: p.BatchInput ?? {} });
  return out;
}
