import { afterEach, describe, expect, it } from 'vitest';
import { ImageStreamConflictError, KubernetesClusterWriter, applyStreamUpdate } from '../../../shared/adapters/kubernetes/index.js';
import type { ImageStream, KubeObject, NamedTagEventList } from '../../../shared/core/kube-types.js';
import type { StreamUpdate } from '../../../shared/core/plan-types.js';
import { digest, rev, stream } from '../../builders.js';
import type { Cluster } from './helpers.js';
import { FAST_RETRY, startCluster } from './helpers.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const STREAM_PATH = '/apis/image.openshift.io/v1/namespaces/ns/imagestreams/app';

/** The stream's history as `tag: [image seeds...]`, for readable assertions. */
function history(s: KubeObject | undefined, seeds: string[]): Record<string, string[]> {
  const bySha = new Map(seeds.map((x) => [digest(x), x]));
  const tags = ((s as unknown as ImageStream).status?.tags ?? []) as NamedTagEventList[];
  return Object.fromEntries(tags.map((t) => [t.tag, (t.items ?? []).map((i) => bySha.get(i.image) ?? i.image)]));
}

const SEEDS = ['a', 'b', 'c', 'd', 'e', 'new'];
const removal = (tag: string, index: number, seed: string) => ({ tag, index, image: digest(seed) });

function writer(c: Cluster, maxConflictRetries?: number): KubernetesClusterWriter {
  return new KubernetesClusterWriter(c.client, { retry: FAST_RETRY, maxConflictRetries });
}

describe('image stream updates', () => {
  it('removes exactly the given revisions and tags, through the status subresource', async () => {
    cluster = await startCluster({ objects: [stream('ns', 'app', { latest: ['a', 'b', 'c', 'd'], old: ['e'], keep: ['a'] }) as unknown as KubeObject] });
    const update: StreamUpdate = { namespace: 'ns', name: 'app', removed: [removal('latest', 2, 'c'), removal('latest', 3, 'd'), removal('old', 0, 'e')], removedTags: ['old'] };
    expect(await writer(cluster).updateImageStream(update)).toBe('done');
    expect(history(cluster.api.get('ImageStream', 'app', 'ns'), SEEDS)).toEqual({ latest: ['a', 'b'], keep: ['a'] });
    const writes = cluster.api.requests.filter((r) => r.method !== 'GET');
    expect(writes.map((w) => `${w.method} ${w.path} ${w.status}`)).toEqual([`PUT ${STREAM_PATH}/status 200`]);
  });

  it('re-reads and re-applies after a 409 Conflict, keeping a revision pushed in between', async () => {
    cluster = await startCluster({ objects: [stream('ns', 'app', { latest: ['a', 'b', 'c'] }) as unknown as KubeObject] });
    let pushed = false;
    cluster.api.beforeHandle = (r) => {
      // A push lands between the updater's read and its write.
      if (!pushed && r.method === 'PUT') {
        pushed = true;
        const s = cluster!.api.get('ImageStream', 'app', 'ns') as unknown as ImageStream;
        s.status!.tags![0].items!.unshift(rev('new', '1m'));
        cluster!.api.put(s as unknown as KubeObject);
      }
    };
    expect(await writer(cluster).updateImageStream({ namespace: 'ns', name: 'app', removed: [removal('latest', 2, 'c')], removedTags: [] })).toBe('done');
    expect(history(cluster.api.get('ImageStream', 'app', 'ns'), SEEDS)).toEqual({ latest: ['new', 'a', 'b'] });
    const puts = cluster.api.requests.filter((r) => r.method === 'PUT').map((r) => r.status);
    expect(puts).toEqual([409, 200]);
    expect(cluster.api.requests.filter((r) => r.method === 'GET')).toHaveLength(2);
  });

  it('gives up with ImageStreamConflictError when the stream keeps changing', async () => {
    cluster = await startCluster({ objects: [stream('ns', 'app', { latest: ['a', 'b'] }) as unknown as KubeObject] });
    cluster.api.beforeHandle = (r) => {
      if (r.method === 'PUT') cluster!.api.put(cluster!.api.get('ImageStream', 'app', 'ns')!);
    };
    const err = await writer(cluster, 3).updateImageStream({ namespace: 'ns', name: 'app', removed: [removal('latest', 1, 'b')], removedTags: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageStreamConflictError);
    expect((err as Error).message).toMatch(/ImageStream ns\/app.*409.*3 re-reads/);
  });

  it.each([
    { case: 'the stream is gone', objects: [] as KubeObject[] },
    { case: 'the revision is already removed', objects: [stream('ns', 'app', { latest: ['a'] }) as unknown as KubeObject] },
  ])('is "gone" when $case, without writing', async ({ objects }) => {
    cluster = await startCluster({ objects });
    expect(await writer(cluster).updateImageStream({ namespace: 'ns', name: 'app', removed: [removal('latest', 1, 'b')], removedTags: [] })).toBe('gone');
    expect(cluster.api.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('retries a 503 on the write', async () => {
    cluster = await startCluster({ objects: [stream('ns', 'app', { latest: ['a', 'b'] }) as unknown as KubeObject] });
    cluster.api.faults.status(503, { method: 'PUT', times: 1 });
    expect(await writer(cluster).updateImageStream({ namespace: 'ns', name: 'app', removed: [removal('latest', 1, 'b')], removedTags: [] })).toBe('done');
    expect(history(cluster.api.get('ImageStream', 'app', 'ns'), SEEDS)).toEqual({ latest: ['a'] });
  });
});

describe('applying a stream update to the history it meets', () => {
  const tags = (t: Record<string, string[]>): NamedTagEventList[] => Object.entries(t).map(([tag, seeds]) => ({ tag, items: seeds.map((s) => rev(s)) }));
  const seedsOf = (t: NamedTagEventList[]) => Object.fromEntries(t.map((x) => [x.tag, (x.items ?? []).map((i) => SEEDS.find((s) => digest(s) === i.image))]));
  it.each([
    { case: 'unchanged history: by position', now: { t: ['a', 'b', 'c'] }, removed: [removal('t', 1, 'b')], removedTags: [], left: { t: ['a', 'c'] } },
    { case: 'a newer push shifted the history', now: { t: ['new', 'a', 'b', 'c'] }, removed: [removal('t', 2, 'c')], removedTags: [], left: { t: ['new', 'a', 'b'] } },
    { case: 'an older revision went away', now: { t: ['a', 'c'] }, removed: [removal('t', 2, 'c')], removedTags: [], left: { t: ['a'] } },
    { case: 'the image was pushed again as newest: it stays', now: { t: ['c', 'a', 'b'] }, removed: [removal('t', 2, 'c')], removedTags: [], left: { t: ['c', 'a', 'b'] } },
    { case: 'the same image twice: both positions named', now: { t: ['a', 'b', 'b'] }, removed: [removal('t', 1, 'b'), removal('t', 2, 'b')], removedTags: [], left: { t: ['a'] } },
    { case: 'a removed tag whose revisions all go', now: { t: ['a'], u: ['b'] }, removed: [removal('u', 0, 'b')], removedTags: ['u'], left: { t: ['a'] } },
    { case: 'a removed tag that got a new revision stays', now: { t: ['a'], u: ['new', 'b'] }, removed: [removal('u', 0, 'b')], removedTags: ['u'], left: { t: ['a'], u: ['new'] } },
  ])('$case', ({ now, removed, removedTags, left }) => {
    const r = applyStreamUpdate(tags(now as Record<string, string[]>), { namespace: 'ns', name: 's', removed, removedTags });
    expect(seedsOf(r.tags)).toEqual(left);
  });
});
