// Runs the HardPrune and Fsck state machines locally, exactly as the
// RegistryStorageTools construct synthesizes them, with aws-local-stepfunctions:
// the same Distributed Map rewrite as `image-pruner run` (reader task + inline
// Map), each Lambda task bound by state name to the task function its handler
// calls, with local adapters (artifacts in a folder, the cluster, the storage).
// `image-pruner hard-prune` and `image-pruner fsck` are these runs.
import { randomUUID } from 'node:crypto';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { CfnStateMachine, StateMachine as CdkStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { RegistryStorageTools } from '../../infra/storage-tools.js';
import type { ArtifactStore } from '../../shared/adapters/artifacts/artifact-store.js';
import { getJson } from '../../shared/adapters/artifacts/artifact-store.js';
import type { ClusterReader } from '../../shared/adapters/kubernetes/collector.js';
import type { ClusterCreator } from '../../shared/adapters/kubernetes/writers.js';
import type { RegistryStorage } from '../../shared/adapters/storage/index.js';
import { InvalidInputError } from '../../shared/errors.js';
import { collectGroup } from '../../shared/workflow/collect.js';
import { collectStateName } from '../../shared/workflow/contracts.js';
import { parseCollectEvent } from '../../shared/workflow/events.js';
import type { RunningExecutions } from '../../shared/workflow/refuse-second-run.js';
import { startStorageTool, startStorageToolRun } from '../../shared/workflow/storage-tools/common.js';
import type { StartResult, StorageTool } from '../../shared/workflow/storage-tools/contracts.js';
import { FSCK_STATE, HARD_PRUNE_STATE, STORAGE_TOOL_GROUPS, toolKeys } from '../../shared/workflow/storage-tools/contracts.js';
import * as fsck from '../../shared/workflow/storage-tools/fsck.js';
import { recoverLostManifests } from '../../shared/workflow/storage-tools/fsck-recover.js';
import * as hardPrune from '../../shared/workflow/storage-tools/hard-prune.js';
import type { AslDefinition } from './definition.js';
import { readerStateName, resolveIntrinsics, rewriteDistributedMaps } from './definition.js';
// runner.js also installs the Promise.withResolvers polyfill (Node 20) that aws-local-stepfunctions needs.
import { readBatches } from './runner.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The adapters of a local storage-tool run. */
export interface StorageToolPorts {
  artifacts: ArtifactStore;
  cluster: ClusterReader;
  storage: RegistryStorage;
  /** Fsck with confirm: where recovery creates Images and image streams. Absent: a confirmed Fsck fails in its recover task. */
  clusterWriter?: ClusterCreator;
  /**
   * Whether another run holds the artifacts folder (cli/local-run/run-lock.ts):
   * the start task refuses a second run, as on AWS; released when the run ends.
   * Absent: the start task only validates the input.
   */
  running?: RunningExecutions & { release?: () => Promise<void> };
}

/** How a local run is carried out (not part of the execution input). */
export interface StorageToolRunOptions {
  executionName?: string;
  /** Batches of blob prefixes run at once (the Map's MaxConcurrency on AWS); default the construct's. */
  prefixConcurrency?: number;
}

/** Execution input of the HardPrune state machine. */
export interface HardPruneInput {
  confirm?: boolean;
  registryReadOnlyConfirmed?: boolean;
  keepYoungerThan?: string;
  now?: string;
}

/** Execution input of the Fsck state machine. */
export interface FsckInput {
  /** Recover lost manifests through the cluster API after the checks (`fsck --recover`). */
  confirm?: boolean;
  namespace?: string;
  now?: string;
}

/** How a local storage-tool execution ended. */
export interface StorageToolRunResult<R> {
  status: 'succeeded' | 'failed';
  /** The report task's output (also in runs/<id>/<tool>/report.json); absent when the run stopped before it had a run id. */
  output?: R;
  /** The error that ended a failed execution: name and one-line message. */
  error?: { name: string; message: string };
}

let cached: Record<StorageTool, string> | undefined;

/** The two definitions as synthesized (no bundling, no AWS), Distributed Maps rewritten for the local engine. */
export function storageToolDefinitions(): Record<StorageTool, AslDefinition> {
  if (!cached) {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'LocalStorageTools');
    const tools = new RegistryStorageTools(stack, 'StorageTools', {
      registryStorage: { bucket: s3.Bucket.fromBucketName(stack, 'Storage', 'local-registry') },
      artifactsBucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'local-artifacts'),
      clusterSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Cluster', 'local'),
    });
    const local = (sm: CdkStateMachine): string => {
      const def = JSON.parse(resolveIntrinsics(stack.resolve((sm.node.defaultChild as CfnStateMachine).definitionString) as Json)) as AslDefinition;
      const rewritten = rewriteDistributedMaps(def);
      return JSON.stringify({ ...def, StartAt: rewritten.StartAt, States: rewritten.States });
    };
    cached = { 'hard-prune': local(tools.hardPrune), fsck: local(tools.fsck) };
  }
  return { 'hard-prune': JSON.parse(cached['hard-prune']) as AslDefinition, fsck: JSON.parse(cached.fsck) as AslDefinition };
}

/**
 * The cluster as the storage tools must see it: a group the cluster does not
 * serve (no Images on a plain Kubernetes cluster) stops the run, since without
 * Images every blob would look unused to hard prune.
 */
function requireServed(cluster: ClusterReader): ClusterReader {
  return {
    async collectGroup(group) {
      const c = await cluster.collectGroup(group);
      // Not a CollectError: retrying cannot make the cluster serve a kind.
      if (c.skipped.length > 0) throw new InvalidInputError(`collect ${group}: the cluster does not serve ${c.skipped.map((s) => s.kind).join(', ')} (${c.skipped[0].reason}); is it OpenShift?`);
      return c;
    },
  };
}

async function execute<R>(tool: StorageTool, input: object, ports: StorageToolPorts, handlers: Record<string, (input: unknown) => Promise<unknown>>, startState: string, options: StorageToolRunOptions): Promise<StorageToolRunResult<R>> {
  try {
    return await executeOnce<R>(tool, input, ports, handlers, startState, options);
  } finally {
    await ports.running?.release?.();
  }
}

async function executeOnce<R>(tool: StorageTool, input: object, ports: StorageToolPorts, handlers: Record<string, (input: unknown) => Promise<unknown>>, startState: string, options: StorageToolRunOptions): Promise<StorageToolRunResult<R>> {
  let start: StartResult | undefined;
  const running = ports.running;
  const all: Record<string, (input: unknown) => Promise<unknown>> = {
    ...handlers,
    [startState]: async (e) => (start = running ? await startStorageToolRun(e, tool, running) : startStorageTool(e, tool)),
  };
  const cluster = requireServed(ports.cluster);
  for (const group of STORAGE_TOOL_GROUPS) all[collectStateName(group)] = (e) => collectGroup(parseCollectEvent(e), cluster, ports.artifacts);
  const definition = storageToolDefinitions()[tool];
  for (const [name, state] of Object.entries(definition.States)) {
    if (name.startsWith(readerStateName('')) && state.Type === 'Task') all[name] = (e) => readBatches(ports.artifacts, e);
  }
  if (options.prefixConcurrency !== undefined) {
    // The rewritten blob-prefix Map keeps the construct's MaxConcurrency; a local run may ask for another.
    const prefixMap = tool === 'hard-prune' ? HARD_PRUNE_STATE.sweepBlobs : FSCK_STATE.checkBlobs;
    definition.States[prefixMap].MaxConcurrency = options.prefixConcurrency;
  }
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: true } });
  const name = options.executionName ?? `local-${randomUUID()}`;
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: all as never },
    context: { Execution: { Id: `arn:local:execution:${tool}:${name}`, Name: name } },
  });
  try {
    const result = (await execution.result) as unknown as R;
    // The execution's output is kept small; the whole report is in report.json.
    return { status: 'succeeded', output: start ? await getJson<R>(ports.artifacts, toolKeys.report(start.run.runId, tool)) : result };
  } catch (err) {
    const cause = err instanceof ExecutionError && err.cause instanceof Error ? err.cause : err;
    let output: R | undefined;
    if (start) {
      try {
        output = await getJson<R>(ports.artifacts, toolKeys.report(start.run.runId, tool));
      } catch {
        output = undefined;
      }
    }
    const reported = (output as { error?: { name: string; message: string } } | undefined)?.error;
    // A Fail state's error is the workflow's; the cause, when a report was written, is in it.
    const error = reported ?? { name: cause instanceof Error ? cause.name : 'Error', message: cause instanceof Error ? cause.message.split('\n')[0] : String(cause) };
    return { status: 'failed', ...(output ? { output } : {}), error };
  }
}

/** Runs the HardPrune state machine locally; never throws for a failed execution. */
export function runHardPruneLocally(input: HardPruneInput, ports: StorageToolPorts, options: StorageToolRunOptions = {}): Promise<StorageToolRunResult<hardPrune.HardPruneRunReport>> {
  const S = HARD_PRUNE_STATE;
  const { artifacts, storage } = ports;
  return execute('hard-prune', input, ports, {
    [S.mark]: (e) => hardPrune.markBlobsInUse(e, artifacts, storage),
    [S.sweepBlobsBatch]: (e) => hardPrune.sweepBlobPrefixes(e, artifacts, storage),
    [S.listRepositories]: (e) => hardPrune.listRepositoriesForSweep(e, artifacts, storage),
    [S.sweepRepositoriesBatch]: (e) => hardPrune.sweepRepositories(e, artifacts, storage),
    [S.report]: (e) => hardPrune.reportHardPrune(e, artifacts, storage.location),
    [S.reportFailure]: (e) => hardPrune.reportHardPrune(e, artifacts, storage.location),
  }, S.start, options);
}

/**
 * Runs the Fsck state machine locally; with `confirm` its recover task writes
 * through `ports.clusterWriter`. Never throws for a failed execution.
 */
export function runFsckLocally(input: FsckInput, ports: StorageToolPorts, options: StorageToolRunOptions = {}): Promise<StorageToolRunResult<fsck.FsckRunReport>> {
  const S = FSCK_STATE;
  const { artifacts, storage, clusterWriter } = ports;
  return execute('fsck', input, ports, {
    [S.expect]: (e) => fsck.computeFsckExpectations(e, artifacts, storage),
    [S.checkBlobsBatch]: (e) => fsck.checkBlobPrefixes(e, artifacts, storage),
    [S.checkRepositoriesBatch]: (e) => fsck.checkRepositories(e, artifacts, storage),
    [S.recover]: (e) =>
      recoverLostManifests(e, artifacts, storage, async () => {
        if (!clusterWriter) throw new InvalidInputError('fsck: recovery needs a cluster to write to (cluster flags, not a snapshot)');
        return clusterWriter;
      }),
    [S.report]: (e) => fsck.reportFsck(e, artifacts, storage.location),
    [S.reportFailure]: (e) => fsck.reportFsck(e, artifacts, storage.location),
  }, S.start, options);
}
