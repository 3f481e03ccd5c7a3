import { afterEach, describe, expect, it } from 'vitest';
import { ListIncompleteError } from '../../../shared/adapters/kubernetes/index.js';
import type { KubeObject } from '../../../shared/core/kube-types.js';
import { kindByName } from '../../../shared/core/kinds.js';
import { image } from '../../builders.js';
import type { FakeOpenShift } from '../../support/fake-openshift.js';
import type { Cluster } from './helpers.js';
import { listRequests, names, startCluster } from './helpers.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const IMAGES = Array.from({ length: 9 }, (_, i) => image(`img-${i}`) as unknown as KubeObject);
const IMAGES_PATH = '/apis/image.openshift.io/v1/images';

// Each fault hits the second page twice; the list must still come back whole.
const TRANSIENT: { name: string; arm: (api: FakeOpenShift) => void; answers: number[] }[] = [
  { name: '429 Too Many Requests', arm: (api) => api.faults.status(429, { path: IMAGES_PATH, times: 2 }), answers: [429, 429] },
  { name: '500 Internal Error', arm: (api) => api.faults.status(500, { path: IMAGES_PATH, times: 2 }), answers: [500, 500] },
  { name: '503 Service Unavailable', arm: (api) => api.faults.status(503, { path: IMAGES_PATH, times: 2 }), answers: [503, 503] },
  { name: 'a dropped connection', arm: (api) => api.faults.drop({ path: IMAGES_PATH, times: 2 }), answers: [0, 0] },
  { name: 'a response slower than the request timeout', arm: (api) => api.faults.slow(1_500, { path: IMAGES_PATH, times: 1 }), answers: [0] },
];

describe('retries while listing', () => {
  it.each(TRANSIENT)('rides out $name and returns the complete list', async ({ arm, answers }) => {
    cluster = await startCluster({ objects: IMAGES, pageSizeCap: 4 }, { requestTimeoutMs: 500 });
    // Arm after page 1 so the fault lands mid-list.
    let armed = false;
    cluster.api.beforeHandle = (r) => {
      if (!armed && r.path === IMAGES_PATH) {
        armed = true;
        arm(cluster!.api);
      }
    };
    const retries: string[] = [];
    const r = await cluster.collector({ onProgress: (e) => e.type === 'retry' && retries.push(e.reason) }).listKind(kindByName('Image')!);
    expect(names(r.items)).toEqual(names(IMAGES));
    expect(retries).toHaveLength(answers.length);
    const statuses = listRequests(cluster.api, IMAGES_PATH).map((q) => q.status);
    expect(statuses).toEqual([200, ...answers, 200, 200]);
  });

  it('waits as long as Retry-After says before trying again', async () => {
    cluster = await startCluster({ objects: IMAGES });
    cluster.api.faults.status(429, { path: IMAGES_PATH, times: 1, retryAfterSeconds: 1 });
    const r = await cluster.collector().listKind(kindByName('Image')!);
    expect(r.items).toHaveLength(9);
    const [first, second] = listRequests(cluster.api, IMAGES_PATH);
    expect(first.status).toBe(429);
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
  });

  it('fails the collection when a list keeps failing, and returns nothing partial', async () => {
    cluster = await startCluster({ objects: IMAGES, pageSizeCap: 4 });
    let pages = 0;
    cluster.api.beforeHandle = (r) => {
      if (r.path === IMAGES_PATH && ++pages === 1) cluster!.api.faults.status(500, { path: /\/images$/ });
    };
    const err = await cluster.collector().collectAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListIncompleteError);
    expect((err as Error).message).toMatch(
      /^list of Image \(\/apis\/image\.openshift\.io\/v1\/images\) failed on page 2: HTTP 500 InternalError after 4 attempts over \d+\.\d s; nothing is planned from a partial list$/,
    );
    expect(listRequests(cluster.api, IMAGES_PATH)).toHaveLength(5);
  });

  it('does not retry errors that will not go away (403), and says which list failed', async () => {
    cluster = await startCluster({ objects: IMAGES });
    cluster.api.faults.status(403, { path: '/api/v1/pods' });
    const err = await cluster.collector().collectAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListIncompleteError);
    // Tried once, so no attempt count; the status named once ("HTTP 403 Forbidden", never "HTTP 403 HTTP 403").
    expect((err as Error).message).toMatch(/^list of Pod \(\/api\/v1\/pods\) failed on page 1: HTTP 403 \w+; nothing is planned/);
  });

  it('never puts the token in an error', async () => {
    cluster = await startCluster({ objects: IMAGES }, {});
    cluster.api.faults.status(500, {});
    const err = (await cluster.collector().collectAll().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ListIncompleteError);
    expect(JSON.stringify({ m: err.message, s: err.stack, c: String(err.cause) })).not.toContain(cluster.api.token);
  });
});
