// The synthesized stack: what matters about it, asserted on the template, and
// cdk-nag's AwsSolutions pack with every finding fixed or justified.
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DELETION_STEPS, ERROR, STATE } from '../../shared/workflow/contracts.js';
import { MAX_BATCH_INPUT_BYTES, mapResultsPrefix } from '../../shared/workflow/map-results.js';
import { LOCK_STATE } from '../../shared/workflow/run-lock.js';
import { synthApp } from './synth.js';

type Asl = { StartAt: string; States: Record<string, Record<string, unknown>> };

/** The state machine definition with CloudFormation intrinsics replaced by placeholders. */
function definitionOf(template: Template): Asl {
  const sms = template.findResources('AWS::StepFunctions::StateMachine');
  const [sm] = Object.values(sms) as { Properties: { DefinitionString: unknown } }[];
  const flatten = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const o = v as Record<string, unknown>;
    if (o['Fn::Join']) return (o['Fn::Join'] as [string, unknown[]])[1].map(flatten).join('');
    if (o['Fn::GetAtt']) return `\${${(o['Fn::GetAtt'] as string[])[0]}}`;
    if (o.Ref) return `\${${String(o.Ref)}}`;
    throw new Error(`unexpected intrinsic ${JSON.stringify(v)}`);
  };
  return JSON.parse(flatten(sm.Properties.DefinitionString)) as Asl;
}

describe('the ImagePruner stack', () => {
  let template: Template;
  let stack: Stack;
  let asl: Asl;
  beforeAll(() => {
    ({ template, stack } = synthApp({ scheduleEnabled: 'true', scheduleCron: 'cron(0 4 ? * SAT *)', scheduleTimeZone: 'Europe/Berlin' }));
    asl = definitionOf(template);
  });

  it('schedules executions with EventBridge Scheduler in the given time zone', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 4 ? * SAT *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: Match.anyValue() }),
    });
  });

  it('starts by taking the run lock (or skipping), then collects every group in parallel, then finds the registry, then plans', () => {
    expect(asl.StartAt).toBe(STATE.refuseSecondRun);
    expect(asl.States[STATE.refuseSecondRun].Next).toBe(LOCK_STATE.held);
    expect(asl.States[LOCK_STATE.held]).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.skipped', IsPresent: true, Next: LOCK_STATE.skipped }], Default: STATE.collect });
    const collect = asl.States[STATE.collect] as { Type: string; Branches: Asl[]; Next: string };
    expect(collect.Type).toBe('Parallel');
    expect(collect.Branches.map((b) => b.StartAt)).toEqual(['Collect images', 'Collect imagestreams', 'Collect pods', 'Collect workloads', 'Collect builds']);
    expect(collect.Next).toBe(STATE.findRegistry);
    expect(asl.States[STATE.findRegistry]).toMatchObject({ Type: 'Task', Parameters: { 'run.$': '$.run', 'collected.$': '$.collected' }, ResultPath: '$.registry', Next: STATE.computePlan });
  });

  it('hands the registry "Find the registry" chose to the health check and to the batches that talk to the registry', () => {
    expect(asl.States[STATE.checkHealth]).toMatchObject({ Parameters: { 'run.$': '$.run', 'registryUrl.$': '$.registry.url' } });
    const batchInputs = JSON.stringify(asl);
    for (const kind of ['layerLinks', 'manifests', 'blobs']) expect(batchInputs).toContain(`"BatchInput":{"runId.$":"$.run.runId","kind":"${kind}","registryUrl.$":"$.registry.url"}`);
    for (const kind of ['streamUpdates', 'images']) expect(batchInputs).toContain(`"BatchInput":{"runId.$":"$.run.runId","kind":"${kind}"}`);
  });

  it('guards every deletion behind the Choice on confirm; a dry run goes straight to the report', () => {
    const choice = asl.States[STATE.dryRun] as { Type: string; Choices: { Variable: string; BooleanEquals: boolean; Next: string }[]; Default: string };
    expect(choice.Type).toBe('Choice');
    expect(choice.Choices).toEqual([{ Variable: '$.run.options.confirm', BooleanEquals: true, Next: STATE.checkHealth }]);
    expect(choice.Default).toBe(STATE.report);
  });

  it('deletes layer and manifest links (two Distributed Maps at once), then blobs, then streams, then images, each Map reading its plan file in batches', () => {
    const links = asl.States[STATE.deleteRegistryLinks] as { Type: string; Branches: Asl[]; Next: string; ResultSelector: unknown; ResultPath: string };
    expect(links.Type).toBe('Parallel');
    expect(links.Branches.map((b) => b.StartAt)).toEqual([DELETION_STEPS.layerLinks.map, DELETION_STEPS.manifests.map]);
    // Nothing of the Maps' results is kept in the state: they are in S3.
    expect(links.ResultPath).toBeNull();
    expect(links.ResultSelector).toBeUndefined();
    // Blobs only after every link: a registry refuses to unlink a layer or manifest whose blob is gone.
    expect(links.Next).toBe(STATE.deleteBlobs);
    expect(asl.States[STATE.deleteBlobs]).toMatchObject({ Next: STATE.updateStreams });
    const maps = [...links.Branches.map((b) => b.States[b.StartAt]), asl.States[STATE.deleteBlobs], asl.States[STATE.updateStreams], asl.States[STATE.deleteImages]];
    const names = [DELETION_STEPS.layerLinks.map, DELETION_STEPS.manifests.map, STATE.deleteBlobs, STATE.updateStreams, STATE.deleteImages];
    for (const [i, m] of maps.entries()) {
      const prefix = mapResultsPrefix('{}', names[i]);
      expect(prefix).toMatch(/^runs\/\{\}\/map-results\/[a-z-]+$/);
      expect(m).toMatchObject({
        Type: 'Map',
        // --num-workers: from the run's options, so one execution can ask for more or fewer.
        MaxConcurrencyPath: '$.run.options.numWorkers',
        ItemReader: { Resource: 'arn:${AWS::Partition}:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { 'Key.$': expect.stringMatching(/^\$\.plan\.keys\./) } },
        // Cut by count and by bytes: a batch of long items stays under 256 KiB.
        ItemBatcher: { MaxItemsPerBatch: 100, MaxInputBytesPerBatch: MAX_BATCH_INPUT_BYTES, BatchInput: { 'runId.$': '$.run.runId' } },
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' } },
        // Each batch's result goes to the artifacts bucket at a prefix fixed per run and Map, none to the state.
        ResultWriter: {
          Resource: 'arn:${AWS::Partition}:states:::s3:putObject',
          Parameters: { Bucket: expect.stringMatching(/^\$\{PrunerArtifacts/), 'Prefix.$': `States.Format('${prefix}', $.run.runId)` },
          WriterConfig: { OutputType: 'JSON', Transformation: 'COMPACT' },
        },
        ResultPath: null,
      });
      expect(m.ResultSelector).toBeUndefined();
      // No failure tolerated: one failed batch fails the Map.
      expect(m.ToleratedFailurePercentage ?? 0).toBe(0);
    }
    expect(asl.States[STATE.updateStreams].Next).toBe(STATE.deleteImages);
    expect(asl.States[STATE.deleteImages].Next).toBe(STATE.report);
  });

  it('routes any failure after the start to the report and then a Fail state', () => {
    for (const name of [STATE.collect, STATE.computePlan, STATE.checkHealth, STATE.deleteRegistryLinks, STATE.deleteBlobs, STATE.updateStreams, STATE.deleteImages]) {
      expect(asl.States[name].Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: STATE.reportFailure }]);
    }
    // The run lock is released on the way to the Fail state.
    expect(asl.States[STATE.reportFailure].Next).toBe(LOCK_STATE.releaseAfterFailure);
    expect(asl.States[LOCK_STATE.releaseAfterFailure].Next).toBe(STATE.failed);
    expect(asl.States[STATE.failed].Type).toBe('Fail');
  });

  it('retries failed batches by the shared error name', () => {
    const streams = asl.States[STATE.updateStreams] as { ItemProcessor: Asl };
    const batch = streams.ItemProcessor.States[DELETION_STEPS.streamUpdates.batch] as { Retry: { ErrorEquals: string[] }[] };
    expect(batch.Retry.flatMap((r) => r.ErrorEquals)).toContain(ERROR.batchFailed);
  });

  it('lets the state machine write Map results under runs/ of the artifacts bucket only', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }[];
    const machine = policies.filter((p) => p.Properties.Roles.some((r) => /StateMachineRole/.test(r.Ref)));
    const writes = machine.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((st) => JSON.stringify(st.Action).includes('s3:PutObject'));
    expect(writes).toHaveLength(1);
    expect(writes[0].Action).toEqual(['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload']);
    expect(JSON.stringify(writes[0].Resource)).toMatch(/"\/runs\/\*"\]/);
  });

  it('logs executions to CloudWatch Logs with X-Ray tracing', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', Destinations: [Match.objectLike({ CloudWatchLogsLogGroup: Match.anyValue() })] }),
    });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('alarms on failed, timed-out or aborted executions, each sparse metric filled with 0', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)' }),
        Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsFailed' }) }) }),
        Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsTimedOut' }) }) }),
        Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsAborted' }) }) }),
      ]),
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
  });

  it('gives the schedule a dead-letter queue, two retries and an hour, not 185 tries over a day', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({
        DeadLetterConfig: { Arn: Match.anyValue() },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('has no unsuppressed cdk-nag AwsSolutions finding', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect([...errors, ...warnings].map((a) => `${a.id}: ${String(a.entry.data).split('\n')[0]}`)).toEqual([]);
  });

  it('keeps the state-machine definition as reviewed (the one snapshot)', () => {
    expect(asl).toMatchSnapshot();
  });
});
