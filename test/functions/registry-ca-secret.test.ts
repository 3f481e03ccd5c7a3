// The registry's CA on AWS comes from Secrets Manager, never the environment
// (Lambda holds 4 KB of environment in all): `certificateAuthority` of the
// registry secret, else `registryCertificateAuthority` of the cluster secret.
// The AWS ports talk to a real https registry whose certificate no public CA signed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsPorts, registryCa } from '../../functions/aws-ports.js';
import type { RegistryDeleter } from '../../shared/adapters/registry/deleter.js';
import { ENV } from '../../shared/workflow/environment.js';
import { selfSignedCertificate, startRegistry, type RunningRegistry } from '../support/registry.js';

const REGISTRY_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:image-pruner/registry-AbCdEf';

let tls: RunningRegistry;
let cert: { certificate: string; key: string };
beforeAll(async () => {
  cert = await selfSignedCertificate();
  tls = await startRegistry({ tls: cert });
});
afterAll(async () => {
  await tls?.stop();
});

async function healthWith(secret: Record<string, string>): Promise<void> {
  const ports = awsPorts({ [ENV.registryUrl]: tls.url, [ENV.registrySecretArn]: REGISTRY_SECRET }, { readSecret: async () => secret });
  const registry = (await ports.registry()) as RegistryDeleter;
  try {
    await registry.checkHealth();
  } finally {
    await registry.close();
  }
}

describe('the registry CA on AWS', () => {
  it('is read from the registry secret: with it the private certificate is trusted', async () => {
    await expect(healthWith({ token: 't', certificateAuthority: cert.certificate })).resolves.toBeUndefined();
  });

  it('is needed: without it the same registry is refused', async () => {
    await expect(healthWith({ token: 't' })).rejects.toThrow(/certificate/i);
  });

  it.each([
    ['the registry secret wins', { certificateAuthority: 'A' }, { registryCertificateAuthority: 'B' }, 'A'],
    ['the cluster secret when there is no registry secret', undefined, { registryCertificateAuthority: 'B' }, 'B'],
    ['none: a public CA', undefined, { server: 's', token: 't' }, undefined],
    ['an empty field counts as none', { certificateAuthority: '' }, undefined, undefined],
  ])('%s', (_name, registrySecret, clusterSecret, expected) => {
    expect(registryCa(registrySecret as Record<string, string> | undefined, clusterSecret as Record<string, string> | undefined)).toBe(expected);
  });
});
