// The registry storage tools as state machines: "HardPrune" and "Fsck",
// started by hand (no schedule). Wiring only: what each task does lives in
// shared/workflow/storage-tools, the decisions in shared/core.
import { ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { prunerFunction, retry } from './pruner-function.js';
import type { RetryPolicy } from '../shared/workflow/contracts.js';
import { collectStateName, ENV, RETRY_ARTIFACTS, RETRY_COLLECT, RETRY_LAMBDA_SERVICE } from '../shared/workflow/contracts.js';
import { FSCK_STATE, HARD_PRUNE_STATE, REGISTRY_NOT_READ_ONLY, STORAGE_TOOL_GROUPS } from '../shared/workflow/storage-tools/contracts.js';


/** Props of {@link RegistryStorageTools}. */
export interface RegistryStorageToolsProps {
  /** The registry's storage bucket and the registry's `rootdirectory` in it. */
  registryStorage: { bucket: s3.IBucket; rootDirectory?: string };
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
}

type FunctionName =
  | 'collect'
  | 'hard-prune-start'
  | 'hard-prune-mark'
  | 'hard-prune-sweep-blobs'
  | 'hard-prune-list-repositories'
  | 'hard-prune-sweep-repositories'
  | 'hard-prune-report'
  | 'fsck-start'
  | 'fsck-expect'
  | 'fsck-check-blobs'
  | 'fsck-check-repositories'
  | 'fsck-recover'
  | 'fsck-report';

/**
 * Hard prune and fsck of the registry's storage as two Step Functions state
 * machines, "HardPrune" and "Fsck": collect Images and ImageStreams, mark (or
 * compute what fsck expects), a Distributed Map over the blob prefixes
 * `blobs/sha256/00`..`ff`, one over repositories, then a report. Both are dry
 * (check-only) unless the execution input says `confirm`; hard prune's confirm
 * also needs `registryReadOnlyConfirmed: true`, or a Choice ends the run;
 * fsck's confirm recovers lost manifests through the cluster API. The
 * start task of each refuses to run while another execution of the same state
 * machine is running.
 */
export class RegistryStorageTools extends Construct {
  readonly hardPrune: sfn.StateMachine;
  readonly fsck: sfn.StateMachine;
  readonly functions: Record<FunctionName, nodejs.NodejsFunction>;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RegistryStorageToolsProps) {
    super(scope, id);
    const mapConcurrency = props.mapConcurrency ?? 16;
    const prefixesPerBatch = props.prefixesPerBatch ?? 8;
    const repositoriesPerBatch = props.repositoriesPerBatch ?? 20;
    const root = (props.registryStorage.rootDirectory ?? '').replace(/^\/+|\/+$/g, '');
    const storageEnv = { [ENV.registryStorageBucket]: props.registryStorage.bucket.bucketName, [ENV.registryStorageRoot]: root };

    const fn = (name: FunctionName, env: Record<string, string>, timeout: Duration, memory: number, inVpc = false): nodejs.NodejsFunction =>
      prunerFunction(this, {
        name,
        timeout,
        memorySize: memory,
        environment: {
          [ENV.artifactsBucket]: props.artifactsBucket.bucketName,
          [ENV.serviceName]: 'image-pruner',
          ...env,
        },
        placement: inVpc ? props : undefined,
      });
    // Each start task refuses to run while another execution of its own state
    // machine runs. The ARNs are known before the machines exist (their names
    // are fixed here), so the start functions can be allowed to list those
    // executions without a dependency cycle (machine -> function -> machine).
    const stack = Stack.of(this);
    const baseName = Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    const machineNames = { hardPrune: `${baseName}-HardPrune`, fsck: `${baseName}-Fsck` };
    const machineArn = (name: string) => stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const hardPruneArn = machineArn(machineNames.hardPrune);
    const fsckArn = machineArn(machineNames.fsck);
    const min = (n: number) => Duration.minutes(n);
    this.functions = {
      collect: fn('collect', { [ENV.clusterSecretArn]: props.clusterSecret.secretArn }, min(15), 2048, true),
      'hard-prune-start': fn('hard-prune-start', { [ENV.stateMachineArn]: hardPruneArn }, min(1), 256),
      'hard-prune-mark': fn('hard-prune-mark', storageEnv, min(15), 3008),
      'hard-prune-sweep-blobs': fn('hard-prune-sweep-blobs', storageEnv, min(15), 2048),
      'hard-prune-list-repositories': fn('hard-prune-list-repositories', storageEnv, min(15), 1024),
      'hard-prune-sweep-repositories': fn('hard-prune-sweep-repositories', storageEnv, min(15), 2048),
      'hard-prune-report': fn('hard-prune-report', storageEnv, min(5), 1024),
      'fsck-start': fn('fsck-start', { [ENV.stateMachineArn]: fsckArn }, min(1), 256),
      'fsck-expect': fn('fsck-expect', storageEnv, min(15), 3008),
      'fsck-check-blobs': fn('fsck-check-blobs', storageEnv, min(15), 2048),
      'fsck-check-repositories': fn('fsck-check-repositories', storageEnv, min(15), 2048),
      // Writes Images and image streams: the cluster secret (and the VPC, for a private cluster) like collect.
      'fsck-recover': fn('fsck-recover', { ...storageEnv, [ENV.clusterSecretArn]: props.clusterSecret.secretArn }, min(15), 1024, true),
      'fsck-report': fn('fsck-report', storageEnv, min(5), 2048),
    };
    const f = this.functions;

    // Least privilege: reading storage for every storage task, deleting only for the two sweeps.
    f['hard-prune-start'].addToRolePolicy(new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [hardPruneArn] }));
    f['fsck-start'].addToRolePolicy(new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [fsckArn] }));
    props.clusterSecret.grantRead(f.collect);
    props.clusterSecret.grantRead(f['fsck-recover']);
    props.artifactsBucket.grantPut(f.collect, 'runs/*');
    const layout = `${root ? `${root}/` : ''}docker/registry/v2/*`;
    for (const name of Object.keys(f) as FunctionName[]) {
      if (name === 'collect' || name.endsWith('-start')) continue;
      props.artifactsBucket.grantRead(f[name], 'runs/*');
      props.artifactsBucket.grantPut(f[name], 'runs/*');
      props.registryStorage.bucket.grantRead(f[name], layout);
    }
    props.registryStorage.bucket.grantDelete(f['hard-prune-sweep-blobs'], layout);
    props.registryStorage.bucket.grantDelete(f['hard-prune-sweep-repositories'], layout);

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', { retention: logs.RetentionDays.SIX_MONTHS, removalPolicy: RemovalPolicy.DESTROY });

    const invoke = (stateName: string, name: FunctionName, payload: sfn.TaskInput | undefined, extra: Partial<tasks.LambdaInvokeProps> = {}): tasks.LambdaInvoke => {
      const t = new tasks.LambdaInvoke(this, stateName, {
        stateName,
        lambdaFunction: f[name],
        payload,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        taskTimeout: sfn.Timeout.duration(f[name].timeout ?? min(15)),
        ...extra,
      });
      retry(t, RETRY_LAMBDA_SERVICE);
      if (name !== 'collect' && !name.endsWith('-start')) retry(t, RETRY_ARTIFACTS);
      return t;
    };
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
        const t = new tasks.LambdaInvoke(this, `${stateName} ${group}`, {
          stateName: collectStateName(group),
          lambdaFunction: f.collect,
          payload: sfn.TaskInput.fromObject({ run: sfn.JsonPath.objectAt('$.run'), group }),
          payloadResponseOnly: true,
          retryOnServiceExceptions: false,
          taskTimeout: sfn.Timeout.duration(min(15)),
        });
        retry(t, RETRY_LAMBDA_SERVICE);
        retry(t, RETRY_COLLECT);
        retry(t, RETRY_ARTIFACTS);
        p.branch(t);
      }
      return p;
    };
    const distributedMap = (mapName: string, batchName: string, name: FunctionName, key: string, perBatch: number, batchInput: Record<string, string>): sfn.DistributedMap => {
      const map = new sfn.DistributedMap(this, mapName, {
        stateName: mapName,
        itemReader: new sfn.S3JsonItemReader({ bucket: props.artifactsBucket, key: sfn.JsonPath.stringAt(key) }),
        itemBatcher: new sfn.ItemBatcher({ maxItemsPerBatch: perBatch, batchInput }),
        maxConcurrency: mapConcurrency,
        // What each batch found or did is in the artifacts; the state keeps only keys and counts.
        resultPath: sfn.JsonPath.DISCARD,
        // No tolerated failure: a failed batch fails the Map and the run reports it (CDK drops an explicit 0).
      });
      map.itemProcessor(invoke(batchName, name, undefined));
      return map;
    };
    const catchAll = { errors: ['States.ALL'], resultPath: '$.error' };
    const machine = (id: string, stateMachineName: string, definition: sfn.IChainable, comment: string) =>
      new sfn.StateMachine(this, id, {
        stateMachineName,
        definitionBody: sfn.DefinitionBody.fromChainable(definition),
        stateMachineType: sfn.StateMachineType.STANDARD,
        timeout: Duration.hours(24),
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
      // The first Lambda state: validates the input and refuses to run twice (ConcurrentRunError, not caught).
      const start = invoke(S.start, 'hard-prune-start', startPayload);
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
      const mark = invoke(S.mark, 'hard-prune-mark', sfn.TaskInput.fromObject({ run: sfn.JsonPath.objectAt('$.run'), tool: sfn.JsonPath.objectAt('$.tool'), collected: sfn.JsonPath.objectAt('$.collected') }), { resultPath: '$.mark' });
      const runInput = { 'run.$': '$.run', 'tool.$': '$.tool' };
      const blobs = distributedMap(S.sweepBlobs, S.sweepBlobsBatch, 'hard-prune-sweep-blobs', '$.mark.keys.prefixes', prefixesPerBatch, runInput);
      const list = invoke(S.listRepositories, 'hard-prune-list-repositories', sfn.TaskInput.fromObject({ run: sfn.JsonPath.objectAt('$.run'), tool: sfn.JsonPath.objectAt('$.tool') }), { resultPath: '$.repositories' });
      const repos = distributedMap(S.sweepRepositories, S.sweepRepositoriesBatch, 'hard-prune-sweep-repositories', '$.repositories.keys.repositories', repositoriesPerBatch, runInput);
      const report = invoke(S.report, 'hard-prune-report', undefined);
      const reportFailure = invoke(S.reportFailure, 'hard-prune-report', undefined, { resultPath: '$.report' });
      reportFailure.next(new sfn.Fail(this, S.failed, { stateName: S.failed, error: 'HardPruneFailed', causePath: '$.error.Error' }));
      for (const s of [collected, mark, blobs, list, repos]) s.addCatch(reportFailure, catchAll);
      start.next(collected).next(mark).next(blobs).next(list).next(repos).next(report);
      this.hardPrune = machine('HardPrune', machineNames.hardPrune, guard, 'Registry hard prune: collect, mark, sweep blob prefixes, sweep repositories, report (dry run unless confirm)');
    }

    // Fsck: check only, unless confirm: then lost manifests are recovered before the report.
    {
      const S = FSCK_STATE;
      // The first state: validates the input and refuses to run twice (ConcurrentRunError, not caught).
      const start = invoke(S.start, 'fsck-start', startPayload);
      const collected = collect(S.collect);
      const state = { run: sfn.JsonPath.objectAt('$.run'), tool: sfn.JsonPath.objectAt('$.tool'), collected: sfn.JsonPath.objectAt('$.collected') };
      const expect = invoke(S.expect, 'fsck-expect', sfn.TaskInput.fromObject(state), { resultPath: '$.expected' });
      const batchInput = { 'run.$': '$.run', 'tool.$': '$.tool', 'collected.$': '$.collected' };
      const blobs = distributedMap(S.checkBlobs, S.checkBlobsBatch, 'fsck-check-blobs', '$.expected.keys.prefixes', prefixesPerBatch, batchInput);
      const repos = distributedMap(S.checkRepositories, S.checkRepositoriesBatch, 'fsck-check-repositories', '$.expected.keys.repositories', repositoriesPerBatch, batchInput);
      const report = invoke(S.report, 'fsck-report', undefined);
      const reportFailure = invoke(S.reportFailure, 'fsck-report', undefined, { resultPath: '$.report' });
      reportFailure.next(new sfn.Fail(this, S.failed, { stateName: S.failed, error: 'FsckFailed', causePath: '$.error.Error' }));
      const recover = invoke(S.recover, 'fsck-recover', sfn.TaskInput.fromObject(state), { resultPath: '$.recovered' });
      // $.tool is the start task's validated copy of the input: confirm is there, and a boolean.
      const recoverChoice = new sfn.Choice(this, S.recoverChoice, { stateName: S.recoverChoice })
        .when(sfn.Condition.booleanEquals('$.tool.confirm', true), recover.next(report))
        .otherwise(report);
      for (const s of [collected, expect, blobs, repos, recover]) s.addCatch(reportFailure, catchAll);
      start.next(collected).next(expect).next(blobs).next(repos).next(recoverChoice);
      this.fsck = machine('Fsck', machineNames.fsck, start, 'Registry fsck: collect, compute expectations, check blob prefixes, check repositories, recover lost manifests when confirmed, report');
    }
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
