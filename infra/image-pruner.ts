// The reusable construct: the prune workflow of docs/workflow.md as a Step Functions
// state machine with one Lambda per task, a schedule, logs, an alarm and a
// dashboard. Wiring only: what each task does lives in shared/workflow.
import { ArnFormat, Duration, Names, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
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
import { RESOURCE_GROUPS } from '../shared/core/kinds.js';
import type { DeletionKind } from '../shared/workflow/contracts.js';
import { parseImagePrunerProps } from '../shared/workflow/schemas/construct-props.js';
import { parseDeployedRegistryUrl } from '../shared/workflow/schemas/registry-url.js';
import { collectStateName, DELETION_STEPS, STATE } from '../shared/workflow/contracts.js';
import { ERROR } from '../shared/workflow/errors.js';
import { BATCH_TASKS, PRUNE_TASKS } from '../shared/workflow/tables/prune.js';
import type { AnyTask } from '../shared/workflow/task.js';
import { failureAlarm } from './failure-alarm.js';
import { TaskFunctions } from './task-function.js';


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
  /** PEM of the CA that signed the registry's certificate, when not a public CA. */
  registryCa?: string;
  /** Secrets Manager secret with `{"username","password"}` or `{"token"}` for the registry. */
  registrySecret?: secretsmanager.ISecret;
  /** The registry's storage bucket: blobs are deleted there (plain distribution without the admin endpoint). */
  registryStorage?: { bucket: s3.IBucket; rootDirectory?: string };
  /** Secrets Manager secret with `{"server","token","certificateAuthority"?}` for the cluster API. */
  clusterSecret: secretsmanager.ISecret;
  /** VPC placement for private clusters and registries. */
  vpc?: ec2.IVpc;
  vpcSubnets?: ec2.SubnetSelection;
  securityGroups?: ec2.ISecurityGroup[];
  /** Child executions of each Distributed Map at once (default 10). */
  mapConcurrency?: number;
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

  constructor(scope: Construct, id: string, props: ImagePrunerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const namespace = props.metricsNamespace ?? 'ImagePruner';
    // A bad prop fails synth with one line naming it, not a run months later.
    const settings = parseImagePrunerProps(props);
    if (props.registryUrl !== undefined) parseDeployedRegistryUrl(props.registryUrl);
    const { batchSize, mapConcurrency, defaults } = settings;

    this.artifactsBucket = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: false,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ prefix: 'runs/', expiration: Duration.days(settings.artifactRetentionDays) }],
    });

    // The state machine's ARN is known before it exists, so the guard function
    // can be allowed to list its executions without a dependency cycle.
    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 80, separator: '-' });
    const stateMachineArn = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });

    const functions = new TaskFunctions(this, {
      artifactsBucket: this.artifactsBucket,
      clusterSecret: props.clusterSecret,
      registry: { url: props.registryUrl, ca: props.registryCa, secret: props.registrySecret },
      forceInsecure: settings.forceInsecure,
      registryStorage: props.registryStorage,
      settings: { defaults, itemConcurrency: settings.itemConcurrency },
      metricsNamespace: namespace,
      placement: props,
    });
    const T = PRUNE_TASKS;
    const invoke = (stateName: string, task: AnyTask, payload: sfn.TaskInput | undefined, extra: Parameters<TaskFunctions['invoke']>[3] = {}) =>
      functions.invoke(stateName, task, payload, { lockArn: stateMachineArn, ...extra });

    // 1 Refuse to run twice (also validates the execution input and fills in defaults).
    const refuse = invoke(
      STATE.refuseSecondRun,
      T.refuseSecondRun,
      sfn.TaskInput.fromObject({
        input: sfn.JsonPath.objectAt('$$.Execution.Input'),
        executionId: sfn.JsonPath.stringAt('$$.Execution.Id'),
        executionName: sfn.JsonPath.stringAt('$$.Execution.Name'),
        startTime: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
      }),
      { resultSelector: { 'run.$': '$' } },
    );

    // 2 Collect: one Lambda per resource group, at the same time.
    const collect = new sfn.Parallel(this, STATE.collect, { stateName: STATE.collect, resultPath: '$.collected' });
    for (const group of RESOURCE_GROUPS) {
      collect.branch(invoke(collectStateName(group), T.collect, sfn.TaskInput.fromObject({ run: sfn.JsonPath.objectAt('$.run'), group })));
    }

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
    reportFailure.next(failed);

    // 5 Registry health.
    // The registry-using tasks are handed the URL "Find the registry" chose; their ports are made for it.
    const health = invoke(
      STATE.checkHealth,
      T.checkHealth,
      sfn.TaskInput.fromObject({ run: sfn.JsonPath.objectAt('$.run'), registryUrl: sfn.JsonPath.stringAt('$.registry.url') }),
      { resultPath: sfn.JsonPath.DISCARD },
    );

    const distributedMap = (kind: DeletionKind, resultPath?: string): sfn.DistributedMap => {
      const step = DELETION_STEPS[kind];
      const map = new sfn.DistributedMap(this, step.map, {
        stateName: step.map,
        itemReader: new sfn.S3JsonItemReader({ bucket: this.artifactsBucket, key: sfn.JsonPath.stringAt(`$.plan.keys.${kind}`) }),
        // BatchInput is rendered as given, so the JSONPath key is spelt out.
        itemBatcher: new sfn.ItemBatcher({
          maxItemsPerBatch: batchSize,
          batchInput: { 'runId.$': '$.run.runId', kind, ...(REGISTRY_KINDS.includes(kind) ? { 'registryUrl.$': '$.registry.url' } : {}) },
        }),
        maxConcurrency: mapConcurrency,
        // No tolerated failure: one failed batch fails the Map (CDK drops an explicit 0).
        ...(resultPath ? { resultPath } : {}),
      });
      map.itemProcessor(invoke(step.batch, BATCH_TASKS[kind], undefined));
      return map;
    };

    // 6 Registry links: layer links and manifest links at the same time.
    const links = new sfn.Parallel(this, STATE.deleteRegistryLinks, {
      stateName: STATE.deleteRegistryLinks,
      resultSelector: { 'layerLinks.$': '$[0]', 'manifests.$': '$[1]' },
      resultPath: '$.deleted',
    });
    links.branch(distributedMap('layerLinks'));
    links.branch(distributedMap('manifests'));

    // 7 Blobs, only after every link is gone: a registry refuses to unlink a
    // layer or manifest whose blob is already deleted (docs/rules.md, "Carrying it out").
    const blobs = distributedMap('blobs', '$.deleted.blobs');

    // 8 and 9: streams, then Images, each only after everything before succeeded.
    const streams = distributedMap('streamUpdates', '$.updated');
    const images = distributedMap('images', '$.imagesDeleted');

    const dryRun = new sfn.Choice(this, STATE.dryRun, { stateName: STATE.dryRun })
      .when(sfn.Condition.booleanEquals('$.run.options.confirm', true), health)
      .otherwise(report);

    const catchAll = { errors: ['States.ALL'], resultPath: '$.error' };
    for (const s of [collect, findRegistry, plan, health, links, blobs, streams, images]) s.addCatch(reportFailure, catchAll);

    const definition = refuse.next(collect).next(findRegistry).next(plan).next(dryRun);
    health.next(links).next(blobs).next(streams).next(images).next(report);

    this.functions = functions.all();
    this.taskStates = functions.states;

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', { retention: logs.RetentionDays.SIX_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.hours(12),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'OpenShift image pruning: collect, plan, delete registry links, then blobs, update streams, delete images, report',
    });

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
