// Deleting blobs through storage, one call per blob as the BlobDeleter port
// asks: concurrent calls share requests, absent blobs are gone, refused ones
// fail with the digest named.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageBlobDeleteError, StorageBlobDeleter } from '../../../shared/adapters/storage/index.js';
import { BACKENDS, BUCKET, S3_ROOT, all, blobPath, digestOf, startBackend, type Backend } from './backends.js';

describe.each(BACKENDS)('StorageBlobDeleter on %s', (name) => {
  let backend: Backend;
  beforeEach(async () => {
    backend = await startBackend(name);
  });
  afterEach(() => backend.stop());

  it('deletes a stored blob (done) and answers gone for one that is not there', async () => {
    const present = digestOf('present');
    await backend.put(blobPath(present), 'x');
    const deleter = new StorageBlobDeleter(backend.storage);
    expect(await deleter.deleteBlob(present)).toBe('done');
    expect(await deleter.deleteBlob(present)).toBe('gone');
    expect(await deleter.deleteBlob(digestOf('never'))).toBe('gone');
    expect(await all(backend.storage.blobs())).toEqual([]);
  });

  it('rejects an invalid digest, naming it, without touching storage', async () => {
    const deleter = new StorageBlobDeleter(backend.storage);
    const err = await deleter.deleteBlob('sha256:../../etc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageBlobDeleteError);
    expect((err as StorageBlobDeleteError).digest).toBe('sha256:../../etc');
    expect((err as Error).message).toContain('not a sha256 digest');
  });
});

describe('StorageBlobDeleter on s3', () => {
  let backend: Backend;
  beforeEach(async () => {
    backend = await startBackend('s3');
  });
  afterEach(() => backend.stop());

  it('gathers concurrent calls into one DeleteObjects request', async () => {
    const digests = Array.from({ length: 50 }, (_, i) => digestOf(`c-${i}`));
    for (const d of digests) await backend.s3!.seed(BUCKET, `${S3_ROOT}/${blobPath(d)}`, 'x');
    backend.s3!.requests.length = 0;
    const deleter = new StorageBlobDeleter(backend.storage);
    const statuses = await Promise.all([...digests, digests[0]].map((d) => deleter.deleteBlob(d)));
    expect(statuses.filter((s) => s === 'done')).toHaveLength(51);
    expect(backend.s3!.requests.filter((r) => r.method === 'POST' && 'delete' in r.query)).toHaveLength(1);
  });

  it('rejects a blob whose key S3 refused with the digest and the reason, and deletes the others', async () => {
    const [ok, refused] = [digestOf('ok'), digestOf('refused')];
    for (const d of [ok, refused]) await backend.put(blobPath(d), 'x');
    backend.s3!.failDeletes.add(`${S3_ROOT}/${blobPath(refused)}`);
    const deleter = new StorageBlobDeleter(backend.storage);
    const [a, b] = await Promise.allSettled([deleter.deleteBlob(ok), deleter.deleteBlob(refused)]);
    expect(a).toEqual({ status: 'fulfilled', value: 'done' });
    expect(b.status).toBe('rejected');
    const err = (b as PromiseRejectedResult).reason as StorageBlobDeleteError;
    expect(err).toBeInstanceOf(StorageBlobDeleteError);
    expect(err.message).toBe(`blob ${refused} in s3://${BUCKET}/${S3_ROOT}: AccessDenied deleting s3://${BUCKET}/${S3_ROOT}/${blobPath(refused)}`);
  });
});
