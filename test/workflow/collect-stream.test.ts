// "Collect <group>" stores a group as the pages come, not after the whole
// group is in memory: parts are written while the list is still paging, and a
// list that starts again (expired continue token) voids only its own kind's
// objects, so each object is stored exactly once.
//
// And a list too long for one collect invocation (a million Images take longer
// than Lambda's 15 minutes once the API server is slow) is read by several in a
// row: each lists for its slice, stops after a page and returns the next
// invocation's event with `resume`; the state machine's "more to list?" Choice
// loops back. Here the slice is 0 s, so every invocation reads one page.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import type { KubeObject } from '../../shared/core/kube-types.js';
import type { ClusterReader } from '../../shared/adapters/kubernetes/collector.js';
import { collectGroup, collectGroupSlice, isContinuation } from '../../shared/workflow/collect.js';
import type { CollectContinuation, CollectEvent, CollectResult } from '../../shared/workflow/contracts.js';
import { parseCollectEvent } from '../../shared/workflow/events.js';
import { FolderRunLock } from '../../cli/local-run/run-lock.js';
import { runLocally } from '../../cli/local-run/runner.js';
import { readSnapshotChunks } from '../../shared/workflow/snapshot-chunks.js';
import { byDigest, image, NOW, pod, stream, workload } from '../builders.js';
import type { Cluster } from '../adapters/kubernetes/helpers.js';
import { names, startCluster } from '../adapters/kubernetes/helpers.js';

const RUN = { runId: 'stream', executionId: 'local:stream', options: { confirm: false, keepTagRevisions: 1, keepYoungerThan: '60m', all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: false, pruneRegistry: true, numWorkers: 10, now: NOW.toISOString() } };

const SEEDS = Array.from({ length: 9 }, (_, i) => `img-${i}`);
const OBJECTS = [
  ...SEEDS.map((s) => image(s) as unknown as KubeObject),
  stream('ns', 'app', { latest: SEEDS }) as unknown as KubeObject,
  pod('ns', 'web', [byDigest(SEEDS[3])]) as unknown as KubeObject,
];

let cluster: Cluster | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'collect-stream-'));
});
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function readBack(store: LocalFolderArtifacts, key: string, chunks: number): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for await (const o of readSnapshotChunks(store, { key, chunks })) out.push(o as KubeObject);
  return out;
}

/** The store, counting each put and whether the images list had reached its last page then. */
function watchPuts(store: LocalFolderArtifacts, onPut: (key: string) => void): LocalFolderArtifacts {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'put') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<LocalFolderArtifacts['put']>) => {
        onPut(args[0]);
        return target.put(...args);
      };
    },
  });
}

describe('Collect a group, a page at a time', () => {
  it('writes parts while the list is still paging', async () => {
    const images = Array.from({ length: 12 }, (_, i) => image(`img-${String(i).padStart(2, '0')}`) as unknown as KubeObject);
    cluster = await startCluster({ objects: images, pageSizeCap: 2 });
    const store = new LocalFolderArtifacts(dir);
    let pagesAsked = 0;
    cluster.api.beforeHandle = (r) => {
      if (r.path.endsWith('/images')) pagesAsked += 1;
    };
    // How many pages had been asked for when each part was written.
    const askedAtPut: number[] = [];
    const result = await collectGroup({ run: RUN, group: 'images' }, cluster.collector(), watchPuts(store, () => askedAtPut.push(pagesAsked)), { maxItems: 2, maxBytes: 1 << 20 });
    expect(result.count).toBe(12);
    expect(result.chunks).toBe(6);
    expect(pagesAsked).toBe(6);
    // Parts go out as pages come in: the first before the last page was asked for.
    expect(askedAtPut[0]).toBeLessThan(6);
    expect(names(await readBack(store, result.key, result.chunks))).toEqual(names(images));
  });

  it('stores each object once when one kind of the group starts again after an expired continue token', async () => {
    const objects = [
      ...Array.from({ length: 5 }, (_, i) => workload('Deployment', 'ns', `dep-${i}`, ['registry/app:1']) as unknown as KubeObject),
      ...Array.from({ length: 7 }, (_, i) => workload('ReplicaSet', 'ns', `rs-${i}`, ['registry/app:1']) as unknown as KubeObject),
      ...Array.from({ length: 4 }, (_, i) => workload('Job', 'ns', `job-${i}`, ['registry/app:1']) as unknown as KubeObject),
    ];
    cluster = await startCluster({ objects, pageSizeCap: 2 });
    // The ReplicaSets' token expires on their third page, after a part of theirs was written.
    let rsPages = 0;
    let expire: { hits: number } | undefined;
    cluster.api.beforeHandle = (r) => {
      if (r.path.endsWith('/replicasets') && ++rsPages === 2) expire = cluster!.api.faults.expireContinue({ path: /\/replicasets$/, times: 1 });
    };
    const store = new LocalFolderArtifacts(dir);
    const puts: string[] = [];
    const result = await collectGroup({ run: RUN, group: 'workloads' }, cluster.collector(), watchPuts(store, (k) => puts.push(k)), { maxItems: 3, maxBytes: 1 << 20 });
    expect(expire?.hits).toBe(1);
    expect(result.count).toBe(16);
    // Some part was written twice: the ReplicaSets' first try was written over.
    expect(puts.length).toBeGreaterThan(new Set(puts).size);
    const back = await readBack(store, result.key, result.chunks);
    expect(back.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual(objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort());
  });
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
