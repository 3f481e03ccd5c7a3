// The reusable construct: the prune workflow of docs/workflow.md as a Step Functions
// state machine with one Lambda per task, a schedule, logs, an alarm and a
// dashboard. Wiring only: what each task does lives in shared/workflow.
import { Duration, Names, RemovalPolicy, TimeZone } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { RESOURCE_GROUPS, type ResourceGroup } from '../shared/core/kinds.js';
import type { DeletionKind } from '../shared/workflow/contracts.js';
import { parseImagePrunerProps } from '../shared/workflow/schemas/construct-props.js';
import { parseDeployedRegistryUrl } from '../shared/workflow/schemas/registry-url.js';
import { collectStateName, DELETION_STEPS, recollectStateName, STATE } from '../shared/workflow/contracts.js';
import { ERROR } from '../shared/workflow/errors.js';
import { InvalidInputError } from '../shared/errors.js';
import { BATCH_TASKS, PRUNE_TASKS } from '../shared/workflow/tables/prune.js';
import type { AnyTask } from '../shared/workflow/task.js';
import { leaseSecondsFor, LOCK_STATE, RUN_TIMEOUT_SECONDS } from '../shared/workflow/run-lock.js';
import { RUN_LOCK_TASKS } from '../shared/workflow/tables/run-lock.js';
import { RunLock } from './run-lock.js';
import { failureAlarm } from './failure-alarm.js';
import { resultWritingMap } from './result-writer.js';
import { MAX_BATCH_INPUT_BYTES } from '../shared/workflow/map-results.js';
import { TaskFunctions, type RegistryStorageWiring } from './task-function.js';
import { PrunerVpcEndpoints } from './vpc-endpoints.js';


/** The deletion kinds whose batches talk to the registry (blobs may, when they are not deleted in storage). */
const REGISTRY_KINDS: readonly DeletionKind[] = ['layerLinks', 'manifests', 'blobs'];

/** When and whether the workflow runs by itself. */
export interface PruneSchedule {
  /** An EventBridge Scheduler cron expression, e.g. `cron(0 3 ? * SUN *)`. */
  cron: string;
  /** IANA time zone the cron is read in (default UTC). */
  timeZone?: string;
  /** Default true; false keeps the schedule but pauses it. */
  enabled?: boolean;
}

/** Props of {@link ImagePruner}; the prune options are the defaults of every execution. */
export interface ImagePrunerProps {
  /** Runs on a schedule when given; otherwise only on demand. */
  schedule?: PruneSchedule;
  keepTagRevisions?: number;
  /** Duration such as `60m`. */
  keepYoungerThan?: string;
  all?: boolean;
  ignoreInvalidRefs?: boolean;
  /**
   * Over-size mode (`--prune-over-size-limit`): revisions and images over their
   * namespace's LimitRange of type `openshift.io/Image` go, whatever their age
   * or position. Not with keepTagRevisions or keepYoungerThan (default false).
   */
  pruneOverSizeLimit?: boolean;
  /** Trim only this namespace's image streams and delete no Image (`--namespace`; default: every namespace). */
  namespace?: string;
  /**
   * false (`--prune-registry=false`): no registry is contacted; only image
   * streams and Images change, and a hard prune reclaims the storage later
   * (default true).
   */
  pruneRegistry?: boolean;
  /**
   * Batches deleted at once (`--num-workers`): each deletion Map's
   * MaxConcurrency, read from the run's options (default 10; each batch keeps
   * up to {@link itemConcurrency} deletes in flight). Replaces mapConcurrency.
   */
  numWorkers?: number;
  /** Whether scheduled runs delete (default false: scheduled runs are dry runs). */
  confirm?: boolean;
  /**
   * The registry's URL, e.g. `https://registry.example.com`; `http://` (plain
   * http) needs {@link forceInsecure}; a cluster-internal `*.svc` host is
   * refused at synth. When absent, each run finds the registry's route in the
   * image streams' `status.publicDockerImageRepository` ("Find the registry").
   */
  registryUrl?: string;
  /**
   * Allow credentials over plain http: an `http://` registryUrl, and an
   * `http://` server in the cluster secret; also skips the registry's TLS
   * verification (as `--force-insecure`). Default false: synth refuses an
   * `http://` registryUrl without it.
   */
  forceInsecure?: boolean;
  /**
   * Secrets Manager secret with `{"username","password"}` or `{"token"}` for the
   * registry, and `"certificateAuthority"` (PEM) when its certificate is not
   * from a public CA. Without it the cluster token is sent, and the CA is the
   * cluster secret's `"registryCertificateAuthority"`.
   */
  registrySecret?: secretsmanager.ISecret;
  /**
   * The registry's storage bucket: blobs are deleted there (plain distribution
   * without the admin endpoint); `encryptionKey` when the bucket uses SSE-KMS.
   */
  registryStorage?: RegistryStorageWiring;
  /** Secrets Manager secret with `{"server","token","certificateAuthority"?}` for the cluster API. */
  clusterSecret: secretsmanager.ISecret;
  /** VPC placement for private clusters and registries. */
  vpc?: ec2.IVpc;
  vpcSubnets?: ec2.SubnetSelection;
  securityGroups?: ec2.ISecurityGroup[];
  /**
   * Create the VPC endpoints the functions placed in {@link vpc} call (S3 and
   * DynamoDB gateways; Secrets Manager and Step Functions interface endpoints,
   * each only when some function there calls it), for a VPC without NAT.
   * Default false: the VPC already reaches AWS (NAT or its own endpoints).
   * The storage tools' functions call no other service, so one set serves both
   * constructs; create it once per VPC (two interface endpoints of one service
   * with private DNS in one VPC fail to deploy).
   */
  vpcEndpoints?: boolean;
  /** A customer-managed KMS key for the artifacts bucket (default: S3-managed keys). */
  artifactsEncryptionKey?: kms.IKey;
  /** Items per batch task (default 100). */
  batchSize?: number;
  /** Items in flight inside one batch task (default 8). */
  itemConcurrency?: number;
  /** Notified when an execution fails or times out. */
  alarmTopic?: sns.ITopic;
  /** Days run artifacts are kept (default 90). */
  artifactRetentionDays?: number;
  /** Namespace of the per-run metrics (default `ImagePruner`). */
  metricsNamespace?: string;
  /**
   * The run lock of the registry, when another construct made it; default a
   * new one ({@link ImagePruner.runLock}), to give to RegistryStorageTools.
   */
  runLock?: RunLock;
}

/**
 * The image prune workflow: Step Functions state machine "ImagePruner" and
 * its functions, artifacts bucket, schedule, logs, alarm and dashboard.
 */
export class ImagePruner extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly artifactsBucket: s3.Bucket;
  /** The functions, by task id (shared/workflow/tables/prune.ts). */
  readonly functions: Record<string, nodejs.NodejsFunction>;
  /** Each Lambda task state and the task-table row it runs (the local runner binds by this). */
  readonly taskStates: ReadonlyMap<string, AnyTask>;
  readonly failureAlarm: cloudwatch.Alarm;
  readonly logGroup: logs.LogGroup;
  readonly schedule?: scheduler.Schedule;
  /** Schedule starts that failed after their retries. */
  readonly scheduleDeadLetterQueue?: sqs.Queue;
  readonly dashboard: cloudwatch.Dashboard;
  /** The VPC endpoints, when {@link ImagePrunerProps.vpcEndpoints} asked for them. */
  readonly vpcEndpoints?: PrunerVpcEndpoints;
  /** One run at a time on the registry: shared with RegistryStorageTools (props.runLock). */
  readonly runLock: RunLock;

  constructor(scope: Construct, id: string, props: ImagePrunerProps) {
    super(scope, id);
    const namespace = props.metricsNamespace ?? 'ImagePruner';
    // A bad prop fails synth with one line naming it, not a run months later.
    const settings = parseImagePrunerProps(props);
    if (props.registryUrl !== undefined) parseDeployedRegistryUrl(props.registryUrl);
    // Known without a lookup, so refused at synth rather than found on the first run.
    if (props.vpcEndpoints && !props.vpc) throw new InvalidInputError('ImagePruner props.vpcEndpoints: needs props.vpc (the VPC the endpoints go in)');
    const { batchSize, defaults } = settings;

    this.artifactsBucket = new s3.Bucket(this, 'Artifacts', {
      ...(props.artifactsEncryptionKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: props.artifactsEncryptionKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: false,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ prefix: 'runs/', expiration: Duration.days(settings.artifactRetentionDays) }],
    });

    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 80, separator: '-' });
    this.runLock = props.runLock ?? new RunLock(this, 'RunLock');

    const functions = new TaskFunctions(this, {
      artifactsBucket: this.artifactsBucket,
      clusterSecret: props.clusterSecret,
      registry: { url: props.registryUrl, secret: props.registrySecret },
      forceInsecure: settings.forceInsecure,
      registryStorage: props.registryStorage,
      settings: { defaults, itemConcurrency: settings.itemConcurrency },
      metricsNamespace: namespace,
      placement: props,
      runLock: this.runLock,
    });
    const T = PRUNE_TASKS;
    const invoke = (stateName: string, task: AnyTask, payload: sfn.TaskInput | undefined, extra: Parameters<TaskFunctions['invoke']>[3] = {}) =>
      functions.invoke(stateName, task, payload, extra);

    // 1 Refuse to run twice: validates the execution input, fills in defaults and
    // takes the run lock for as long as the execution may run; while another
    // execution holds it, the run ends "skipped" (Succeed, not Fail: nobody is paged).
    const refuse = invoke(
      STATE.refuseSecondRun,
      T.refuseSecondRun,
      sfn.TaskInput.fromObject({
        input: sfn.JsonPath.objectAt('$$.Execution.Input'),
        executionId: sfn.JsonPath.stringAt('$$.Execution.Id'),
        executionName: sfn.JsonPath.stringAt('$$.Execution.Name'),
        startTime: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
      }),
      { lockLeaseSeconds: leaseSecondsFor(RUN_TIMEOUT_SECONDS.prune) },
    );
    const skipped = new sfn.Succeed(this, LOCK_STATE.skipped, { stateName: LOCK_STATE.skipped, outputPath: '$.skipped' });
    const held = new sfn.Choice(this, LOCK_STATE.held, { stateName: LOCK_STATE.held });
    // Released on both endings; a release task that fails after its retries still ends the
    // run as failed, where the EventBridge rule below releases the lock.
    const releasePayload = sfn.TaskInput.fromObject({ executionId: sfn.JsonPath.stringAt('$$.Execution.Id') });
    const release = invoke(LOCK_STATE.release, RUN_LOCK_TASKS.release, releasePayload, { resultPath: sfn.JsonPath.DISCARD });
    const releaseAfterFailure = invoke(LOCK_STATE.releaseAfterFailure, RUN_LOCK_TASKS.release, releasePayload, { resultPath: sfn.JsonPath.DISCARD });

    // 2 Collect: one Lambda per resource group, at the same time. A list too
    // long for one invocation (a million Images) is read by several in a row:
    // an unfinished one returns the next one's event, with `resume`.
    const collectBranch = (stateName: string, group: ResourceGroup, again: boolean): sfn.IChainable => {
      const task = invoke(
        stateName,
        T.collect,
        sfn.TaskInput.fromObject({ run: sfn.JsonPath.objectAt('$.run'), group, ...(again ? { again: true } : {}), resume: sfn.JsonPath.objectAt('$.resume') }),
      );
      const more = new sfn.Choice(this, `${stateName}: more to list?`, { stateName: `${stateName}: more to list?` });
      const listed = new sfn.Succeed(this, `${stateName}: listed`, { stateName: `${stateName}: listed` });
      return task.next(more.when(sfn.Condition.isPresent('$.resume'), task).otherwise(listed));
    };
    // Each branch starts with `resume` false: from the start (CDK leaves out a null).
    const branchInput = { run: sfn.JsonPath.objectAt('$.run'), resume: false };
    const collect = new sfn.Parallel(this, STATE.collect, { stateName: STATE.collect, resultPath: '$.collected', parameters: branchInput });
    for (const group of RESOURCE_GROUPS) collect.branch(collectBranch(collectStateName(group), group, false));

    // 3 The registry: the registryUrl prop, else the route the streams name ($.registry).
    const findRegistry = invoke(
      STATE.findRegistry,
      T.findRegistry,
      sfn.TaskInput.fromObject({ run: sfn.JsonPath.objectAt('$.run'), collected: sfn.JsonPath.objectAt('$.collected') }),
      { resultPath: '$.registry' },
    );

    // 4 Plan.
    const plan = invoke(
      STATE.computePlan,
      T.computePlan,
      sfn.TaskInput.fromObject({ run: sfn.JsonPath.objectAt('$.run'), collected: sfn.JsonPath.objectAt('$.collected') }),
      { resultPath: '$.plan' },
    );

    // 10 Report, for both endings.
    // No payload: the whole state is the input.
    const report = invoke(STATE.report, T.report, undefined);
    const reportFailure = invoke(STATE.reportFailure, T.report, undefined, { resultPath: '$.report' });
    const failed = new sfn.Fail(this, STATE.failed, {
      stateName: STATE.failed,
      error: 'PruneFailed',
      causePath: '$.error.Error',
    });
    reportFailure.next(releaseAfterFailure).next(failed);
    // The run's own failure is what the Fail state reports, even when the release failed too.
    releaseAfterFailure.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.releaseError' });

    // 5 Registry health.
    // The registry-using tasks are handed the URL "Find the registry" chose; their ports are made for it.
    const health = invoke(
      STATE.checkHealth,
      T.checkHealth,
      sfn.TaskInput.fromObject({ run: sfn.JsonPath.objectAt('$.run'), registryUrl: sfn.JsonPath.stringAt('$.registry.url') }),
      { resultPath: sfn.JsonPath.DISCARD },
    );

    // 5b The race guard (docs/rules.md, "Carrying it out"): every list but
    // Images read again, planned again; `$.plan` becomes what both plans delete.
    const recollect = new sfn.Parallel(this, STATE.recollect, { stateName: STATE.recollect, resultPath: '$.recollected', parameters: branchInput });
    for (const group of RESOURCE_GROUPS.filter((g) => g !== 'images')) recollect.branch(collectBranch(recollectStateName(group), group, true));
    const recheck = invoke(
      STATE.recheckPlan,
      T.recheckPlan,
      sfn.TaskInput.fromObject({
        run: sfn.JsonPath.objectAt('$.run'),
        collected: sfn.JsonPath.objectAt('$.collected'),
        recollected: sfn.JsonPath.objectAt('$.recollected'),
        plan: sfn.JsonPath.objectAt('$.plan'),
      }),
      { resultPath: '$.plan' },
    );
    recollect.next(recheck);

    // Each Map's results (one per batch) go to runs/<id>/map-results/<map>/ in
    // the artifacts bucket, none into the state: "Report" reads them there.
    const distributedMap = (kind: DeletionKind): sfn.DistributedMap => {
      const step = DELETION_STEPS[kind];
      const map = resultWritingMap(this, step.map, this.artifactsBucket, {
        stateName: step.map,
        itemReader: new sfn.S3JsonItemReader({ bucket: this.artifactsBucket, key: sfn.JsonPath.stringAt(`$.plan.keys.${kind}`) }),
        // BatchInput is rendered as given, so the JSONPath key is spelt out.
        // Cut by bytes too: items differ in size (a stream update up to 64 KiB).
        itemBatcher: new sfn.ItemBatcher({
          maxItemsPerBatch: batchSize,
          maxInputBytesPerBatch: MAX_BATCH_INPUT_BYTES,
          batchInput: { 'runId.$': '$.run.runId', kind, ...(REGISTRY_KINDS.includes(kind) ? { 'registryUrl.$': '$.registry.url' } : {}) },
        }),
        // --num-workers: the run's options hold it (the execution input's, else the props' default).
        maxConcurrencyPath: '$.run.options.numWorkers',
        // No tolerated failure: one failed batch fails the Map (CDK drops an explicit 0).
      });
      map.itemProcessor(invoke(step.batch, BATCH_TASKS[kind], undefined));
      return map;
    };

    // 6 Registry links: layer links and manifest links at the same time.
    const links = new sfn.Parallel(this, STATE.deleteRegistryLinks, {
      stateName: STATE.deleteRegistryLinks,
      // Each branch ends with the state it was given; the state goes on unchanged.
      resultPath: sfn.JsonPath.DISCARD,
    });
    links.branch(distributedMap('layerLinks'));
    links.branch(distributedMap('manifests'));

    // 7 Blobs, only after every link is gone: a registry refuses to unlink a
    // layer or manifest whose blob is already deleted (docs/rules.md, "Carrying it out").
    const blobs = distributedMap('blobs');

    // 8 and 9: streams, then Images, each only after everything before succeeded.
    const streams = distributedMap('streamUpdates');
    const images = distributedMap('images');

    const dryRun = new sfn.Choice(this, STATE.dryRun, { stateName: STATE.dryRun })
      .when(sfn.Condition.booleanEquals('$.run.options.confirm', true), health)
      .otherwise(report);

    const catchAll = { errors: ['States.ALL'], resultPath: '$.error' };
    for (const s of [collect, findRegistry, plan, health, recollect, recheck, links, blobs, streams, images]) s.addCatch(reportFailure, catchAll);

    const definition = refuse.next(held.when(sfn.Condition.isPresent('$.skipped'), skipped).otherwise(collect));
    collect.next(findRegistry).next(plan).next(dryRun);
    health.next(recollect);
    recheck.next(links).next(blobs).next(streams).next(images).next(report);
    report.next(release);

    this.functions = functions.all();
    this.taskStates = functions.states;
    if (props.vpcEndpoints) {
      this.vpcEndpoints = new PrunerVpcEndpoints(this, 'VpcEndpoints', { vpc: props.vpc!, subnets: props.vpcSubnets, services: functions.vpcServices });
    }

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', { retention: logs.RetentionDays.SIX_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      // The run lock's lease is this and a margin (shared/workflow/run-lock.ts).
      timeout: Duration.seconds(RUN_TIMEOUT_SECONDS.prune),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'OpenShift image pruning: collect, plan, delete registry links, then blobs, update streams, delete images, report',
    });
    // The Maps' item readers and result writers act as the state machine: with a KMS key on the bucket, they need it too.
    props.artifactsEncryptionKey?.grantEncryptDecrypt(this.stateMachine);

    this.runLock.releaseWhenEnded(this, 'ReleaseRunLockWhenEnded', [this.stateMachine], functions.function(RUN_LOCK_TASKS.release));

    if (props.schedule) {
      // A start the Scheduler cannot make (throttled, the machine gone) is retried
      // twice within the hour, then kept in a queue instead of 185 tries over a day.
      this.scheduleDeadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetters', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      this.schedule = new scheduler.Schedule(this, 'Schedule', {
        schedule: scheduler.ScheduleExpression.expression(props.schedule.cron, props.schedule.timeZone ? TimeZone.of(props.schedule.timeZone) : undefined),
        target: new targets.StepFunctionsStartExecution(this.stateMachine, {
          input: scheduler.ScheduleTargetInput.fromObject({}),
          deadLetterQueue: this.scheduleDeadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
        enabled: props.schedule.enabled ?? true,
        description: 'Scheduled image prune (options: the construct defaults)',
      });
    }

    this.failureAlarm = failureAlarm(this, 'FailedRuns', this.stateMachine, 'An image prune execution failed, timed out or was aborted; its report.json says why.', props.alarmTopic);

    const metric = (name: string, statistic = 'Sum') =>
      new cloudwatch.Metric({ namespace, metricName: name, dimensionsMap: { service: 'image-pruner' }, statistic, period: Duration.days(1) });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(30) });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Executions', left: [this.stateMachine.metricSucceeded(), this.stateMachine.metricFailed(), this.stateMachine.metricTimedOut()] }),
      new cloudwatch.GraphWidget({ title: 'Planned per run', left: ['ImagesPlanned', 'RevisionsPlanned', 'LinksPlanned', 'BlobsPlanned'].map((m) => metric(m)) }),
      new cloudwatch.GraphWidget({ title: 'Deleted per run', left: ['ImagesDeleted', 'LinksDeleted', 'BlobsDeleted', 'Failures'].map((m) => metric(m)) }),
      new cloudwatch.GraphWidget({ title: 'Bytes', left: [metric('BytesReclaimable'), metric('BytesReclaimed')] }),
    );
  }
}

/** The error names the construct's Retry and Catch rules reference (for the contract test). */
export const MATCHED_ERRORS = [...new Set([...Object.values(PRUNE_TASKS).flatMap((t) => t.retry.flatMap((r) => r.errors)), ERROR.batchFailed])];
