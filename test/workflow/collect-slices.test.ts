// A list too long for one collect invocation (a million Images take longer
// than Lambda's 15 minutes once the API server is slow) is read by several in a
// row: each lists for its slice, stops after a page and returns the next
// invocation's event with `resume`; the state machine's "more to list?" Choice
// loops back. Here the slice is 0 s, so every invocation reads one page.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import type { ClusterReader } from '../../shared/adapters/kubernetes/collector.js';
import type { KubeObject } from '../../shared/core/kube-types.js';
import { collectGroupSlice, isContinuation } from '../../shared/workflow/collect.js';
import type { CollectContinuation, CollectEvent, CollectResult } from '../../shared/workflow/contracts.js';
import { parseCollectEvent } from '../../shared/workflow/events.js';
import { readSnapshotChunks } from '../../shared/workflow/snapshot-chunks.js';
import { FolderRunLock } from '../../cli/local-run/run-lock.js';
import { runLocally } from '../../cli/local-run/runner.js';
import { image, NOW, pod, stream, byDigest } from '../builders.js';
import type { Cluster } from '../adapters/kubernetes/helpers.js';
import { names, startCluster } from '../adapters/kubernetes/helpers.js';

const RUN = { runId: 'slices', executionId: 'local:slices', options: { confirm: false, keepTagRevisions: 1, keepYoungerThan: '60m', all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: false, pruneRegistry: true, numWorkers: 10, now: NOW.toISOString() } };
const SEEDS = Array.from({ length: 9 }, (_, i) => `img-${i}`);
const OBJECTS = [
  ...SEEDS.map((s) => image(s) as unknown as KubeObject),
  stream('ns', 'app', { latest: SEEDS }) as unknown as KubeObject,
  pod('ns', 'web', [byDigest(SEEDS[3])]) as unknown as KubeObject,
];

let cluster: Cluster | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'collect-slices-'));
});
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** The collector, counting how many reads of each group were started (one per invocation). */
function counting(reader: ClusterReader & Required<Pick<ClusterReader, 'pagesOfGroup'>>, reads: Map<string, number>): ClusterReader {
  return {
    collectGroup: (g) => reader.collectGroup(g),
    pagesOfGroup: (g, from) => {
      reads.set(g, (reads.get(g) ?? 0) + 1);
      return reader.pagesOfGroup(g, from);
    },
  };
}

describe('a group read by several collect invocations in a row', () => {
  it('hands on after each page with the continue token, and stores each object once, an expired token between two invocations included', async () => {
    cluster = await startCluster({ objects: OBJECTS, pageSizeCap: 2 });
    const store = new LocalFolderArtifacts(dir);
    let event: CollectEvent = parseCollectEvent({ run: RUN, group: 'images', resume: false });
    let result: CollectResult | CollectContinuation;
    let invocations = 0;
    for (;;) {
      invocations += 1;
      // The token handed on expires before the third invocation uses it: that list starts again.
      if (invocations === 3) cluster.api.faults.expireContinue({ path: /\/images$/, times: 1 });
      result = await collectGroupSlice(event, cluster.collector(), store, { sliceSeconds: 0, limits: { maxItems: 3, maxBytes: 1 << 20 } });
      if (!isContinuation(result)) break;
      // What goes back into the state: small, and the next event as the state machine passes it.
      expect(JSON.stringify(result).length).toBeLessThan(2000);
      event = parseCollectEvent(JSON.parse(JSON.stringify(result)));
    }
    // 5 pages, 2 of them read twice after the restart: 7 invocations, the last one finishing.
    expect(invocations).toBe(7);
    expect(result.count).toBe(9);
    const back: KubeObject[] = [];
    for await (const o of readSnapshotChunks(store, result)) back.push(o as KubeObject);
    expect(names(back)).toEqual(names(cluster.api.objects('Image')));
  });

  it('runs the workflow with one page per invocation and plans what one invocation per group plans', async () => {
    cluster = await startCluster({ objects: OBJECTS, pageSizeCap: 2 });
    const plans: unknown[] = [];
    const events: number[] = [];
    const reads: Map<string, number>[] = [];
    for (const slice of [undefined, 0]) {
      const artifacts = join(dir, `slice-${slice ?? 'default'}`);
      const counted = new Map<string, number>();
      const result = await runLocally({
        input: { confirm: false, keepTagRevisions: 1, now: NOW.toISOString() },
        ports: {
          artifacts: new LocalFolderArtifacts(artifacts),
          cluster: counting(cluster.collector(), counted),
          lock: new FolderRunLock(artifacts, { leaseSeconds: 3600 }),
          clusterWriter: undefined as never,
          settings: { registryUrl: 'http://registry.test', collectSliceSeconds: slice },
        },
      });
      expect(result.error).toBeUndefined();
      expect(result.status).toBe('succeeded');
      plans.push(result.report?.plan);
      events.push(result.historyEvents);
      reads.push(counted);
    }
    expect(plans[1]).toEqual(plans[0]);
    expect(plans[0]).toMatchObject({ images: 7 });
    // 9 Images in pages of 2: one read without slices, five with.
    expect(reads[0].get('images')).toBe(1);
    expect(reads[1].get('images')).toBe(5);
    expect(reads[1].get('imagestreams')).toBe(1);
    // Each more round is a task and a Choice in the history: 4 more for the images (5 + 2 events each).
    expect(events[1] - events[0]).toBe(4 * 7);
  });
});
