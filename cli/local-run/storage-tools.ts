// Runs the HardPrune and Fsck state machines locally, exactly as the
// RegistryStorageTools construct synthesizes them (cli/local-run/engine.ts, as
// `image-pruner run` does the prune workflow): each Lambda task bound to its
// task-table row, with local ports (artifacts in a folder, the cluster, the storage).
// `image-pruner hard-prune` and `image-pruner fsck` are these runs.
import { randomUUID } from 'node:crypto';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { RunLock as RunLockTable } from '../../infra/run-lock.js';
import { RegistryStorageTools } from '../../infra/storage-tools.js';
import type { ArtifactStore } from '../../shared/adapters/artifacts/artifact-store.js';
import { getJson } from '../../shared/adapters/artifacts/artifact-store.js';
import type { ClusterReader } from '../../shared/adapters/kubernetes/collector.js';
import type { ClusterCreator } from '../../shared/adapters/kubernetes/writers.js';
import type { RegistryStorage } from '../../shared/adapters/storage/index.js';
import { InvalidInputError } from '../../shared/errors.js';
import type { RunLock, SkippedRun } from '../../shared/workflow/run-lock.js';
import { isSkipped, isSkippedRun } from '../../shared/workflow/run-lock.js';
import type { StartResult, StorageTool } from '../../shared/workflow/storage-tools/contracts.js';
import { FSCK_STATE, HARD_PRUNE_STATE, toolKeys } from '../../shared/workflow/storage-tools/contracts.js';
import type * as fsck from '../../shared/workflow/storage-tools/fsck.js';
import type * as hardPrune from '../../shared/workflow/storage-tools/hard-prune.js';
import { FSCK_TASKS, HARD_PRUNE_TASKS } from '../../shared/workflow/tables/storage-tools.js';
import type { Ports } from '../../shared/workflow/task.js';
import type { AslDefinition } from './definition.js';
import type { LocalWorkflow } from './engine.js';
import { executeLocally, freshCopy, synthesizeLocal } from './engine.js';

/** The adapters of a local storage-tool run. */
export interface StorageToolPorts {
  artifacts: ArtifactStore;
  cluster: ClusterReader;
  storage: RegistryStorage;
  /** Fsck with confirm: where recovery creates Images and image streams. Absent: a confirmed Fsck fails in its recover task. */
  clusterWriter?: ClusterCreator;
  /**
   * The run lock of the artifacts folder (cli/local-run/run-lock.ts): a run
   * started while another holds it is skipped, as on AWS; released when the run
   * ends. Absent: no lock (every start takes it).
   */
  lock?: RunLock;
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
  /** 'skipped': another run held the run lock; nothing was read or changed. */
  status: 'succeeded' | 'failed' | 'skipped';
  /** Who held the lock, for a skipped run. */
  skipped?: SkippedRun;
  /** The report task's output (also in runs/<id>/<tool>/report.json); absent when the run stopped before it had a run id. */
  output?: R;
  /** The error that ended a failed execution: name and one-line message. */
  error?: { name: string; message: string };
}

/** The lock of a run given none: every start takes it, nothing is held. */
const NO_LOCK: RunLock = {
  acquire: async (execution) => ({ acquired: true, lease: { execution, stateMachine: 'local', acquiredAt: new Date().toISOString(), expiresAt: new Date().toISOString() } }),
  release: async () => false,
};

let cached: Record<StorageTool, LocalWorkflow> | undefined;

/** Both state machines as synthesized (no bundling, no AWS), runnable locally, with their task states. */
export function storageToolWorkflows(): Record<StorageTool, LocalWorkflow> {
  cached ??= synthesizeLocal((stack) => {
    const tools = new RegistryStorageTools(stack, 'StorageTools', {
      registryStorage: { bucket: s3.Bucket.fromBucketName(stack, 'Storage', 'local-registry') },
      artifactsBucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'local-artifacts'),
      clusterSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Cluster', 'local'),
      // Its table is not used locally: the run lock is the artifacts folder's (./run-lock.ts).
      runLock: new RunLockTable(stack, 'RunLock'),
    });
    return {
      'hard-prune': { machine: tools.hardPrune, taskStates: tools.taskStates },
      fsck: { machine: tools.fsck, taskStates: tools.taskStates },
    };
  });
  return { 'hard-prune': freshCopy(cached['hard-prune']), fsck: freshCopy(cached.fsck) };
}

/** The two definitions, rewritten for aws-local-stepfunctions. */
export function storageToolDefinitions(): Record<StorageTool, AslDefinition> {
  const w = storageToolWorkflows();
  return { 'hard-prune': w['hard-prune'].definition, fsck: w.fsck.definition };
}


async function execute<R>(tool: StorageTool, input: object, ports: StorageToolPorts, options: StorageToolRunOptions): Promise<StorageToolRunResult<R>> {
  const workflow = storageToolWorkflows()[tool];
  if (options.prefixConcurrency !== undefined) {
    // The rewritten blob-prefix Map keeps the construct's MaxConcurrency; a local run may ask for another.
    const prefixMap = tool === 'hard-prune' ? HARD_PRUNE_STATE.sweepBlobs : FSCK_STATE.checkBlobs;
    workflow.definition.States[prefixMap].MaxConcurrency = options.prefixConcurrency;
  }
  const start = tool === 'hard-prune' ? HARD_PRUNE_TASKS.start : FSCK_TASKS.start;
  let started: StartResult | undefined;
  const local: Partial<Ports> = {
    artifacts: ports.artifacts,
    cluster: ports.cluster,
    storage: ports.storage,
    // Without a cluster to write to, recovery fails once it has something to create (a snapshot run).
    get clusterCreator(): ClusterCreator {
      if (!ports.clusterWriter) throw new InvalidInputError('fsck: recovery needs a cluster to write to (cluster flags, not a snapshot)');
      return ports.clusterWriter;
    },
    lock: ports.lock ?? NO_LOCK,
  };
  const name = options.executionName ?? `local-${randomUUID()}`;
  const outcome = await executeLocally({
    workflow,
    input,
    ports: local,
    executionArn: `arn:local:execution:${tool}:${name}`,
    executionName: name,
    onTask: (_state, task, _event, { result }) => {
      if (task === start && result && !isSkipped(result)) started = result as StartResult;
    },
  });
  if (outcome.status === 'succeeded' && isSkippedRun(outcome.output)) return { status: 'skipped', skipped: outcome.output };
  const report = started ? await getJson<R>(ports.artifacts, toolKeys.report(started.run.runId, tool)).catch(() => undefined) : undefined;
  // The execution's output is kept small; the whole report is in report.json.
  if (outcome.status === 'succeeded') return { status: 'succeeded', output: report ?? (outcome.output as R) };
  const reported = (report as { error?: { name: string; message: string } } | undefined)?.error;
  // A Fail state's error is the workflow's; the cause, when a report was written, is in it.
  return { status: 'failed', ...(report ? { output: report } : {}), error: reported ?? outcome.error };
}

/** Runs the HardPrune state machine locally; never throws for a failed execution. */
export function runHardPruneLocally(input: HardPruneInput, ports: StorageToolPorts, options: StorageToolRunOptions = {}): Promise<StorageToolRunResult<hardPrune.HardPruneRunReport>> {
  return execute('hard-prune', input, ports, options);
}

/**
 * Runs the Fsck state machine locally; with `confirm` its recover task writes
 * through `ports.clusterWriter`. Never throws for a failed execution.
 */
export function runFsckLocally(input: FsckInput, ports: StorageToolPorts, options: StorageToolRunOptions = {}): Promise<StorageToolRunResult<fsck.FsckRunReport>> {
  return execute('fsck', input, ports, options);
}
