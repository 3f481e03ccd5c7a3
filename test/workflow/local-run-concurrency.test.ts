// One run at a time: a run started while another holds the same artifacts
// folder is refused before it reads or changes anything.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWrites, cli, runFlags, startCluster, type Cluster } from './fixture.js';

describe('a second run started while one is going', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('is refused, and the first run completes', async () => {
    // Listing Images is slow, so the first run is still collecting when the second starts.
    c.api.faults.slow(3000, { path: '/images', method: 'GET', times: 1 });
    const first = cli(runFlags(c));
    const lock = join(c.artifacts, '.run.lock');
    for (let i = 0; i < 300 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(lock)).toBe(true);
    const second = await cli(runFlags(c));
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('ConcurrentRunError');
    // Refused at the first state: no run id, no plan, no report.
    expect(second.stdout).toBe('');
    const done = await first;
    expect(done.code).toBe(0);
    expect(existsSync(lock)).toBe(false);
    expect(clusterWrites(c.api)).toEqual([]);
  });
});
