// The process-per-task harness of the aws-scale benchmark (bench/aws-scale-pool.ts):
// a task state run through the engine's invoke hook runs in a process of its
// own, and the figures it reports are real enough to fail the target. One
// real row (release-run-lock: a folder lock, no servers), one state.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../cli/local-run/definition.js';
import { executeLocally } from '../../cli/local-run/engine.js';
import { releaseRunLockTask } from '../../shared/workflow/tables/run-lock.js';
import type { AnyTask } from '../../shared/workflow/task.js';
import { buildWorker, TaskProcessPool } from '../../bench/aws-scale-pool.js';
import { fractionsOf, missedLines } from '../../bench/aws-scale.js';

let dir: string;
let worker: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aws-scale-harness-'));
  worker = await buildWorker();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs one state bound to `row` in the pool; returns the pool's figures of it. */
async function runOne(row: AnyTask) {
  const definition: AslDefinition = {
    StartAt: 'Release',
    States: { Release: { Type: 'Task', Resource: 'arn:aws:lambda:local:000000000000:function:release', Parameters: { 'executionId.$': '$.id' }, TimeoutSeconds: 60, End: true } as never },
  };
  const pool = new TaskProcessPool(worker, { artifactsDir: join(dir, 'artifacts'), kubeconfigPath: '', registryUrl: 'http://127.0.0.1:9', storageUrl: `file://${dir}/storage` }, 512, new Map(), new Map([['Release', row]]));
  try {
    const r = await executeLocally({
      workflow: { definition, tasks: new Map([['Release', row]]) },
      input: { id: 'arn:local:execution:t:1' },
      ports: {},
      executionArn: 'arn:local:execution:t:1',
      executionName: 't',
      invoke: pool.invoke,
      onPayload: pool.onPayload,
    });
    return { r, rows: pool.results() };
  } finally {
    await pool.close();
  }
}

describe('bench aws-scale: each task in its own process', () => {
  it("runs the row in a child process and reports its CPU time, the process's RSS and the payload sizes", async () => {
    const { r, rows } = await runOne(releaseRunLockTask as AnyTask);
    // The child answered for the real row: the lock was not held, so nothing was released.
    expect(r).toMatchObject({ status: 'succeeded', output: { released: false } });
    expect(rows).toHaveLength(1);
    const f = rows[0];
    expect(f).toMatchObject({ invocations: 1, processes: 1 });
    expect(f.maxCpuMs).toBeGreaterThan(0);
    // A Node process with the task code loaded: tens of MB at the least, and its own (not this test's).
    expect(f.peakRssBytes).toBeGreaterThan(30 * 1024 * 1024);
    expect(f.peakRssBytes).toBeGreaterThanOrEqual(f.baseRssBytes);
    expect(f.peakRssBytes).not.toBe(process.resourceUsage().maxRSS * 1024);
    // The larger of the state input and the task input (after Parameters).
    expect(f.maxInputBytes).toBe(Buffer.byteLength(JSON.stringify({ executionId: 'arn:local:execution:t:1' })));
    expect(f.maxOutputBytes).toBe(Buffer.byteLength(JSON.stringify({ released: false })));
    expect(missedLines(rows, 0.5)).toEqual([]);
  });

  it('misses the target when the same process is measured against a memory it does not fit with headroom', async () => {
    // The real row's process (its id picks the row in the child), judged at 32 MB.
    const { r, rows } = await runOne({ ...(releaseRunLockTask as AnyTask), memoryMb: 32 });
    expect(r.status).toBe('succeeded');
    expect(fractionsOf(rows[0]).rssOfMemory).toBeGreaterThan(0.5);
    expect(missedLines(rows, 0.5)).toEqual([expect.stringMatching(/^release-run-lock: peak RSS \/ memory is \d+\.\d\d, over 0\.5$/)]);
  });
});
