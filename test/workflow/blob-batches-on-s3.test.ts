// The blob batch task with blobs deleted in the registry's S3 storage: the
// whole batch goes to storage at once, so N blobs cost ceil(N/1000)
// DeleteObjects requests, counted on the loopback S3 server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3Client } from '@aws-sdk/client-s3';
import { openRegistryStorage } from '../../shared/adapters/storage/storage-url.js';
import { deleteBlobs } from '../../shared/workflow/batches.js';
import type { BatchEvent, BlobItem } from '../../shared/workflow/contracts.js';
import { StorageBatchBlobDeleter } from '../../shared/workflow/storage-blobs.js';
import { blobPath, BUCKET, digestOf, S3_ROOT, startBackend, type Backend } from '../adapters/storage/backends.js';
import { freePort } from '../support/registry.js';

let backend: Backend;
let seq = 0;

beforeAll(async () => {
  backend = await startBackend('s3');
});
afterAll(async () => {
  await backend?.stop();
});
beforeEach(() => {
  backend.s3!.requests.length = 0;
});

/** `n` blobs stored in the registry's layout on S3 (one data file each). */
async function storedBlobs(n: number): Promise<string[]> {
  const digests = Array.from({ length: n }, () => digestOf(`blob-${seq++}`));
  for (const d of digests) await backend.s3!.seed(BUCKET, `${S3_ROOT}/${blobPath(d)}`, 'x');
  backend.s3!.requests.length = 0;
  return digests;
}

const batch = (digests: string[]): BatchEvent<BlobItem> => ({ Items: digests.map((digest) => ({ digest })), BatchInput: { runId: 'r', kind: 'blobs' } });
const deleteObjectsRequests = () => backend.s3!.requests.filter((r) => r.method === 'POST' && 'delete' in r.query).length;

/** Which of `digests` the storage still lists (one listing, not a read per blob). */
async function stillStored(digests: string[]): Promise<string[]> {
  const wanted = new Set(digests);
  const left: string[] = [];
  for await (const b of backend.storage.blobs()) if (wanted.has(b.digest)) left.push(b.digest);
  return left.sort();
}

describe('a blob batch deleted in S3 registry storage', () => {
  it.each([
    [1, 1],
    [100, 1],
    [1000, 1],
    [1001, 2],
  ])('of %i blobs costs %i DeleteObjects request(s), with an item-by-item policy of 8', async (n, requests) => {
    const digests = await storedBlobs(n);

    const result = await deleteBlobs(batch(digests), new StorageBatchBlobDeleter(backend.storage), { concurrency: 8 });

    expect(result).toEqual({ kind: 'blobs', done: n, gone: 0 });
    expect(deleteObjectsRequests()).toBe(requests);
    expect(await stillStored(digests)).toEqual([]);
  });

  it('counts a blob that is not stored as gone', async () => {
    const [stored] = await storedBlobs(1);
    const absent = digestOf(`absent-${seq++}`);

    expect(await deleteBlobs(batch([stored, absent]), new StorageBatchBlobDeleter(backend.storage))).toEqual({ kind: 'blobs', done: 1, gone: 1 });
  });

  it('fails the batch naming a blob S3 refused, with the error name, and deletes the others', async () => {
    const [ok, refused] = await storedBlobs(2);
    backend.s3!.failDeletes.add(`${S3_ROOT}/${blobPath(refused)}`);
    try {
      const attempt = deleteBlobs(batch([ok, refused]), new StorageBatchBlobDeleter(backend.storage));

      await expect(attempt).rejects.toMatchObject({
        name: 'BatchItemsFailedError',
        failed: [{ item: refused, reason: expect.stringMatching(new RegExp(`^StorageBlobDeleteError: blob ${refused} in s3://${BUCKET}/${S3_ROOT}: AccessDenied`)) }],
      });
      expect(await stillStored([ok, refused])).toEqual([refused]);
    } finally {
      backend.s3!.failDeletes.clear();
    }
  });

  it('fails every item, none counted as done, when S3 cannot be reached at all', async () => {
    const digests = await storedBlobs(3);
    // A real S3 client aimed at a loopback port nobody listens on, without SDK retries.
    const nowhere = new S3Client({
      endpoint: `http://127.0.0.1:${await freePort()}`,
      region: 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const storage = openRegistryStorage(`s3://${BUCKET}/${S3_ROOT}`, { s3Client: nowhere });

    const attempt = deleteBlobs(batch(digests), new StorageBatchBlobDeleter(storage));

    await expect(attempt).rejects.toMatchObject({
      name: 'BatchItemsFailedError',
      failed: digests.map((d) => ({ item: d, reason: expect.stringMatching(new RegExp(`^StorageBlobDeleteError: blob ${d} in s3://`)) })),
    });
    expect(await stillStored(digests)).toEqual([...digests].sort());
    nowhere.destroy();
  });
});
