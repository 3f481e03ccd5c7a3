// Retries with backoff on 5xx, 429 and dropped connections, bounded; faults
// come from a proxy on loopback in front of the real registry.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  deleteManifests,
  RegistryRequestError,
  type RetryInfo,
} from '../../../shared/adapters/registry/index.js';
import { startRegistry, type RunningRegistry } from '../../support/registry.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../../support/fault-proxy.js';
import { pushImage } from '../../support/push.js';
import { deleterFor, FAST_RETRY, manifestStatus } from './helpers.js';

let registry: RunningRegistry;
let proxy: FaultProxy;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.url);
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});
beforeEach(() => proxy.reset());

const onDelete = (method: string) => method === 'DELETE';
let seq = 0;
async function freshManifest(): Promise<string> {
  return (await pushImage(registry.url, { repository: 'retry/app', seed: `m${seq++}`, layers: [{ seed: 'retry-layer' }] })).manifestDigest;
}

describe('a delete that meets transient faults', () => {
  it.each<[string, Fault[], RegExp]>([
    ['two 503s', [{ kind: 'status', status: 503 }, { kind: 'status', status: 503 }], /^HTTP 503$/],
    ['a 429 with Retry-After', [{ kind: 'status', status: 429, retryAfter: '1' }], /^HTTP 429$/],
    ['a 502 from a load balancer', [{ kind: 'status', status: 502 }], /^HTTP 502$/],
    ['a dropped connection', [{ kind: 'reset' }], /^(UND_ERR_SOCKET|ECONNRESET)$/],
  ])('is retried after %s and done', async (_what, faults, reason) => {
    const digest = await freshManifest();
    const retries: RetryInfo[] = [];
    const deleter = deleterFor(proxy.url, { onRetry: (r) => retries.push(r) });
    proxy.inject(faults, onDelete);

    expect(await deleter.deleteManifest('retry/app', digest)).toBe('done');

    expect(retries).toHaveLength(faults.length);
    for (const r of retries) expect(r.reason).toMatch(reason);
    expect(proxy.log.filter((r) => r.method === 'DELETE')).toHaveLength(faults.length + 1);
    expect(await manifestStatus(registry.url, 'retry/app', digest)).toBe(404);
    await deleter.close();
  });

  it('caps a long Retry-After at maxRetryAfterMs', async () => {
    const digest = await freshManifest();
    const retries: RetryInfo[] = [];
    const deleter = deleterFor(proxy.url, { onRetry: (r) => retries.push(r) });
    proxy.inject([{ kind: 'status', status: 429, retryAfter: '3600' }], onDelete);

    expect(await deleter.deleteManifest('retry/app', digest)).toBe('done');
    expect(retries[0].delayMs).toBe(FAST_RETRY.maxRetryAfterMs);
    await deleter.close();
  });
});

describe('a delete that keeps failing', () => {
  it('gives up after the configured attempts with a RegistryRequestError naming the status', async () => {
    const digest = await freshManifest();
    const deleter = deleterFor(proxy.url);
    proxy.inject(Array.from({ length: FAST_RETRY.attempts }, () => ({ kind: 'status' as const, status: 500 })), onDelete);

    const attempt = deleter.deleteManifest('retry/app', digest);

    await expect(attempt).rejects.toBeInstanceOf(RegistryRequestError);
    await expect(attempt).rejects.toThrow(`DELETE manifest retry/app@${digest}: registry ${proxy.url} answered 500`);
    expect(proxy.log.filter((r) => r.method === 'DELETE')).toHaveLength(FAST_RETRY.attempts);
    expect(await manifestStatus(registry.url, 'retry/app', digest)).toBe(200);
    await deleter.close();
  });

  it('fails only that item of a batch; the others are still deleted', async () => {
    const digests = [await freshManifest(), await freshManifest(), await freshManifest()];
    const deleter = deleterFor(proxy.url);
    proxy.inject(
      Array.from({ length: FAST_RETRY.attempts }, () => ({ kind: 'status' as const, status: 500 })),
      (method, path) => method === 'DELETE' && path.endsWith(digests[1]),
    );

    const results = await deleteManifests(deleter, digests.map((digest) => ({ repository: 'retry/app', digest })), { concurrency: 2 });

    expect(results.map((r) => r.status)).toEqual(['done', 'failed', 'done']);
    expect(results[1].reason).toMatch(/^RegistryRequestError: .* answered 500$/);
    await deleter.close();
  });

  it('does not retry an answer that will not change (400)', async () => {
    const deleter = deleterFor(proxy.url);
    proxy.inject([{ kind: 'status', status: 400, body: '{"errors":[{"code":"DIGEST_INVALID"}]}' }], onDelete);
    await expect(deleter.deleteManifest('retry/app', `sha256:${'3'.repeat(64)}`)).rejects.toThrow(/answered 400 \(DIGEST_INVALID\)/);
    expect(proxy.log.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    await deleter.close();
  });
});

describe('basic credentials', () => {
  it('are sent as a Basic header with every delete', async () => {
    const digest = await freshManifest();
    const deleter = deleterFor(proxy.url, { basicAuth: { username: 'pruner', password: 'p4ss' }, insecure: true });
    expect(await deleter.deleteManifest('retry/app', digest)).toBe('done');
    expect(proxy.log.filter((r) => r.method === 'DELETE').map((r) => r.authorization)).toEqual([
      `Basic ${Buffer.from('pruner:p4ss').toString('base64')}`,
    ]);
    await deleter.close();
  });

  it.each([
    ['a token and basic credentials', { token: 't', basicAuth: { username: 'u', password: 'p' } }, /a token or basicAuth, not both/],
    ['an empty token', { token: '' }, /registry token: must be a non-empty single line/],
    ['a user name with a colon', { basicAuth: { username: 'a:b', password: 'p' } }, /basicAuth\.username/],
  ])('refuse %s', (_what, opts, message) => {
    expect(() => deleterFor(proxy.url, opts)).toThrow(message);
  });
});

describe('the bearer token', () => {
  const token = 'sha256~not-a-real-token-0123456789';

  it('is sent with every delete', async () => {
    const digest = await freshManifest();
    const deleter = deleterFor(proxy.url, { token, insecure: true });
    expect(await deleter.deleteManifest('retry/app', digest)).toBe('done');
    expect(proxy.log.filter((r) => r.method === 'DELETE').map((r) => r.authorization)).toEqual([`Bearer ${token}`]);
    await deleter.close();
  });

  it.each([
    ['a token', { token }],
    ['basic credentials', { basicAuth: { username: 'pruner', password: 'p4ss' } }],
  ])('is not sent to an http:// registry without insecure: %s is refused before any request', (_what, credentials) => {
    proxy.reset();
    expect(() => deleterFor(proxy.url, credentials)).toThrow(/plain http would send the registry credentials in clear; use https or allow insecure \(--force-insecure\)/);
    expect(() => deleterFor(proxy.url, credentials)).not.toThrow(/p4ss|not-a-real-token/);
    expect(proxy.log).toEqual([]);
  });

  it.each([401, 403])('is never repeated in the error of a %i', async (status) => {
    const deleter = deleterFor(proxy.url, { token, insecure: true });
    proxy.inject([{ kind: 'status', status, body: `{"errors":[{"code":"UNAUTHORIZED","message":"token ${token} rejected"}]}` }], onDelete);
    const attempt = deleter.deleteManifest('retry/app', `sha256:${'4'.repeat(64)}`);
    await expect(attempt).rejects.toMatchObject({ name: 'RegistryAuthError' });
    const err = (await attempt.catch((e: unknown) => e)) as Error;
    expect(String(err.message)).not.toContain(token);
    expect(String(err.message)).not.toContain('rejected');
    await deleter.close();
  });
});
