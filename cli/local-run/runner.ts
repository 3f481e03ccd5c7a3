// `image-pruner run`: the prune workflow's state machine, exactly as the
// ImagePruner construct synthesizes it, executed locally (cli/local-run/engine.ts)
// with each task bound to its task-table row and local ports. Dry run is an
// adapter choice: without confirm, every deleter only describes.
import { randomUUID } from 'node:crypto';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ImagePruner } from '../../infra/image-pruner.js';
import { getJson } from '../../shared/adapters/artifacts/artifact-store.js';
import type { BatchResult, DeletionKind, ExecutionInput, PlanResult, Report, RunContext } from '../../shared/workflow/contracts.js';
import { DELETION_KINDS, DELETION_STEPS, runKeys } from '../../shared/workflow/contracts.js';
import { DescribingDeleters } from '../../shared/workflow/describing-ports.js';
import { isSkipped, isSkippedRun, type SkippedRun } from '../../shared/workflow/run-lock.js';
import type { ItemPolicy } from '../../shared/workflow/run-items.js';
import { DEFAULT_ITEM_POLICY } from '../../shared/workflow/run-items.js';
import { BATCH_TASKS, PRUNE_TASKS } from '../../shared/workflow/tables/prune.js';
import type { Ports, Settings } from '../../shared/workflow/task.js';
import { InvalidInputError } from '../../shared/errors.js';
import type { RegistryChoice } from '../../shared/workflow/registry-detection.js';
import { describeRegistry, registryUrlOfEvent } from '../../shared/workflow/registry-detection.js';
import type { EventPorts, ExecuteOptions, LocalWorkflow } from './engine.js';
import { executeLocally, freshCopy, synthesizeLocal } from './engine.js';

let cached: LocalWorkflow | undefined;

/** The prune workflow as the construct synthesizes it, runnable locally (synthesized once per process). */
export function localPruneWorkflow(): LocalWorkflow {
  cached ??= synthesizeLocal((stack) => {
    // No registryUrl: locally the registry is the run's (LocalPorts.registryAt), given or detected.
    const pruner = new ImagePruner(stack, 'Pruner', {
      clusterSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Cluster', 'local'),
    });
    return { prune: { machine: pruner.stateMachine, taskStates: pruner.taskStates } };
  }).prune;
  // A fresh copy each time: the engine must not share state between runs.
  return freshCopy(cached);
}

/**
 * The adapters of a local run; `settings` defaults to no deployment defaults
 * and the default item policy. The registry is either `registry` (one the
 * caller made; `settings.registryUrl` should then name it) or `registryAt`,
 * which opens the registry "Find the registry" chose (given or detected).
 * `blobs`, when given, is used whatever the registry (blobs in its storage).
 */
export type LocalPorts = Pick<Ports, 'artifacts' | 'cluster' | 'lock' | 'clusterWriter'> &
  Partial<Pick<Ports, 'metrics' | 'registry' | 'blobs'>> & {
    settings?: Partial<Settings>;
    registryAt?: (url: string) => Ports['registry'] & Ports['blobs'];
  };

/** What a local run tells as it goes. */
export type Progress =
  | { type: 'state'; name: string; phase: 'entered' | 'exited' | 'failed' }
  | { type: 'planned'; totals: Record<DeletionKind, number> }
  /** The race guard planned again: what will be carried out, and how many items of the first plan it spared. */
  | { type: 'rechecked'; totals: Record<DeletionKind, number>; spared: number }
  | { type: 'items'; kind: DeletionKind; done: number; total: number }
  | { type: 'describe'; line: string }
  /** Which registry the run uses and where it came from (`registry: URL (detected from ...)`). */
  | { type: 'registry'; choice: RegistryChoice; line: string };

export interface LocalRunOptions {
  input: ExecutionInput;
  ports: LocalPorts;
  onProgress?: (p: Progress) => void;
  itemPolicy?: ItemPolicy;
  /** How messages name a given registry URL (default `--registry-url`). */
  registryGivenAs?: string;
  /** A workflow to run instead of synthesizing one (benchmarks reuse one). */
  workflow?: LocalWorkflow;
  executionName?: string;
  /** Runs each task state elsewhere (a process per task in the aws-scale benchmark); see ExecuteOptions.invoke. */
  invoke?: ExecuteOptions['invoke'];
  /** The size of every payload the limits check; see ExecuteOptions.onPayload. */
  onPayload?: ExecuteOptions['onPayload'];
}

export interface LocalRunResult {
  /** 'skipped': another run held the run lock; nothing was read or changed. */
  status: 'succeeded' | 'failed' | 'skipped';
  /** Who held the lock, for a skipped run. */
  skipped?: SkippedRun;
  /** Absent only when the run stopped before it had a run id (refused, bad input). */
  report?: Report;
  /** The error that ended a failed execution: name and one-line message. */
  error?: { name: string; message: string };
  /** Wall time of each top-level state, in order. */
  timings: { state: string; ms: number }[];
  /** The events AWS would have written into the execution's history, of at most 25,000 (./history.ts). */
  historyEvents: number;
}

/** Runs the prune workflow locally and resolves with its report; never throws for a failed execution. */
export async function runLocally(opts: LocalRunOptions): Promise<LocalRunResult> {
  const progress = opts.onProgress ?? (() => undefined);
  const describing = new DescribingDeleters((line) => progress({ type: 'describe', line }));
  const settings: Settings = { defaults: {}, itemPolicy: opts.itemPolicy ?? DEFAULT_ITEM_POLICY, ...opts.ports.settings };
  const { registryAt, settings: _given, ...given } = opts.ports;
  const noRegistry = (): never => {
    throw new InvalidInputError('local run: no registry was given (registry or registryAt)');
  };
  const ports: Partial<Ports> = opts.input.confirm === true
    ? { metrics: { add: () => undefined }, ...given, settings }
    : {
        metrics: { add: () => undefined },
        ...given,
        settings,
        registry: Object.assign(describing, { checkHealth: () => (opts.ports.registry ?? noRegistry()).checkHealth() }),
        blobs: describing,
        clusterWriter: describing,
      };
  // The registry at the URL each task's event names: what "Find the registry"
  // chose, as on AWS (functions/aws-ports.ts).
  const at = (event: unknown) => {
    const url = registryUrlOfEvent(event) ?? settings.registryUrl;
    if (!registryAt || !url) return noRegistry();
    return registryAt(url);
  };
  const eventPorts: EventPorts =
    opts.input.confirm === true && registryAt ? { registry: at, ...(opts.ports.blobs ? {} : { blobs: at }) } : {};
  const givenAs = opts.registryGivenAs ?? '--registry-url';

  let run: RunContext | undefined;
  const totals = Object.fromEntries(DELETION_KINDS.map((k) => [k, 0])) as Record<DeletionKind, number>;
  const done = Object.fromEntries(DELETION_KINDS.map((k) => [k, 0])) as Record<DeletionKind, number>;
  const kindOfBatch = new Map(DELETION_KINDS.map((k) => [BATCH_TASKS[k].id, k]));
  const timings: { state: string; ms: number }[] = [];
  const name = opts.executionName ?? `local-${randomUUID()}`;
  const outcome = await executeLocally({
    workflow: opts.workflow ?? localPruneWorkflow(),
    input: opts.input,
    ports,
    eventPorts,
    executionArn: `arn:local:execution:image-pruner:${name}`,
    executionName: name,
    ...(opts.invoke ? { invoke: opts.invoke } : {}),
    ...(opts.onPayload ? { onPayload: opts.onPayload } : {}),
    // The retry waits of the definition are minutes apart for AWS; locally a
    // batch retry after a second shows the same behaviour.
    retryIntervalOverrides: Object.fromEntries(Object.values(DELETION_STEPS).map((s) => [s.batch, 1000])),
    onState: (state, phase, ms) => {
      if (ms !== undefined) timings.push({ state, ms });
      progress({ type: 'state', name: state, phase });
    },
    onTask: (_state, task, event, { result }) => {
      if (task === PRUNE_TASKS.refuseSecondRun && result && !isSkipped(result)) run = (result as { run: RunContext }).run;
      if (task === PRUNE_TASKS.findRegistry && result) progress({ type: 'registry', choice: result as RegistryChoice, line: describeRegistry(result as RegistryChoice, givenAs) });
      if (task === PRUNE_TASKS.computePlan && result) {
        const { counts } = result as PlanResult;
        Object.assign(totals, { layerLinks: counts.layerLinks, blobs: counts.blobs, manifests: counts.manifestLinks, streamUpdates: counts.streamUpdates, images: counts.images });
        progress({ type: 'planned', totals: { ...totals } });
      }
      if (task === PRUNE_TASKS.recheckPlan && result) {
        const { counts, recheck } = result as PlanResult;
        Object.assign(totals, { layerLinks: counts.layerLinks, blobs: counts.blobs, manifests: counts.manifestLinks, streamUpdates: counts.streamUpdates, images: counts.images });
        const spared = recheck ? DELETION_KINDS.reduce((n, k) => n + recheck.spared[k], 0) : 0;
        progress({ type: 'rechecked', totals: { ...totals }, spared });
      }
      const kind = kindOfBatch.get(task.id);
      if (kind) {
        done[kind] += ((event as { Items?: unknown[] }).Items ?? []).length;
        progress({ type: 'items', kind, done: done[kind], total: totals[kind] });
      }
    },
  });
  if (outcome.status === 'succeeded' && isSkippedRun(outcome.output)) return { status: 'skipped', skipped: outcome.output, timings, historyEvents: outcome.historyEvents };
  if (outcome.status === 'succeeded') return { status: 'succeeded', report: outcome.output as Report, timings, historyEvents: outcome.historyEvents };
  let report: Report | undefined;
  if (run) report = await getJson<Report>(opts.ports.artifacts, runKeys.report(run.runId)).catch(() => undefined);
  // A Fail state's error is the workflow's; the real cause is in the report.
  return { status: 'failed', report, error: report?.error ?? outcome.error, timings, historyEvents: outcome.historyEvents };
}

export type { BatchResult };
