// The registry secret on AWS: a `{"token"}` secret sends a bearer token, a
// `{"username", "password"}` secret (documented in infra/image-pruner.ts) sends
// basic credentials, and anything else stops before any request. The batch
// handler runs with the AWS dependencies against the real registry behind a
// proxy that records the Authorization header; only the secret store is ours.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsPorts } from '../../functions/aws-ports.js';
import type { PortSource } from '../../functions/ports-middleware.js';
import { taskHandler } from '../../functions/task-handler.js';
import { deleteManifestsTask } from '../../shared/workflow/tables/prune.js';
import type { RegistryDeleter } from '../../shared/adapters/registry/deleter.js';
import { ENV } from '../../shared/workflow/contracts.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { fakeContext } from './harness.js';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:image-pruner/registry-AbCdEf';
const REPO = 'creds/app';

let registry: RunningRegistry;
let proxy: FaultProxy;
let ports: PortSource | undefined;
let seq = 0;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.url);
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});
beforeEach(() => proxy.reset());
afterEach(async () => {
  if (ports) await ((await ports.registry().catch(() => undefined)) as RegistryDeleter | undefined)?.close();
  ports = undefined;
});

/** The AWS ports with the registry secret holding `secret`. */
function bindWithSecret(secret: Record<string, string>): void {
  // The registry behind the proxy is plain http: the deployment says forceInsecure.
  const env = { [ENV.registryUrl]: proxy.url, [ENV.forceInsecure]: 'true', [ENV.registrySecretArn]: SECRET_ARN };
  ports = awsPorts(env, {
    readSecret: async (arn, envName) => {
      expect([arn, envName]).toEqual([SECRET_ARN, ENV.registrySecretArn]);
      return secret;
    },
  });
}

async function deleteOneManifest(): Promise<unknown> {
  const digest = (await pushImage(registry.url, { repository: REPO, seed: `creds-${seq++}` })).manifestDigest;
  proxy.reset();
  return taskHandler(deleteManifestsTask, { ports: ports! })({ Items: [{ repository: REPO, digest }], BatchInput: { runId: 'r', kind: 'manifests' } }, fakeContext());
}

describe('the registry secret of a batch handler on AWS', () => {
  it.each([
    ['a token', { token: 'sha256~not-a-real-token' }, 'Bearer sha256~not-a-real-token'],
    ['a user name and password', { username: 'pruner', password: 'p4ss:word' }, `Basic ${Buffer.from('pruner:p4ss:word').toString('base64')}`],
  ])('with %s sends those credentials with the delete', async (_what, secret, authorization) => {
    bindWithSecret(secret);

    expect(await deleteOneManifest()).toEqual({ kind: 'manifests', done: 1, gone: 0 });

    expect(proxy.log.filter((r) => r.method === 'DELETE').map((r) => r.authorization)).toEqual([authorization]);
  });

  it.each([
    ['no credentials at all', {}, /needs "token", or "username" and "password"/],
    ['a user name without a password', { username: 'pruner' }, /"password" is missing or empty/],
    ['a password without a user name', { password: 'p4ss' }, /"username" is missing or empty/],
    ['both a token and basic credentials', { token: 't', username: 'u', password: 'p' }, /not both/],
  ])('with %s is refused naming the secret, before any request', async (_what, secret, message) => {
    bindWithSecret(secret);

    const attempt = deleteOneManifest();

    await expect(attempt).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(new RegExp(`secret of ${ENV.registrySecretArn}: .*${message.source}`)) });
    expect(proxy.log.filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('uses a rotated secret from the next invocation on, in the same container', async () => {
    const secret = { token: 'sha256~before-rotation' };
    const env = { [ENV.registryUrl]: proxy.url, [ENV.forceInsecure]: 'true', [ENV.registrySecretArn]: SECRET_ARN };
    // The secret store answers with whatever the secret holds now (Powertools' cache expiry is its business).
    ports = awsPorts(env, { readSecret: async () => ({ ...secret }) });
    expect(await deleteOneManifest()).toEqual({ kind: 'manifests', done: 1, gone: 0 });
    secret.token = 'sha256~after-rotation';
    expect(await deleteOneManifest()).toEqual({ kind: 'manifests', done: 1, gone: 0 });
    expect(proxy.log.filter((r) => r.method === 'DELETE').map((r) => r.authorization)).toEqual(['Bearer sha256~after-rotation']);
  });

  it('never puts the password in its error', async () => {
    bindWithSecret({ username: 'pruner', password: 'hunter2-secret', token: 'tok-secret' });
    const err = (await deleteOneManifest().catch((e: unknown) => e)) as Error;
    expect(err.message).not.toMatch(/hunter2-secret|tok-secret/);
  });
});

describe('the registry URL of a batch handler on AWS', () => {
  const bindWithout = (env: Record<string, string>) => {
    ports = awsPorts({ [ENV.forceInsecure]: 'true', [ENV.registrySecretArn]: SECRET_ARN, ...env }, { readSecret: async () => ({ token: 't' }) });
  };
  const deleteAt = async (registryUrl?: string) => {
    const digest = (await pushImage(registry.url, { repository: REPO, seed: `url-${seq++}` })).manifestDigest;
    proxy.reset();
    return taskHandler(deleteManifestsTask, { ports: ports! })({ Items: [{ repository: REPO, digest }], BatchInput: { runId: 'r', kind: 'manifests', ...(registryUrl ? { registryUrl } : {}) } }, fakeContext());
  };

  it('deletes at the URL its event names (what "Find the registry" chose) when the deployment gives none', async () => {
    bindWithout({});
    expect(await deleteAt(proxy.url)).toEqual({ kind: 'manifests', done: 1, gone: 0 });
    expect(proxy.log.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it("falls back to the deployment's URL for an event that names none", async () => {
    bindWithout({ [ENV.registryUrl]: proxy.url });
    expect(await deleteAt()).toEqual({ kind: 'manifests', done: 1, gone: 0 });
    expect(proxy.log.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it('is refused in one line when neither names a registry, before any request', async () => {
    bindWithout({});
    await expect(deleteAt()).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(`${ENV.registryUrl} is not set`) });
    expect(proxy.log.filter((r) => r.method === 'DELETE')).toEqual([]);
  });
});
