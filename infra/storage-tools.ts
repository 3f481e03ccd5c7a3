// The registry storage tools as state machines: "HardPrune" and "Fsck",
// started by hand (no schedule). Wiring only: what each task does lives in
// shared/workflow/storage-tools, the decisions in shared/core.
import { Duration, Names, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { failureAlarm } from './failure-alarm.js';
import { resultWritingMap } from './result-writer.js';
import { TaskFunctions, type RegistryStorageWiring } from './task-function.js';
import { collectStateName } from '../shared/workflow/contracts.js';
import { parseStorageToolsProps } from '../shared/workflow/schemas/construct-props.js';
import { FSCK_STATE, HARD_PRUNE_STATE, REGISTRY_NOT_READ_ONLY, STORAGE_TOOL_GROUPS } from '../shared/workflow/storage-tools/contracts.js';
import { FSCK_TASKS, HARD_PRUNE_TASKS } from '../shared/workflow/tables/storage-tools.js';
import type { AnyTask } from '../shared/workflow/task.js';
import { leaseSecondsFor, LOCK_STATE, RUN_TIMEOUT_SECONDS } from '../shared/workflow/run-lock.js';
import { RUN_LOCK_TASKS } from '../shared/workflow/tables/run-lock.js';
import type { RunLock } from './run-lock.js';


/** Props of {@link RegistryStorageTools}. */
export interface RegistryStorageToolsProps {
  /** The registry's storage bucket, the registry's `rootdirectory` in it, and its KMS key when it uses SSE-KMS. */
  registryStorage: RegistryStorageWiring;
  /** Where runs keep their files (`runs/<id>/...`): share the ImagePruner's artifacts bucket. */
  artifactsBucket: s3.IBucket;
  /** Secrets Manager secret with `{"server","token","certificateAuthority"?}` for the cluster API. */
  clusterSecret: secretsmanager.ISecret;
  /** VPC placement for the collect functions (private clusters). */
  vpc?: ec2.IVpc;
  vpcSubnets?: ec2.SubnetSelection;
  securityGroups?: ec2.ISecurityGroup[];
  /** Child executions of each Distributed Map at once (default 16). */
  mapConcurrency?: number;
  /** Blob prefixes per batch task (default 8: 32 tasks over the 256 prefixes). */
  prefixesPerBatch?: number;
  /** Repositories per batch task (default 20). */
  repositoriesPerBatch?: number;
  /** Notified when a HardPrune or Fsck execution fails, times out or is aborted. */
  alarmTopic?: sns.ITopic;
  /**
   * The registry's run lock: the ImagePruner's (`pruner.runLock`), so that a
   * hard prune or fsck never runs while a prune does, nor the other way round.
   */
  runLock: RunLock;
}


/**
 * Hard prune and fsck of the registry's storage as two Step Functions state
 * machines, "HardPrune" and "Fsck": collect Images and ImageStreams, mark (or
 * compute what fsck expects), a Distributed Map over the blob prefixes
 * `blobs/sha256/00`..`ff`, one over repositories, then a report. Both are dry
 * (check-only) unless the execution input says `confirm`; hard prune's confirm
 * also needs `registryReadOnlyConfirmed: true`, or a Choice ends the run;
 * fsck's confirm recovers lost manifests through the cluster API. The
 * start task of each takes the registry's run lock (props.runLock, shared
 * with the ImagePruner); while another execution of any of the three holds
 * it, the execution ends "skipped".
 */
export class RegistryStorageTools extends Construct {
  readonly hardPrune: sfn.StateMachine;
  readonly fsck: sfn.StateMachine;
  /** The functions, by task id (shared/workflow/tables/storage-tools.ts). */
  readonly functions: Record<string, nodejs.NodejsFunction>;
  /** Each Lambda task state of both machines and the task-table row it runs (the local runner binds by this). */
  readonly taskStates: ReadonlyMap<string, AnyTask>;
  readonly logGroup: logs.LogGroup;
  /** One failure alarm per state machine. */
  readonly failureAlarms: { hardPrune: cloudwatch.Alarm; fsck: cloudwatch.Alarm };

  constructor(scope: Construct, id: string, props: RegistryStorageToolsProps) {
    super(scope, id);
    const { mapConcurrency, prefixesPerBatch, repositoriesPerBatch } = parseStorageToolsProps(props);
    const baseName = Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    const machineNames = { hardPrune: `${baseName}-HardPrune`, fsck: `${baseName}-Fsck` };
    const functions = new TaskFunctions(this, {
      artifactsBucket: props.artifactsBucket,
      clusterSecret: props.clusterSecret,
      registryStorage: props.registryStorage,
      metricsNamespace: 'ImagePruner',
      placement: props,
      runLock: props.runLock,
    });
    const H = HARD_PRUNE_TASKS;
    const F = FSCK_TASKS;
    // Least privilege follows from each row's ports: storage read for every
    // storage task, delete only for the two sweeps, the cluster secret and the
    // VPC only for collect and recovery.
    // The start tasks take the run lock for as long as their execution may run.
    const lease = leaseSecondsFor(RUN_TIMEOUT_SECONDS.storageTools);
    const invoke = (stateName: string, task: AnyTask, payload: sfn.TaskInput | undefined, extra: Parameters<TaskFunctions['invoke']>[3] = {}) =>
      functions.invoke(stateName, task, payload, { ...(task === H.start || task === F.start ? { lockLeaseSeconds: lease } : {}), ...extra });

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', { retention: logs.RetentionDays.SIX_MONTHS, removalPolicy: RemovalPolicy.DESTROY });

    const startPayload = sfn.TaskInput.fromObject({
      input: sfn.JsonPath.objectAt('$$.Execution.Input'),
      executionId: sfn.JsonPath.stringAt('$$.Execution.Id'),
      executionName: sfn.JsonPath.stringAt('$$.Execution.Name'),
      startTime: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
    });
    const collect = (stateName: string): sfn.Parallel => {
      const p = new sfn.Parallel(this, stateName, { stateName, resultPath: '$.collected' });
      for (const group of STORAGE_TOOL_GROUPS) {
        // State names are per state machine, so both machines can name theirs like the prune workflow does.
        const t = invoke(collectStateName(group), H.collect, sfn.TaskInput.fromObject({ run: sfn.JsonPath.objectAt('$.run'), group }), { id: `${stateName} ${group}` });
        p.branch(t);
      }
      return p;
    };
    const distributedMap = (mapName: string, batchName: string, task: AnyTask, key: string, perBatch: number, batchInput: Record<string, string>): sfn.DistributedMap => {
      // Each batch's output goes to runs/<id>/map-results/<map>/ (ResultWriter), none into the state;
      // what each batch found or did is in the artifacts too, and the state keeps only keys and counts.
      const map = resultWritingMap(this, mapName, props.artifactsBucket, {
        stateName: mapName,
        itemReader: new sfn.S3JsonItemReader({ bucket: props.artifactsBucket, key: sfn.JsonPath.stringAt(key) }),
        itemBatcher: new sfn.ItemBatcher({ maxItemsPerBatch: perBatch, batchInput }),
        maxConcurrency: mapConcurrency,
        // No tolerated failure: a failed batch fails the Map and the run reports it (CDK drops an explicit 0).
      });
      map.itemProcessor(invoke(batchName, task, undefined));
      return map;
    };
    const catchAll = { errors: ['States.ALL'], resultPath: '$.error' };
    // The lock's states, as the prune workflow has them: a Choice after the
    // start task that ends a skipped start in Succeed, and a release on the
    // success path and before the Fail state (its own failure caught, so the
    // run's failure is the one reported; the EventBridge rule releases then).
    const releasePayload = sfn.TaskInput.fromObject({ executionId: sfn.JsonPath.stringAt('$$.Execution.Id') });
    const lockStates = (prefix: string, start: sfn.TaskStateBase, goOn: sfn.IChainable, failed: sfn.Fail) => {
      const skipped = new sfn.Succeed(this, `${prefix} ${LOCK_STATE.skipped}`, { stateName: LOCK_STATE.skipped, outputPath: '$.skipped' });
      start.next(new sfn.Choice(this, `${prefix} ${LOCK_STATE.held}`, { stateName: LOCK_STATE.held }).when(sfn.Condition.isPresent('$.skipped'), skipped).otherwise(goOn));
      const release = invoke(LOCK_STATE.release, RUN_LOCK_TASKS.release, releasePayload, { id: `${prefix} ${LOCK_STATE.release}`, resultPath: sfn.JsonPath.DISCARD });
      const releaseAfterFailure = invoke(LOCK_STATE.releaseAfterFailure, RUN_LOCK_TASKS.release, releasePayload, { id: `${prefix} ${LOCK_STATE.releaseAfterFailure}`, resultPath: sfn.JsonPath.DISCARD });
      releaseAfterFailure.next(failed);
      releaseAfterFailure.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.releaseError' });
      return { release, releaseAfterFailure };
    };
    const machine = (id: string, stateMachineName: string, definition: sfn.IChainable, comment: string) =>
      new sfn.StateMachine(this, id, {
        stateMachineName,
        definitionBody: sfn.DefinitionBody.fromChainable(definition),
        stateMachineType: sfn.StateMachineType.STANDARD,
        // The run lock's lease is this and a margin (shared/workflow/run-lock.ts).
        timeout: Duration.seconds(RUN_TIMEOUT_SECONDS.storageTools),
        tracingEnabled: true,
        logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
        comment,
      });

    // HardPrune.
    {
      const S = HARD_PRUNE_STATE;
      const refused = new sfn.Fail(this, S.refused, {
        stateName: S.refused,
        error: REGISTRY_NOT_READ_ONLY,
        cause: 'confirm needs registryReadOnlyConfirmed: true in the execution input: make the registry read-only first, or a push during the sweep can lose its blobs',
      });
      // The first Lambda state: validates the input and takes the run lock (or the run is skipped).
      const start = invoke(S.start, H.start, startPayload);
      // Refuse before anything runs: confirm is true and registryReadOnlyConfirmed is not exactly true.
      const guard = new sfn.Choice(this, S.guard, { stateName: S.guard })
        .when(
          sfn.Condition.and(
            sfn.Condition.isPresent('$.confirm'),
            sfn.Condition.isBoolean('$.confirm'),
            sfn.Condition.booleanEquals('$.confirm', true),
            sfn.Condition.not(
              sfn.Condition.and(
                sfn.Condition.isPresent('$.registryReadOnlyConfirmed'),
                sfn.Condition.isBoolean('$.registryReadOnlyConfirmed'),
                sfn.Condition.booleanEquals('$.registryReadOnlyConfirmed', true),
              ),
            ),
          ),
          refused,
        )
        .otherwise(start);
      const collected = collect(S.collect);
      const mark = invoke(S.mark, H.mark, sfn.TaskInput.fromObject({ run: sfn.JsonPath.objectAt('$.run'), tool: sfn.JsonPath.objectAt('$.tool'), collected: sfn.JsonPath.objectAt('$.collected') }), { resultPath: '$.mark' });
      const runInput = { 'run.$': '$.run', 'tool.$': '$.tool' };
      const blobs = distributedMap(S.sweepBlobs, S.sweepBlobsBatch, H.sweepBlobs, '$.mark.keys.prefixes', prefixesPerBatch, runInput);
      const list = invoke(S.listRepositories, H.listRepositories, sfn.TaskInput.fromObject({ run: sfn.JsonPath.objectAt('$.run'), tool: sfn.JsonPath.objectAt('$.tool') }), { resultPath: '$.repositories' });
      const repos = distributedMap(S.sweepRepositories, S.sweepRepositoriesBatch, H.sweepRepositories, '$.repositories.keys.repositories', repositoriesPerBatch, runInput);
      const report = invoke(S.report, H.report, undefined);
      const reportFailure = invoke(S.reportFailure, H.report, undefined, { resultPath: '$.report' });
      const lock = lockStates('HardPrune', start, collected, new sfn.Fail(this, S.failed, { stateName: S.failed, error: 'HardPruneFailed', causePath: '$.error.Error' }));
      reportFailure.next(lock.releaseAfterFailure);
      for (const s of [collected, mark, blobs, list, repos]) s.addCatch(reportFailure, catchAll);
      collected.next(mark).next(blobs).next(list).next(repos).next(report).next(lock.release);
      this.hardPrune = machine('HardPrune', machineNames.hardPrune, guard, 'Registry hard prune: collect, mark, sweep blob prefixes, sweep repositories, report (dry run unless confirm)');
    }

    // Fsck: check only, unless confirm: then lost manifests are recovered before the report.
    {
      const S = FSCK_STATE;
      // The first state: validates the input and takes the run lock (or the run is skipped).
      const start = invoke(S.start, F.start, startPayload);
      const collected = collect(S.collect);
      const state = { run: sfn.JsonPath.objectAt('$.run'), tool: sfn.JsonPath.objectAt('$.tool'), collected: sfn.JsonPath.objectAt('$.collected') };
      const expect = invoke(S.expect, F.expect, sfn.TaskInput.fromObject(state), { resultPath: '$.expected' });
      const batchInput = { 'run.$': '$.run', 'tool.$': '$.tool', 'collected.$': '$.collected' };
      const blobs = distributedMap(S.checkBlobs, S.checkBlobsBatch, F.checkBlobs, '$.expected.keys.prefixes', prefixesPerBatch, batchInput);
      const repos = distributedMap(S.checkRepositories, S.checkRepositoriesBatch, F.checkRepositories, '$.expected.keys.repositories', repositoriesPerBatch, batchInput);
      const report = invoke(S.report, F.report, undefined);
      const reportFailure = invoke(S.reportFailure, F.report, undefined, { resultPath: '$.report' });
      const lock = lockStates('Fsck', start, collected, new sfn.Fail(this, S.failed, { stateName: S.failed, error: 'FsckFailed', causePath: '$.error.Error' }));
      reportFailure.next(lock.releaseAfterFailure);
      report.next(lock.release);
      const recover = invoke(S.recover, F.recover, sfn.TaskInput.fromObject(state), { resultPath: '$.recovered' });
      // $.tool is the start task's validated copy of the input: confirm is there, and a boolean.
      const recoverChoice = new sfn.Choice(this, S.recoverChoice, { stateName: S.recoverChoice })
        .when(sfn.Condition.booleanEquals('$.tool.confirm', true), recover.next(report))
        .otherwise(report);
      for (const s of [collected, expect, blobs, repos, recover]) s.addCatch(reportFailure, catchAll);
      collected.next(expect).next(blobs).next(repos).next(recoverChoice);
      this.fsck = machine('Fsck', machineNames.fsck, start, 'Registry fsck: collect, compute expectations, check blob prefixes, check repositories, recover lost manifests when confirmed, report');
    }
    props.runLock.releaseWhenEnded(this, 'ReleaseRunLockWhenEnded', [this.hardPrune, this.fsck], functions.function(RUN_LOCK_TASKS.release));
    // The Maps' item readers and result writers read and write the artifacts bucket as the state machine: its KMS key too, when it has one.
    for (const m of [this.hardPrune, this.fsck]) props.artifactsBucket.encryptionKey?.grantEncryptDecrypt(m);
    this.functions = functions.all();
    this.taskStates = functions.states;
    this.failureAlarms = {
      hardPrune: failureAlarm(this, 'HardPruneFailed', this.hardPrune, 'A hard prune execution failed, timed out or was aborted; its report.json says why.', props.alarmTopic),
      fsck: failureAlarm(this, 'FsckFailed', this.fsck, 'An fsck execution failed, timed out or was aborted; its report.json says why.', props.alarmTopic),
    };
  }
}

/** The cdk-nag AwsSolutions findings of the construct that are deliberate, each with its reason. */
export function suppressStorageToolsFindings(tools: RegistryStorageTools): void {
  NagSuppressions.addResourceSuppressions(
    tools,
    [
      {
        id: 'AwsSolutions-IAM4',
        reason: 'AWSLambdaBasicExecutionRole / AWSLambdaVPCAccessExecutionRole are the minimal managed policies for writing function logs and attaching to a VPC.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole', 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Wildcards are scoped: run files under runs/* of the artifacts bucket, registry data under <root>/docker/registry/v2/*, Lambda invoke grants cover the function versions (:*), X-Ray and Distributed Map child executions have no narrower resource.',
      },
      { id: 'AwsSolutions-L1', reason: 'NODEJS_22_X is the newest Node.js runtime the project is tested on.' },
    ],
    true,
  );
}
