// "Collect <group>" stores a group as the pages come, not after the whole
// group is in memory: parts are written while the list is still paging, and a
// list that starts again (expired continue token) voids only its own kind's
// objects, so each object is stored exactly once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import type { KubeObject } from '../../shared/core/kube-types.js';
import { collectGroup } from '../../shared/workflow/collect.js';
import { readSnapshotChunks } from '../../shared/workflow/snapshot-chunks.js';
import { image, NOW, workload } from '../builders.js';
import type { Cluster } from '../adapters/kubernetes/helpers.js';
import { names, startCluster } from '../adapters/kubernetes/helpers.js';

const RUN = { runId: 'stream', executionId: 'local:stream', options: { confirm: false, keepTagRevisions: 1, keepYoungerThan: '60m', all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: false, pruneRegistry: true, numWorkers: 10, now: NOW.toISOString() } };

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
