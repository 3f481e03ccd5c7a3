// The run lock in the synthesized stack (with the storage tools, so all three
// state machines are there): one DynamoDB table shared by the three, each
// machine's start task taking it with a lease of its timeout and a margin, a
// skipped start ending in Succeed, the release on the success and the failure
// paths, and the EventBridge rule that releases the lock of an execution that
// ended aborted, timed out or failed.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { RELEASED_ON_STATUSES } from '../../infra/run-lock.js';
import { STATE } from '../../shared/workflow/contracts.js';
import { LEASE_MARGIN_SECONDS, LOCK_STATE, RUN_TIMEOUT_SECONDS } from '../../shared/workflow/run-lock.js';
import { FSCK_STATE, HARD_PRUNE_STATE } from '../../shared/workflow/storage-tools/contracts.js';
import { synthApp } from './synth.js';

type Asl = { StartAt: string; States: Record<string, Record<string, unknown>>; TimeoutSeconds?: number };
type Resource = { Properties: Record<string, unknown> };

function flatten(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = v as Record<string, unknown>;
  if (o['Fn::Join']) return (o['Fn::Join'] as [string, unknown[]])[1].map(flatten).join('');
  if (o['Fn::GetAtt']) return `\${${(o['Fn::GetAtt'] as string[])[0]}}`;
  if (o.Ref) return `\${${String(o.Ref)}}`;
  throw new Error(`unexpected intrinsic ${JSON.stringify(v)}`);
}

describe('the run lock in the stack', () => {
  let template: Template;
  let machines: { id: string; logical: string; asl: Asl; start: string; failed: string; timeout: number }[];
  let functions: Record<string, Resource>;
  let tableRef: string;
  beforeAll(() => {
    ({ template } = synthApp({ registryStorageBucket: 'registry-data' }));
    const sms = template.findResources('AWS::StepFunctions::StateMachine') as Record<string, Resource>;
    const find = (prefix: string) => Object.entries(sms).find(([logical]) => logical.startsWith(prefix))!;
    const of = (id: string, prefix: string, start: string, failed: string, timeout: number) => {
      const [logical, sm] = find(prefix);
      return { id, logical, asl: JSON.parse(flatten(sm.Properties.DefinitionString)) as Asl, start, failed, timeout };
    };
    machines = [
      of('ImagePruner', 'PrunerStateMachine', STATE.refuseSecondRun, STATE.failed, RUN_TIMEOUT_SECONDS.prune),
      of('HardPrune', 'StorageToolsHardPrune', HARD_PRUNE_STATE.start, HARD_PRUNE_STATE.failed, RUN_TIMEOUT_SECONDS.storageTools),
      of('Fsck', 'StorageToolsFsck', FSCK_STATE.start, FSCK_STATE.failed, RUN_TIMEOUT_SECONDS.storageTools),
    ];
    functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    tableRef = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
  });

  it('is one on-demand DynamoDB table, keyed by lockId, with point-in-time recovery and expiresAt as TTL', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'lockId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'lockId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is taken by the start task of each state machine with a lease of its timeout and a margin', () => {
    for (const m of machines) {
      const timeout = (template.findResources('AWS::StepFunctions::StateMachine')[m.logical] as Resource).Properties;
      expect(m.asl.TimeoutSeconds ?? (timeout as { TimeoutSeconds?: number }).TimeoutSeconds, m.id).toBe(m.timeout);
      const resource = flatten((m.asl.States[m.start] as { Resource: unknown }).Resource);
      const fnId = /^\$\{([^}]+)\}/.exec(resource)?.[1] ?? '';
      const env = (functions[fnId].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.PRUNER_LOCK_TABLE, m.id).toEqual({ Ref: tableRef });
      expect(env.PRUNER_LOCK_LEASE_SECONDS, m.id).toBe(String(m.timeout + LEASE_MARGIN_SECONDS));
    }
  });

  it('ends a start the lock refused in a Succeed state whose output is the skipped result, not in a Fail state', () => {
    for (const m of machines) {
      expect(m.asl.States[m.start].Next, m.id).toBe(LOCK_STATE.held);
      expect(m.asl.States[LOCK_STATE.held], m.id).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.skipped', IsPresent: true, Next: LOCK_STATE.skipped }] });
      expect(m.asl.States[LOCK_STATE.skipped], m.id).toEqual({ Type: 'Succeed', OutputPath: '$.skipped' });
    }
  });

  it('is released after the report on success, and before the Fail state on failure, even when that release fails', () => {
    for (const m of machines) {
      const release = m.asl.States[LOCK_STATE.release] as { End?: boolean; ResultPath: unknown; Parameters: unknown };
      expect(release, m.id).toMatchObject({ Type: 'Task', End: true, Parameters: { 'executionId.$': '$$.Execution.Id' } });
      // Discarded: the execution's output stays the report.
      expect(release.ResultPath, m.id).toBeNull();
      const reportsTo = Object.entries(m.asl.States).filter(([, s]) => s.Next === LOCK_STATE.release).map(([n]) => n);
      expect(reportsTo.length, m.id).toBe(1);
      expect(reportsTo[0], m.id).toMatch(/^Report/);
      const afterFailure = m.asl.States[LOCK_STATE.releaseAfterFailure] as { Next: string; Catch: unknown };
      expect(afterFailure.Next, m.id).toBe(m.failed);
      expect(afterFailure.Catch, m.id).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.releaseError', Next: m.failed }]);
      expect(Object.entries(m.asl.States).filter(([, s]) => s.Next === LOCK_STATE.releaseAfterFailure).map(([n]) => n), m.id).toEqual([expect.stringMatching(/^Report the .*failure$/)]);
    }
  });

  it('is released by an EventBridge rule for executions of the three machines that end aborted, timed out or failed', () => {
    expect(RELEASED_ON_STATUSES).toEqual(['ABORTED', 'TIMED_OUT', 'FAILED']);
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as Resource[];
    const released = rules.filter((r) => JSON.stringify(r.Properties.EventPattern).includes('Execution Status Change'));
    const watched = new Set<string>();
    for (const r of released) {
      const pattern = r.Properties.EventPattern as { source: string[]; 'detail-type': string[]; detail: { status: string[]; stateMachineArn: unknown[] } };
      expect(pattern.source).toEqual(['aws.states']);
      expect(pattern['detail-type']).toEqual(['Step Functions Execution Status Change']);
      expect(pattern.detail.status).toEqual(['ABORTED', 'TIMED_OUT', 'FAILED']);
      for (const arn of pattern.detail.stateMachineArn) watched.add(JSON.stringify(arn));
      const [target] = r.Properties.Targets as { Arn: unknown; InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }[];
      expect(JSON.stringify(target.Arn)).toMatch(/releaserunlock/i);
      expect(Object.values(target.InputTransformer.InputPathsMap)).toEqual(['$.detail.executionArn']);
      expect(target.InputTransformer.InputTemplate).toMatch(/^\{"executionId":<[^>]+>\}$/);
    }
    expect([...watched].sort()).toEqual(machines.map((m) => JSON.stringify({ Ref: m.logical })).sort());
  });

  it('lets the lock functions, and only them, read, take and release the lock item; nothing lists executions any more', () => {
    const policies = template.findResources('AWS::IAM::Policy') as Record<string, Resource>;
    type Statement = { Action: string | string[]; Resource: unknown };
    const onTable = Object.entries(policies).flatMap(([id, p]) =>
      (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter((st) => [st.Action].flat().some((a) => a.startsWith('dynamodb:'))).map((st) => ({ id, st })),
    );
    // In the order of their logical ids.
    expect(onTable.map(({ id }) => id).sort()).toEqual([
      expect.stringMatching(/^Pruner.*refusesecondrun/i),
      expect.stringMatching(/^Pruner.*releaserunlock/i),
      expect.stringMatching(/^StorageTools.*fsckstart/i),
      expect.stringMatching(/^StorageTools.*hardprunestart/i),
      expect.stringMatching(/^StorageTools.*releaserunlock/i),
    ]);
    for (const { st } of onTable) {
      expect([st.Action].flat().sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem']);
      expect(JSON.stringify(st.Resource)).toContain(tableRef);
    }
    expect(JSON.stringify(policies)).not.toContain('states:ListExecutions');
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ PRUNER_TASK: 'release-run-lock', PRUNER_LOCK_TABLE: { Ref: tableRef } }) } });
  });
});
