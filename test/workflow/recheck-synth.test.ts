// The race guard in the synthesized state machine: after the registry health
// check and before the first registry deletion, every list but Images is read
// again by the collect row, and "Re-check the plan" replaces $.plan, which the
// deletion Maps read; any failure is reported like the others.
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_GROUPS } from '../../shared/core/kinds.js';
import { recollectStateName, STATE } from '../../shared/workflow/contracts.js';
import { localPruneWorkflow } from '../../cli/local-run/runner.js';
import { PRUNE_TASKS } from '../../shared/workflow/tables/prune.js';
import { synthApp } from '../infra/synth.js';

type State = Record<string, unknown> & { Next?: string; Branches?: { StartAt: string; States: Record<string, State> }[] };
type Asl = { States: Record<string, State> };

function definitionOf(template: Template): Asl {
  const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as { Properties: { DefinitionString: unknown } }[];
  const flatten = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const o = v as Record<string, unknown>;
    if (o['Fn::Join']) return (o['Fn::Join'] as [string, unknown[]])[1].map(flatten).join('');
    return '${X}';
  };
  return JSON.parse(flatten(sm.Properties.DefinitionString)) as Asl;
}

describe('the race guard in the ImagePruner state machine', () => {
  let asl: Asl;
  beforeAll(() => {
    asl = definitionOf(synthApp().template);
  });

  it('runs after the health check and before the registry links: collect again, then re-check', () => {
    expect(asl.States[STATE.checkHealth].Next).toBe(STATE.recollect);
    expect(asl.States[STATE.recollect].Next).toBe(STATE.recheckPlan);
    expect(asl.States[STATE.recheckPlan].Next).toBe(STATE.deleteRegistryLinks);
  });

  it('reads every group but images again with the collect row, under the re-check\'s keys', () => {
    const p = asl.States[STATE.recollect];
    expect(p).toMatchObject({ Type: 'Parallel', ResultPath: '$.recollected' });
    const groups = RESOURCE_GROUPS.filter((g) => g !== 'images');
    expect(p.Branches!.map((b) => b.StartAt)).toEqual(groups.map(recollectStateName));
    for (const [i, b] of p.Branches!.entries()) {
      expect(b.States[b.StartAt]).toMatchObject({ Parameters: { 'run.$': '$.run', group: groups[i], again: true } });
    }
  });

  it('replaces $.plan with the re-checked plan from the first lists, the new ones and the first plan', () => {
    expect(asl.States[STATE.recheckPlan]).toMatchObject({
      Type: 'Task',
      ResultPath: '$.plan',
      Parameters: { 'run.$': '$.run', 'collected.$': '$.collected', 'recollected.$': '$.recollected', 'plan.$': '$.plan' },
    });
  });

  it('reports a failure of either state like any other', () => {
    for (const name of [STATE.recollect, STATE.recheckPlan]) {
      expect(asl.States[name].Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: STATE.reportFailure }]);
    }
  });

  it('binds the local run\'s states to the rows: the collect row again, and its own row', () => {
    const { tasks } = localPruneWorkflow();
    expect(tasks.get(STATE.recheckPlan)).toBe(PRUNE_TASKS.recheckPlan);
    for (const g of RESOURCE_GROUPS.filter((x) => x !== 'images')) expect(tasks.get(recollectStateName(g))).toBe(PRUNE_TASKS.collect);
  });
});
