// Issue 9, item 3: a list that cannot be completed fails the run before
// planning. The first collection of a confirmed local run (the synthesized
// state machine) meets an Images list the API server refuses (403, not
// retried; a 404 would mean "kind not served" and be skipped): no plan is
// computed, nothing is deleted, the report names the group.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../../shared/workflow/contracts.js';
import { cli, clusterWrites, runFlags, startCluster, type Cluster } from './fixture.js';

const IMAGES = '/apis/image.openshift.io/v1/images';

describe('a list that cannot be completed', () => {
  let c: Cluster | undefined;
  afterEach(async () => {
    await c?.stop();
    c = undefined;
  });

  it('fails the run in "Collect cluster resources": no plan, no deletes, the report says which list', async () => {
    c = await startCluster();
    const cl = c;
    cl.api.faults.status(403, { path: IMAGES });
    const r = await cli(runFlags(cl, ['--confirm']));
    expect(r.code).toBe(1);
    expect(clusterWrites(cl.api)).toEqual([]);
    expect(cl.proxy.log.filter((q) => q.method === 'DELETE')).toEqual([]);
    const [runId] = await readdir(join(cl.artifacts, 'runs'));
    const dir = join(cl.artifacts, 'runs', runId);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as Report;
    expect(report.status).toBe('failed');
    expect(report.error?.name).toBe('CollectError');
    expect(report.error?.message).toMatch(/images/);
    expect(report.plan).toBeUndefined();
    // No plan file was written.
    expect(await readdir(join(dir, 'plan')).catch(() => [])).toEqual([]);
  });
});
