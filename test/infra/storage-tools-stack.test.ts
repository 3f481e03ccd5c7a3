// The storage tools in the synthesized stack (with -c registryStorageBucket):
// both state machines, their Distributed Maps over blob prefixes and
// repositories, the read-only guard, least-privilege deletes, cdk-nag clean.
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { FSCK_STATE, HARD_PRUNE_STATE, REGISTRY_NOT_READ_ONLY } from '../../shared/workflow/storage-tools/contracts.js';
import { mapResultsPrefix } from '../../shared/workflow/map-results.js';
import { LOCK_STATE } from '../../shared/workflow/run-lock.js';
import { synthApp } from './synth.js';

type Asl = { StartAt: string; States: Record<string, Record<string, unknown>> };

function flatten(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = v as Record<string, unknown>;
  if (o['Fn::Join']) return (o['Fn::Join'] as [string, unknown[]])[1].map(flatten).join('');
  if (o['Fn::GetAtt']) return `\${${(o['Fn::GetAtt'] as string[])[0]}}`;
  if (o.Ref) return `\${${String(o.Ref)}}`;
  throw new Error(`unexpected intrinsic ${JSON.stringify(v)}`);
}

/** The definition of the state machine whose logical id starts with `StorageTools<id>`. */
function definitionOf(template: Template, id: 'HardPrune' | 'Fsck'): Asl {
  const sms = template.findResources('AWS::StepFunctions::StateMachine');
  const found = Object.entries(sms).filter(([logical]) => logical.startsWith(`StorageTools${id}`));
  expect(found, `state machine ${id}`).toHaveLength(1);
  return JSON.parse(flatten((found[0][1] as { Properties: { DefinitionString: unknown } }).Properties.DefinitionString)) as Asl;
}

describe('the storage tools in the stack', () => {
  let template: Template;
  let stack: Stack;
  let hard: Asl;
  let fsck: Asl;
  beforeAll(() => {
    ({ template, stack } = synthApp({ registryStorageBucket: 'registry-data', registryStorageRoot: '/registry' }));
    hard = definitionOf(template, 'HardPrune');
    fsck = definitionOf(template, 'Fsck');
  });

  it('are left out when no registry storage bucket is given', () => {
    const { template: plain } = synthApp();
    expect(Object.keys(plain.findResources('AWS::StepFunctions::StateMachine'))).toHaveLength(1);
  });

  it('adds two state machines next to the prune workflow, neither scheduled', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 3);
    const targets = JSON.stringify(template.findResources('AWS::Scheduler::Schedule'));
    for (const id of ['StorageToolsHardPrune', 'StorageToolsFsck']) expect(targets).not.toContain(id);
  });

  it('alarms on each storage tool state machine, apart from the prune workflow', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: { Metrics: { Expression?: string; MetricStat?: { Metric: { Dimensions: { Value: unknown }[] } } }[] } }[];
    const filled = alarms.filter((a) => a.Properties.Metrics.some((m) => m.Expression === 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)'));
    // The prune workflow's, HardPrune's and Fsck's: each watches its own machine.
    expect(filled).toHaveLength(3);
    const watched = filled.map((a) => JSON.stringify(a.Properties.Metrics.find((m) => m.MetricStat)?.MetricStat?.Metric.Dimensions[0].Value));
    expect(new Set(watched).size).toBe(3);
  });

  it('hard prune refuses confirm without registryReadOnlyConfirmed before any task runs', () => {
    expect(hard.StartAt).toBe(HARD_PRUNE_STATE.guard);
    const guard = hard.States[HARD_PRUNE_STATE.guard] as { Type: string; Choices: { Next: string; And: unknown[] }[]; Default: string };
    expect(guard.Type).toBe('Choice');
    expect(guard.Default).toBe(HARD_PRUNE_STATE.start);
    expect(guard.Choices).toHaveLength(1);
    expect(guard.Choices[0].Next).toBe(HARD_PRUNE_STATE.refused);
    expect(guard.Choices[0].And).toEqual(
      expect.arrayContaining([
        { Variable: '$.confirm', BooleanEquals: true },
        {
          Not: {
            And: expect.arrayContaining([{ Variable: '$.registryReadOnlyConfirmed', BooleanEquals: true }, { Variable: '$.registryReadOnlyConfirmed', IsPresent: true }]),
          },
        },
      ]),
    );
    expect(hard.States[HARD_PRUNE_STATE.refused]).toMatchObject({ Type: 'Fail', Error: REGISTRY_NOT_READ_ONLY });
  });

  it.each([
    ['HardPrune', () => hard, HARD_PRUNE_STATE.start, [HARD_PRUNE_STATE.collect, HARD_PRUNE_STATE.mark, HARD_PRUNE_STATE.sweepBlobs, HARD_PRUNE_STATE.listRepositories, HARD_PRUNE_STATE.sweepRepositories, HARD_PRUNE_STATE.report]],
    ['Fsck', () => fsck, FSCK_STATE.start, [FSCK_STATE.collect, FSCK_STATE.expect, FSCK_STATE.checkBlobs, FSCK_STATE.checkRepositories, FSCK_STATE.recoverChoice]],
  ] as const)('%s runs start, collect, mark, the two Maps, the report and the lock release in order', (_, asl, start, chain) => {
    // The start task takes the run lock; the Choice after it goes on unless the run was skipped.
    expect(asl().States[start].Next).toBe(LOCK_STATE.held);
    expect((asl().States[LOCK_STATE.held] as { Default: string }).Default).toBe(chain[0]);
    let at: string = chain[0];
    for (const next of chain.slice(1)) {
      expect(asl().States[at].Next, `after ${at}`).toBe(next);
      at = next;
    }
    // Fsck's last check leads to the recovery Choice, which leads to the report either way.
    if (at === FSCK_STATE.recoverChoice) at = FSCK_STATE.report;
    expect(asl().States[at].Next).toBe(LOCK_STATE.release);
    expect(asl().States[LOCK_STATE.release].End).toBe(true);
    const collect = asl().States[chain[0]] as { Type: string; Branches: Asl[] };
    expect(collect.Type).toBe('Parallel');
    expect(collect.Branches.map((b) => b.StartAt)).toEqual(['Collect images', 'Collect imagestreams']);
  });

  it.each([
    ['HardPrune blobs', () => hard.States[HARD_PRUNE_STATE.sweepBlobs], '$.mark.keys.prefixes', 8],
    ['HardPrune repositories', () => hard.States[HARD_PRUNE_STATE.sweepRepositories], '$.repositories.keys.repositories', 20],
    ['Fsck blobs', () => fsck.States[FSCK_STATE.checkBlobs], '$.expected.keys.prefixes', 8],
    ['Fsck repositories', () => fsck.States[FSCK_STATE.checkRepositories], '$.expected.keys.repositories', 20],
  ] as const)('%s: a Distributed Map reading its items from the run files in batches, no failure tolerated, results to S3', (_, state, key, perBatch) => {
    const m = state();
    const name = Object.entries({ ...hard.States, ...fsck.States }).find(([, s]) => s === m)?.[0] ?? '';
    expect(m).toMatchObject({
      ResultWriter: {
        Resource: 'arn:${AWS::Partition}:states:::s3:putObject',
        Parameters: { 'Prefix.$': `States.Format('${mapResultsPrefix('{}', name)}', $.run.runId)` },
        WriterConfig: { OutputType: 'JSON', Transformation: 'COMPACT' },
      },
      ResultPath: null,
      Type: 'Map',
      MaxConcurrency: 16,
      ItemReader: { Resource: 'arn:${AWS::Partition}:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { 'Key.$': key } },
      ItemBatcher: { MaxItemsPerBatch: perBatch, BatchInput: { 'run.$': '$.run', 'tool.$': '$.tool' } },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' } },
    });
    expect(m.ToleratedFailurePercentage ?? 0).toBe(0);
    expect(m.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: expect.stringMatching(/^Report the .*failure$/) }]);
  });

  it('fsck recovers lost manifests only when the validated input says confirm, then reports', () => {
    const choice = fsck.States[FSCK_STATE.recoverChoice] as { Type: string; Choices: Record<string, unknown>[]; Default: string };
    expect(choice.Type).toBe('Choice');
    expect(choice.Choices).toEqual([{ Variable: '$.tool.confirm', BooleanEquals: true, Next: FSCK_STATE.recover }]);
    expect(choice.Default).toBe(FSCK_STATE.report);
    const recover = fsck.States[FSCK_STATE.recover] as { Type: string; Next: string; ResultPath: string; Parameters: Record<string, unknown>; Catch: unknown[]; Resource: string };
    expect(recover).toMatchObject({ Type: 'Task', Next: FSCK_STATE.report, ResultPath: '$.recovered' });
    expect(recover.Parameters).toEqual({ 'run.$': '$.run', 'tool.$': '$.tool', 'collected.$': '$.collected' });
    expect(recover.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: FSCK_STATE.reportFailure }]);
    expect(recover.Resource).toMatch(/fsckrecover/i);
  });

  it('gives the cluster secret to collect and fsck recovery only; recovery reads the registry bucket but never deletes', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    type Statement = { Action: string | string[]; Resource: unknown };
    const statements = Object.entries(policies)
      .filter(([id]) => id.startsWith('StorageTools'))
      .flatMap(([id, p]) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement.map((st) => ({ id, st })));
    const secretReaders = statements.filter(({ st }) => [st.Action].flat().includes('secretsmanager:GetSecretValue')).map(({ id }) => id);
    expect(secretReaders.sort()).toEqual([expect.stringMatching(/collect/i), expect.stringMatching(/fsckrecover/i)]);
    const recover = statements.filter(({ id }) => /fsckrecover/i.test(id));
    const actions = recover.flatMap(({ st }) => [st.Action].flat());
    expect(actions.some((a) => a.startsWith('s3:GetObject'))).toBe(true);
    expect(actions.filter((a) => a.startsWith('s3:Delete'))).toEqual([]);
    const functions = template.findResources('AWS::Lambda::Function');
    const [, fn] = Object.entries(functions).find(([id]) => id.startsWith('StorageTools') && /fsckrecover/i.test(id))!;
    const env = (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['PRUNER_CLUSTER_SECRET_ARN', 'PRUNER_REGISTRY_STORAGE_BUCKET']));
  });

  it('routes every failure after the start to the report and a Fail state', () => {
    for (const [asl, S, names] of [
      [hard, HARD_PRUNE_STATE, [HARD_PRUNE_STATE.collect, HARD_PRUNE_STATE.mark, HARD_PRUNE_STATE.listRepositories]],
      [fsck, FSCK_STATE, [FSCK_STATE.collect, FSCK_STATE.expect, FSCK_STATE.recover]],
    ] as const) {
      for (const name of names) expect(asl.States[name].Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.reportFailure }]);
      // The lock is released on the way to the Fail state.
      expect(asl.States[S.reportFailure].Next).toBe(LOCK_STATE.releaseAfterFailure);
      expect(asl.States[LOCK_STATE.releaseAfterFailure].Next).toBe(S.failed);
      expect(asl.States[S.failed].Type).toBe('Fail');
    }
  });

  it('lets only the two sweeps delete from the registry bucket, under its root directory', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    type Statement = { Action: string | string[]; Resource: unknown };
    const deletes = Object.entries(policies).flatMap(([id, p]) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement.filter((st) =>
        [st.Action].flat().some((a) => a.startsWith('s3:DeleteObject')),
      ).map((st) => ({ id, resource: JSON.stringify(st.Resource) })),
    );
    const onRegistry = deletes.filter((d) => d.resource.includes('registry-data'));
    expect(onRegistry.map((d) => d.id).sort()).toEqual([expect.stringMatching(/hardprunesweepblobs/i), expect.stringMatching(/hardprunesweeprepositories/i)]);
    for (const d of onRegistry) expect(d.resource).toContain('/registry/docker/registry/v2/*');
    // No storage-tool function deletes run files either.
    expect(deletes.filter((d) => d.id.startsWith('StorageTools') && !d.resource.includes('registry-data'))).toEqual([]);
  });

  it("lets only fsck's recover task write into the registry bucket (the links it restores), under its root directory", () => {
    const policies = template.findResources('AWS::IAM::Policy');
    type Statement = { Action: string | string[]; Resource: unknown };
    const puts = Object.entries(policies).flatMap(([id, p]) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement.filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:PutObject'))).map(
        (st) => ({ id, resource: JSON.stringify(st.Resource) }),
      ),
    );
    const onRegistry = puts.filter((d) => d.resource.includes('registry-data'));
    expect(onRegistry.map((d) => d.id)).toEqual([expect.stringMatching(/fsckrecover/i)]);
    expect(onRegistry[0].resource).toContain('/registry/docker/registry/v2/*');
  });

  it('gives each storage function the bucket and root it works on', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PRUNER_REGISTRY_STORAGE_BUCKET: 'registry-data', PRUNER_REGISTRY_STORAGE_ROOT: 'registry' }) },
    });
  });

  it('has no unsuppressed cdk-nag AwsSolutions finding', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect([...errors, ...warnings].map((a) => `${a.id}: ${String(a.entry.data).split('\n')[0]}`)).toEqual([]);
  });
});
