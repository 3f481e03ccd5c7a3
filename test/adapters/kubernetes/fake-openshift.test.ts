// The fake API server's own protocol, where the adapter does not reach it
// (namespaced lists, Status shapes, auth), since other tests rely on it too.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../shared/core/kube-types.js';
import { image, pod, stream } from '../../builders.js';
import type { FakeOpenShift } from '../../support/fake-openshift.js';
import { startFakeOpenShift } from '../../support/fake-openshift.js';

let api: FakeOpenShift | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

async function call(method: string, path: string, body?: unknown, token = api!.token): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(`${api!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

const OBJECTS = [pod('a', 'p1', ['x']), pod('a', 'p2', ['x']), pod('b', 'p3', ['x']), stream('a', 'app', { latest: ['i1'] }), image('i1')] as unknown as KubeObject[];

describe('fake OpenShift API server', () => {
  it('serves a generated kind page by page, and leaves deleted objects out of later lists', async () => {
    const made: number[] = [];
    api = await startFakeOpenShift({ generated: { Image: { count: 5, item: (i) => (made.push(i), image(`g${i}`) as unknown as KubeObject) } } });
    const names = async (): Promise<string[]> => {
      const out: string[] = [];
      let cont = '';
      do {
        const page = await call('GET', `/apis/image.openshift.io/v1/images?limit=2${cont ? `&continue=${cont}` : ''}`);
        expect(page.status).toBe(200);
        expect(page.json.items.length).toBeLessThanOrEqual(2);
        out.push(...page.json.items.map((o: KubeObject) => o.metadata!.name!));
        cont = page.json.metadata.continue ?? '';
      } while (cont);
      return out;
    };
    const g = [0, 1, 2, 3, 4].map((i) => image(`g${i}`).metadata.name);
    expect(await names()).toEqual(g);
    // Made when a page asked for them, not kept.
    expect(made).toEqual([0, 1, 2, 3, 4]);
    expect((await call('DELETE', `/apis/image.openshift.io/v1/images/${g[2]}`)).status).toBe(200);
    expect((await call('DELETE', `/apis/image.openshift.io/v1/images/${g[2]}`)).status).toBe(404);
    expect(await names()).toEqual([g[0], g[1], g[3], g[4]]);
  });

  it('lists one namespace in pages, items without kind, with a list resourceVersion', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS });
    const first = await call('GET', '/api/v1/namespaces/a/pods?limit=1');
    expect(first.json.kind).toBe('PodList');
    expect(first.json.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(first.json.items.map((p: KubeObject) => p.metadata?.name)).toEqual(['p1']);
    expect(first.json.items[0].kind).toBeUndefined();
    const second = await call('GET', `/api/v1/namespaces/a/pods?limit=1&continue=${first.json.metadata.continue}`);
    expect(second.json.items.map((p: KubeObject) => p.metadata?.name)).toEqual(['p2']);
    expect(second.json.metadata.continue).toBeUndefined();
    // A token belongs to its list.
    expect((await call('GET', `/api/v1/pods?limit=1&continue=${first.json.metadata.continue}`)).status).toBe(400);
  });

  it.each([
    { case: 'no token', req: ['GET', '/api/v1/pods', undefined, 'nope'] as const, status: 401, reason: 'Unauthorized' },
    { case: 'a missing object', req: ['GET', '/apis/image.openshift.io/v1/images/sha256:00'] as const, status: 404, reason: 'NotFound' },
    { case: 'an unknown resource', req: ['GET', '/apis/image.openshift.io/v1/widgets'] as const, status: 404, reason: 'NotFound' },
    { case: 'a stale update', req: ['PUT', '/apis/image.openshift.io/v1/namespaces/a/imagestreams/app', { metadata: { name: 'app', resourceVersion: '1' } }] as const, status: 409, reason: 'Conflict' },
    { case: 'an update without resourceVersion', req: ['PUT', '/apis/image.openshift.io/v1/namespaces/a/imagestreams/app', { metadata: { name: 'app' } }] as const, status: 422, reason: 'Invalid' },
    { case: 'a duplicate create', req: ['POST', '/apis/image.openshift.io/v1/namespaces/a/imagestreams', { metadata: { name: 'app' } }] as const, status: 409, reason: 'AlreadyExists' },
  ])('answers $case with a Status object ($status $reason)', async ({ req, status, reason }) => {
    api = await startFakeOpenShift({ objects: OBJECTS });
    const r = await call(req[0], req[1], req[2], req[3]);
    expect(r.status).toBe(status);
    expect(r.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: status, reason });
  });

  it('keeps status on a main-resource update, and only status on a status update', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS });
    const path = '/apis/image.openshift.io/v1/namespaces/a/imagestreams/app';
    const s = (await call('GET', path)).json;
    const main = await call('PUT', path, { ...s, spec: { lookupPolicy: { local: true } }, status: { tags: [] } });
    expect(main.status).toBe(200);
    expect(main.json.status.tags).toHaveLength(1);
    expect(main.json.spec.lookupPolicy.local).toBe(true);
    const st = await call('PUT', `${path}/status`, { ...main.json, spec: {}, status: { tags: [] } });
    expect(st.json.status.tags).toEqual([]);
    expect(st.json.spec.lookupPolicy.local).toBe(true);
  });

  it('serves nothing of a group it is told not to serve', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS.filter((o) => o.kind === 'Pod'), notServed: ['image.openshift.io'] });
    expect((await call('GET', '/apis/image.openshift.io/v1/images')).status).toBe(404);
    expect((await call('POST', '/apis/image.openshift.io/v1/namespaces/a/imagestreammappings', {})).status).toBe(404);
    expect((await call('GET', '/api/v1/pods')).status).toBe(200);
  });
});
