import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterConnectionOptions } from '../../../shared/adapters/kubernetes/index.js';
import { KubernetesCollector, ListIncompleteError, connectCluster } from '../../../shared/adapters/kubernetes/index.js';
import type { KubeObject } from '../../../shared/core/kube-types.js';
import { image } from '../../builders.js';
import type { FakeOpenShift } from '../../support/fake-openshift.js';
import { selfSignedCertificate, startFakeOpenShift } from '../../support/fake-openshift.js';
import { FAST_RETRY } from './helpers.js';

let api: FakeOpenShift;
beforeAll(async () => {
  api = await startFakeOpenShift({ objects: [image('a'), image('b')] as unknown as KubeObject[], tls: await selfSignedCertificate() });
});
afterAll(async () => {
  await api?.stop();
});

async function collectImages(o: ClusterConnectionOptions) {
  const client = await connectCluster({ env: {}, ...o });
  try {
    return await new KubernetesCollector(client, { retry: FAST_RETRY }).collectGroup('images');
  } finally {
    await client.close();
  }
}

describe('TLS to the API server', () => {
  it.each([
    { case: "the kubeconfig's CA data", o: () => ({ kubeconfig: api.kubeconfigPath }) },
    { case: 'a CA file given with --server', o: () => ({ server: api.url, token: api.token, certificateAuthority: api.caPath }) },
    { case: 'verification skipped when asked', o: () => ({ server: api.url, token: api.token, insecureSkipTlsVerify: true }) },
  ])('connects over https trusting $case', async ({ o }) => {
    expect(api.url).toMatch(/^https:/);
    expect((await collectImages(o())).items).toHaveLength(2);
  });

  it('refuses a certificate it cannot verify, at once, saying what to pass', async () => {
    const before = api.requests.length;
    const err = await collectImages({ server: api.url, token: api.token }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListIncompleteError);
    expect((err as Error).message).toMatch(/TLS: .*(SELF_SIGNED|CERT).*--cluster-certificate-authority[^;]*; nothing is planned/);
    expect(api.requests.length).toBe(before);
  });
});
