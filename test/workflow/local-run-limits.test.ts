// The local runner enforces AWS Step Functions' limits, so a workflow that
// would die on AWS dies locally the same way: 256 KiB per state input and
// output and per Distributed Map batch (States.DataLimitExceeded, which
// States.ALL does not catch), and each task's TimeoutSeconds (States.Timeout,
// which it does). Small hand-written state machines, run by the same engine
// as every workflow.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putJson } from '../../shared/adapters/artifacts/artifact-store.js';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import type { AslDefinition } from '../../cli/local-run/definition.js';
import { rewriteDistributedMaps } from '../../cli/local-run/definition.js';
import { executeLocally, type LocalWorkflow } from '../../cli/local-run/engine.js';
import { PAYLOAD_LIMIT_BYTES } from '../../cli/local-run/limits.js';
import type { AnyTask } from '../../shared/workflow/task.js';

const fn = (name: string) => `arn:aws:lambda:local:000000000000:function:${name}`;

/** A task row doing `run`, with no ports. */
function row(id: string, run: (event: unknown) => Promise<unknown>): AnyTask {
  return { id, summary: id, parse: (e: unknown) => e, run: (e: unknown) => run(e), ports: [], memoryMb: 128, timeoutMinutes: 1, retry: [] };
}

/** Work, then a Catch on States.ALL that leads to "Caught" (which records that it ran). */
function machine(work: Record<string, unknown>, run: (event: unknown) => Promise<unknown>, caught: string[]): LocalWorkflow {
  const definition: AslDefinition = {
    StartAt: 'Work',
    States: {
      Work: { Type: 'Task', Resource: fn('work'), TimeoutSeconds: 60, ...work, Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }], End: true } as never,
      Caught: { Type: 'Task', Resource: fn('caught'), TimeoutSeconds: 60, End: true },
    },
  };
  return {
    definition,
    tasks: new Map([
      ['Work', row('work', run)],
      ['Caught', row('caught', async (e) => {
        caught.push(JSON.stringify((e as { error?: unknown }).error));
        return 'caught';
      })],
    ]),
  };
}

const over = () => 'x'.repeat(PAYLOAD_LIMIT_BYTES + 1);
const execute = (workflow: LocalWorkflow, input: unknown = {}) =>
  executeLocally({ workflow, input, ports: {}, executionArn: 'arn:local:execution:limits:t', executionName: 't' });

describe('256 KiB per state input and output', () => {
  it('fails the run when a task returns more, and "Report the failure" (the Catch) never runs', async () => {
    const caught: string[] = [];
    const r = await execute(machine({}, async () => ({ big: over() }), caught));
    expect(r).toMatchObject({ status: 'failed', error: { name: 'States.DataLimitExceeded', message: expect.stringMatching(/^the output of task "Work" is \d+ bytes, over the 262144-byte/) } });
    expect(caught).toEqual([]);
  });

  it('fails the run when a state input is over the limit, even though the task takes only a small part of it', async () => {
    const caught: string[] = [];
    let ran = false;
    const r = await execute(machine({ Parameters: { 'small.$': '$.small' } }, async () => (ran = true), caught), { small: 1, big: over() });
    expect(r).toMatchObject({ status: 'failed', error: { name: 'States.DataLimitExceeded', message: expect.stringMatching(/^the state input of "Work"/) } });
    expect(ran).toBe(false);
    expect(caught).toEqual([]);
  });

  it('lets a run whose payloads stay under the limit succeed (the check can pass)', async () => {
    const caught: string[] = [];
    const r = await execute(machine({ Parameters: { 'small.$': '$.small' }, ResultPath: '$.out' }, async (e) => e, caught), { small: 'y'.repeat(PAYLOAD_LIMIT_BYTES / 4) });
    expect(r.status).toBe('succeeded');
    expect(caught).toEqual([]);
  });
});

describe("each task's TimeoutSeconds", () => {
  it('fails a task that runs longer as States.Timeout, which States.ALL catches (as on AWS)', async () => {
    const caught: string[] = [];
    const slow = async () => new Promise((resolve) => setTimeout(() => resolve('late'), 1_500));
    const r = await execute(machine({ TimeoutSeconds: 1 }, slow, caught));
    expect(r.status).toBe('succeeded');
    expect(caught).toEqual([expect.stringContaining('"Error":"States.Timeout"')]);
  });

  it('fails the run with States.Timeout where nothing catches it', async () => {
    const caught: string[] = [];
    const w = machine({ TimeoutSeconds: 1 }, async () => new Promise((resolve) => setTimeout(() => resolve('late'), 1_500)), caught);
    delete (w.definition.States.Work as Record<string, unknown>).Catch;
    delete w.definition.States.Caught;
    const r = await execute(w);
    expect(r).toMatchObject({ status: 'failed', error: { name: 'States.Timeout' } });
  });
});

describe('256 KiB per Distributed Map batch', () => {
  let dir: string;
  let artifacts: LocalFolderArtifacts;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'limits-'));
    artifacts = new LocalFolderArtifacts(dir);
    // Three items of 100 KiB: one per batch fits, three in a batch do not.
    await putJson(artifacts, 'items.json', Array.from({ length: 3 }, (_, i) => ({ i, pad: 'p'.repeat(100 * 1024) })));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function mapMachine(maxItemsPerBatch: number, seen: number[]): LocalWorkflow {
    const definition = rewriteDistributedMaps({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b', Key: 'items.json' } },
          ItemBatcher: { MaxItemsPerBatch: maxItemsPerBatch, BatchInput: { kind: 'test' } },
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'Batch', States: { Batch: { Type: 'Task', Resource: fn('batch'), TimeoutSeconds: 60, End: true } } },
          MaxConcurrency: 1,
          ResultPath: null,
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', Result: 'caught', End: true },
      },
    } as never) as AslDefinition;
    return {
      definition,
      tasks: new Map([['Batch', row('batch', async (e) => {
        seen.push((e as { Items: unknown[] }).Items.length);
        return { done: 1 };
      })]]),
    };
  }

  it('fails the run, uncaught, before any batch runs, when a batch is over the limit', async () => {
    const seen: number[] = [];
    const r = await executeLocally({ workflow: mapMachine(3, seen), input: {}, ports: { artifacts }, executionArn: 'arn:local:execution:limits:m', executionName: 'm' });
    expect(r).toMatchObject({ status: 'failed', error: { name: 'States.DataLimitExceeded', message: expect.stringMatching(/^batch 1 of 1 of Map "Each" is \d+ bytes/) } });
    expect(seen).toEqual([]);
  });

  it('runs the same items in batches under the limit', async () => {
    const seen: number[] = [];
    const r = await executeLocally({ workflow: mapMachine(1, seen), input: {}, ports: { artifacts }, executionArn: 'arn:local:execution:limits:n', executionName: 'n' });
    expect(r.status).toBe('succeeded');
    expect(seen).toEqual([1, 1, 1]);
  });
});

describe('25,000 events in one execution history', () => {
  /** A Pass and a Choice looping `times` times: four history events a round on AWS, plus the execution's two. */
  function loop(times: number, caught: string[]): LocalWorkflow {
    const definition: AslDefinition = {
      StartAt: 'Count',
      States: {
        Count: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, Next: 'Again?' },
        'Again?': { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThan: times, Next: 'Count' }], Default: 'Done' },
        Done: { Type: 'Task', Resource: fn('done'), TimeoutSeconds: 60, Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }], End: true },
        Caught: { Type: 'Task', Resource: fn('caught'), TimeoutSeconds: 60, End: true },
      },
    } as never;
    return {
      definition,
      tasks: new Map([
        ['Done', row('done', async (e) => e)],
        ['Caught', row('caught', async (e) => {
          caught.push(JSON.stringify(e));
          return 'caught';
        })],
      ]),
    };
  }

  it('runs a loop whose history stays under the quota', async () => {
    // 6,000 rounds: 24,000 events, the task's 5 and the execution's 2.
    const r = await execute(loop(6_000, []), { n: 0 });
    expect(r).toMatchObject({ status: 'succeeded', output: { n: 6_000 } });
    expect(r.historyEvents).toBe(24_007);
  }, 120_000);

  it('fails one that passes it with States.Runtime, as AWS words it, and nothing catches that', async () => {
    const caught: string[] = [];
    const r = await execute(loop(6_300, caught), { n: 0 });
    expect(r).toMatchObject({ status: 'failed', error: { name: 'States.Runtime', message: 'The execution reached the maximum number of history events (25000).' } });
    expect(r.historyEvents).toBeGreaterThanOrEqual(24_999);
    expect(caught).toEqual([]);
  }, 120_000);
});
