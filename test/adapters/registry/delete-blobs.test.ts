// Blob deletion goes to the OpenShift registry's /admin/blobs endpoint. A plain
// distribution registry has no such endpoint and answers a bare 404: that must
// be an error, never "already gone", and it stops the batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteBlobs,
  RegistryEndpointNotFoundError,
  type RegistryDeleter,
} from '../../../shared/adapters/registry/index.js';
import { startRegistry, type RunningRegistry } from '../../support/registry.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { pullCheck, pushImage } from '../../support/push.js';
import { deleterFor } from './helpers.js';

let registry: RunningRegistry;
let proxy: FaultProxy;
let deleter: RegistryDeleter;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.url);
  deleter = deleterFor(proxy.url);
});
afterAll(async () => {
  await deleter?.close();
  await proxy?.stop();
  await registry?.stop();
});

describe('DELETE /admin/blobs on a plain distribution registry', () => {
  it('is a RegistryEndpointNotFoundError, and the blob is still there', async () => {
    const image = await pushImage(registry.url, { repository: 'plain/app' });
    const blob = image.layers[0].digest;

    const attempt = deleter.deleteBlob(blob);

    await expect(attempt).rejects.toBeInstanceOf(RegistryEndpointNotFoundError);
    await expect(attempt).rejects.toThrow(/404 without a registry error.*\/admin\/blobs/);
    expect((await pullCheck(registry.url, 'plain/app', image.manifestDigest)).ok).toBe(true);
  });

  it('fails the first item of a batch and does not attempt the rest', async () => {
    const image = await pushImage(registry.url, { repository: 'plain/batch', layers: [{ seed: 'b1' }, { seed: 'b2' }, { seed: 'b3' }] });
    const digests = image.layers.map((l) => l.digest);
    proxy.reset();

    const results = await deleteBlobs(deleter, digests, { concurrency: 1 });

    expect(results.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    expect(results[0].reason).toMatch(/^RegistryEndpointNotFoundError: /);
    expect(results[1].reason).toMatch(/^not attempted: RegistryEndpointNotFoundError: /);
    expect(proxy.log.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });
});

describe('answers of an admin endpoint that exists (stood in for by the proxy)', () => {
  it.each([
    [204, undefined, 'done'],
    [202, undefined, 'done'],
    [404, '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}', 'gone'],
  ] as const)('reads %i %s as %s', async (status, body, expected) => {
    proxy.reset();
    proxy.inject([{ kind: 'status', status, body }], (method, path) => method === 'DELETE' && path.startsWith('/admin/blobs/'));
    expect(await deleter.deleteBlob(`sha256:${'1'.repeat(64)}`)).toBe(expected);
  });

  it('does not read a 404 with an unrelated JSON body as gone', async () => {
    proxy.reset();
    proxy.inject([{ kind: 'status', status: 404, body: '{"message":"not found"}' }], (method) => method === 'DELETE');
    await expect(deleter.deleteBlob(`sha256:${'2'.repeat(64)}`)).rejects.toBeInstanceOf(RegistryEndpointNotFoundError);
  });
});

describe('checkBlobDelete: can blobs be deleted here, asked before anything is deleted', () => {
  it('on a plain distribution registry: one line naming --registry-storage, and only the probe was sent', async () => {
    proxy.reset();
    const attempt = deleter.checkBlobDelete();
    await expect(attempt).rejects.toBeInstanceOf(RegistryEndpointNotFoundError);
    await expect(attempt).rejects.toThrow(/cannot delete blobs: .*--registry-storage .*registryStorage.*nothing was deleted$/);
    await attempt.catch((err: Error) => expect(err.message).not.toContain('\n'));
    expect(proxy.log.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([`/admin/blobs/sha256:${'0'.repeat(64)}`]);
  });

  it('passes where the admin endpoint answers "blob unknown" for the probe', async () => {
    proxy.reset();
    proxy.inject([{ kind: 'status', status: 404, body: '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}' }], (method, path) => method === 'DELETE' && path.startsWith('/admin/blobs/'));
    await expect(deleter.checkBlobDelete()).resolves.toBeUndefined();
  });

  it('names the token when the admin endpoint refuses it', async () => {
    proxy.reset();
    proxy.inject([{ kind: 'status', status: 403, body: '{"errors":[{"code":"DENIED"}]}' }], (method, path) => method === 'DELETE' && path.startsWith('/admin/blobs/'));
    await expect(deleter.checkBlobDelete()).rejects.toThrow(/token/);
  });
});
