// One run at a time: of two runs started at once on the same artifacts
// folder, one runs and the other is skipped (exit 3, naming the holder)
// before it reads or changes anything; the lock is released when the run ends.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_DIR } from '../../cli/local-run/run-lock.js';
import { clusterWrites, cli, runFlags, startCluster, type Cluster } from './fixture.js';

describe('two runs started at once on one artifacts folder', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('one runs, the other is skipped, and the lock is free afterwards', async () => {
    // Listing Images is slow, so the run that got the lock is still collecting when the other asks.
    c.api.faults.slow(3000, { path: '/images', method: 'GET', times: 1 });
    const [a, b] = await Promise.all([cli(runFlags(c)), cli(runFlags(c))]);
    const [ran, skipped] = a.code === 3 ? [b, a] : [a, b];
    expect([ran.code, skipped.code]).toEqual([0, 3]);
    // The states it went through, then the one line that says why it did nothing.
    expect(skipped.stderr).toMatch(
      /^run: Refuse to run twice\nrun: Another run going\?\nrun: Skipped\nimage-pruner run: skipped: another run holds the lock: arn:local:execution:image-pruner:local-[0-9a-f-]+, since \d{4}-\d{2}-\d{2}T[^ ]+ \(lease until [^)]+\)\n$/,
    );
    // Skipped at the first state: no run id, no plan, no report.
    expect(skipped.stdout).toBe('');
    expect(ran.stdout).toContain('report');
    expect(clusterWrites(c.api)).toEqual([]);
    // The newest lock file is the release mark of the run that ran.
    const files = (await readdir(join(c.artifacts, LOCK_DIR))).filter((f) => f.endsWith('.json')).sort();
    expect(JSON.parse(await readFile(join(c.artifacts, LOCK_DIR, files[files.length - 1]), 'utf8'))).toMatchObject({ releasedBy: expect.stringMatching(/^arn:local:execution:image-pruner:/) });
    // And a third run takes it.
    expect((await cli(runFlags(c))).code).toBe(0);
  });
});
