import { afterEach, describe, expect, it } from 'vitest';
import { ListIncompleteError } from '../../../shared/adapters/kubernetes/index.js';
import type { KubeObject } from '../../../shared/core/kube-types.js';
import { RESOURCE_KINDS, kindByName } from '../../../shared/core/kinds.js';
import { build, image, pod, stream, workload, WORKLOAD_KINDS } from '../../builders.js';
import type { Cluster } from './helpers.js';
import { listRequests, names, startCluster } from './helpers.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** `n` objects of every kind the rules read, spread over two namespaces. */
function everyKind(n: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let i = 0; i < n; i += 1) {
    const ns = i % 2 ? 'team-a' : 'team-b';
    out.push(image(`img-${i}`, { layers: [`l-${i}`] }) as unknown as KubeObject);
    out.push(stream(ns, `s-${i}`, { latest: [`img-${i}`] }) as unknown as KubeObject);
    out.push(pod(ns, `p-${i}`, [`registry/app:${i}`]) as unknown as KubeObject);
    for (const kind of WORKLOAD_KINDS) out.push(workload(kind, ns, `${kind.toLowerCase()}-${i}`, [`registry/app:${i}`]) as unknown as KubeObject);
    out.push(build('Build', ns, `b-${i}`, { kind: 'DockerImage', name: `registry/base:${i}` }) as unknown as KubeObject);
    out.push(build('BuildConfig', ns, `bc-${i}`, { kind: 'DockerImage', name: `registry/base:${i}` }) as unknown as KubeObject);
    out.push({ apiVersion: 'v1', kind: 'LimitRange', metadata: { namespace: ns, name: `lr-${i}` }, spec: { limits: [{ type: 'openshift.io/Image', max: { storage: `${i + 1}Gi` } }] } } as unknown as KubeObject);
  }
  return out;
}

describe('paged collection', () => {
  it('collects every object of every kind across many pages', async () => {
    cluster = await startCluster({ objects: everyKind(7), pageSizeCap: 3 });
    const { snapshot, counts, skipped } = await cluster.collector().collectAll();
    expect(skipped).toEqual([]);
    for (const k of RESOURCE_KINDS) expect(counts[k.kind], k.kind).toBe(7);
    expect(names(snapshot.images as unknown as KubeObject[])).toEqual(names(cluster.api.objects('Image')));
    expect(names(snapshot.pods as unknown as KubeObject[])).toEqual(names(cluster.api.objects('Pod')));
    expect(snapshot.workloads).toHaveLength(7 * WORKLOAD_KINDS.length);
    expect(snapshot.builds).toHaveLength(14);
    expect(names(snapshot.limitRanges as unknown as KubeObject[])).toEqual(names(cluster.api.objects('LimitRange')));
    expect(snapshot.limitRanges.map((l) => l.spec?.limits?.[0]?.max?.storage).sort()).toEqual(['1Gi', '2Gi', '3Gi', '4Gi', '5Gi', '6Gi', '7Gi']);
    // LimitRanges page like the other kinds.
    expect(listRequests(cluster.api, '/api/v1/limitranges')).toHaveLength(3);
    // 7 items at 3 a page: 3 pages per kind, each continuing the one before.
    const pages = listRequests(cluster.api, '/apis/image.openshift.io/v1/images');
    expect(pages).toHaveLength(3);
    expect(pages[0].query.continue).toBeUndefined();
    expect(pages.slice(1).every((p) => typeof p.query.continue === 'string')).toBe(true);
  });

  it('asks for pages of 500 unless told otherwise', async () => {
    cluster = await startCluster({ objects: everyKind(1) });
    await cluster.collector().listKind(kindByName('Image')!);
    expect(listRequests(cluster.api, '/apis/image.openshift.io/v1/images')[0].query.limit).toBe('500');
  });

  it('restarts a list from scratch when its continue token expired, and still returns each object once', async () => {
    cluster = await startCluster({ objects: everyKind(10), pageSizeCap: 4 });
    const expire = cluster.api.faults.expireContinue({ path: /\/images$/, times: 1 });
    const events: string[] = [];
    const r = await cluster.collector({ onProgress: (e) => events.push(e.type) }).listKind(kindByName('Image')!);
    expect(expire.hits).toBe(1);
    expect(names(r.items)).toEqual(names(cluster.api.objects('Image')));
    expect(new Set(names(r.items)).size).toBe(10);
    const pages = listRequests(cluster.api, '/apis/image.openshift.io/v1/images');
    // page 1, page 2 -> 410, then page 1, 2, 3 again.
    expect(pages.map((p) => p.status)).toEqual([200, 410, 200, 200, 200]);
    expect(pages[2].query.continue).toBeUndefined();
    expect(events).toContain('restart');
  });

  it('fails with ListIncompleteError when the token keeps expiring', async () => {
    cluster = await startCluster({ objects: everyKind(5), pageSizeCap: 2 });
    cluster.api.faults.expireContinue({ path: '/imagestreams' });
    const err = await cluster.collector({ maxRestarts: 2 }).collectAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListIncompleteError);
    expect((err as ListIncompleteError).kind).toBe('ImageStream');
    expect((err as Error).message).toMatch(/ImageStream.*expired 3 times/);
  });

  it('lists core kinds through the typed API and keeps their timestamps as the API printed them', async () => {
    const p = pod('ns', 'web', ['registry/app:1']);
    cluster = await startCluster({ objects: [p as unknown as KubeObject] });
    const r = await cluster.collector().listKind(kindByName('Pod')!);
    expect(r.items).toEqual([{ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web', namespace: 'ns', creationTimestamp: p.metadata.creationTimestamp!.replace(/\.000Z$/, 'Z') }, spec: { containers: [{ name: 'c0', image: 'registry/app:1' }] }, status: { phase: 'Running' } }]);
  });
});
