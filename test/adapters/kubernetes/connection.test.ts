import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterAuthError, ClusterConfigError, KubernetesCollector, ListIncompleteError, PlainHttpCredentialsError, connectCluster } from '../../../shared/adapters/kubernetes/index.js';
import type { ClusterClient } from '../../../shared/adapters/kubernetes/index.js';
import type { KubeObject } from '../../../shared/core/kube-types.js';
import { image, pod } from '../../builders.js';
import type { FakeOpenShift } from '../../support/fake-openshift.js';
import { startFakeOpenShift } from '../../support/fake-openshift.js';
import { FAST_RETRY } from './helpers.js';

let api: FakeOpenShift | undefined;
let client: ClusterClient | undefined;
afterEach(async () => {
  await client?.close();
  await api?.stop();
  api = client = undefined;
});

const OBJECTS = [...Array.from({ length: 60 }, (_, i) => image(`i${i}`)), ...Array.from({ length: 60 }, (_, i) => pod('ns', `p${i}`, ['r/app:1']))] as unknown as KubeObject[];

describe('connection', () => {
  it('sends a whole paged list over one kept-alive connection', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS, pageSizeCap: 2 });
    client = await connectCluster({ kubeconfig: api.kubeconfigPath, allowPlainHttp: true, env: {} });
    await new KubernetesCollector(client, { retry: FAST_RETRY }).collectGroup('images');
    expect(api.requests.length).toBe(30);
    // undici hands a connection back to the pool a moment after the body is
    // read, so back-to-back requests may alternate between two.
    expect(api.connections).toBeLessThanOrEqual(2);
  });

  it('needs the shared pool: client-node on its own opens a connection per request', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS, pageSizeCap: 2 });
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    const bare = kc.makeApiClient(CustomObjectsApi);
    let token: string | undefined;
    do {
      const page = (await bare.listClusterCustomObject({ group: 'image.openshift.io', version: 'v1', plural: 'images', limit: 2, _continue: token })) as { metadata?: { continue?: string } };
      token = page.metadata?.continue;
    } while (token);
    expect(api.requests.length).toBe(30);
    expect(api.connections).toBeGreaterThan(10);
  });

  it('keeps concurrent lists within the pool: many requests, few connections', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS, pageSizeCap: 2 });
    client = await connectCluster({ kubeconfig: api.kubeconfigPath, allowPlainHttp: true, env: {}, maxConnections: 8 });
    await new KubernetesCollector(client, { retry: FAST_RETRY }).collectAll();
    expect(api.requests.length).toBeGreaterThan(60);
    expect(api.connections).toBeLessThanOrEqual(8);
  });

  it('connects with an explicit server URL and bearer token', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS.slice(0, 3) });
    client = await connectCluster({ server: api.url, token: api.token, allowPlainHttp: true, env: {} });
    const r = await new KubernetesCollector(client, { retry: FAST_RETRY }).collectGroup('images');
    expect(r.items).toHaveLength(3);
  });

  it('uses the kubeconfig context it is given', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS.slice(0, 3) });
    const dir = await mkdtemp(join(tmpdir(), 'kc-'));
    const path = join(dir, 'config');
    const kc = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'fake', cluster: { server: api.url, 'insecure-skip-tls-verify': true } },
        { name: 'nowhere', cluster: { server: 'http://127.0.0.1:9', 'insecure-skip-tls-verify': true } },
      ],
      users: [{ name: 'u', user: { token: api.token } }],
      contexts: [
        { name: 'good', context: { cluster: 'fake', user: 'u' } },
        { name: 'bad', context: { cluster: 'nowhere', user: 'u' } },
      ],
      'current-context': 'bad',
    };
    await writeFile(path, JSON.stringify(kc));
    client = await connectCluster({ kubeconfig: path, context: 'good', allowPlainHttp: true, env: {} });
    expect(client.server).toBe(api.url);
    expect((await new KubernetesCollector(client, { retry: FAST_RETRY }).collectGroup('images')).items).toHaveLength(3);
    await expect(connectCluster({ kubeconfig: path, context: 'missing', env: {} })).rejects.toThrow(new ClusterConfigError(`kubeconfig ${path}: context "missing" does not exist`));
  });

  it.each([
    { case: 'a kubeconfig that does not exist', o: { kubeconfig: '/nonexistent/kubeconfig' }, message: 'kubeconfig /nonexistent/kubeconfig does not exist (log in with oc login, or pass --kubeconfig)' },
    { case: 'a server that is not a URL', o: { server: 'not a url', token: 't' }, message: '--server "not a url" is not a URL (expected e.g. https://api.example.com:6443)' },
    { case: 'a server without a token', o: { server: 'https://api.example.com:6443' }, message: '--server https://api.example.com:6443 needs a bearer token (--token-file)' },
    { case: 'in-cluster outside a pod', o: { inCluster: true }, message: 'in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not running in a pod?)' },
    { case: 'a CA file that does not exist', o: { server: 'https://api.example.com:6443', token: 't', certificateAuthority: '/nonexistent/ca.pem' }, message: '--cluster-certificate-authority /nonexistent/ca.pem cannot be read: ENOENT' },
  ])('refuses $case with ClusterConfigError', async ({ o, message }) => {
    const err = await connectCluster({ ...o, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterConfigError);
    expect((err as Error).message).toBe(message);
  });

  it.each([
    ['a kubeconfig', (a: FakeOpenShift) => ({ kubeconfig: a.kubeconfigPath })],
    ['--server and a token', (a: FakeOpenShift) => ({ server: a.url, token: a.token })],
  ])('refuses to send the token to an http:// server through %s unless plain http is allowed', async (_what, o) => {
    api = await startFakeOpenShift({ objects: OBJECTS.slice(0, 3) });
    const err = await connectCluster({ ...o(api), env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlainHttpCredentialsError);
    expect((err as Error).message).toBe(`API server ${api.url} is plain http: its credentials would cross the network in clear (use https, or allow plain http explicitly)`);
    expect(api.requests).toEqual([]);
  });

  it('fails on a wrong token with 401, without retrying and without showing either token', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS.slice(0, 3) });
    client = await connectCluster({ server: api.url, token: 'wrong-token-value', allowPlainHttp: true, env: {} });
    const err = (await new KubernetesCollector(client, { retry: FAST_RETRY }).collectGroup('images').catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ClusterAuthError);
    expect(err.message).toBe(`token rejected by ${api.url} (HTTP 401 Unauthorized): the credentials of the --server token; log in again (oc login) or give another token`);
    expect(err.message).not.toContain('wrong-token-value');
    expect(err.message).not.toContain(api.token);
  });
});
