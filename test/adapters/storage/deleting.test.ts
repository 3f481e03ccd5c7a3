// Deleting from the distribution layout on both backends: blobs (the whole
// blob directory), links, tags and repositories (nested ones stay), with one
// result per item, and what S3's per-key errors turn into.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageAccessError, openRegistryStorage, type LinkRef } from '../../../shared/adapters/storage/index.js';
import { BACKENDS, BUCKET, S3_ROOT, all, blobPath, digestOf, repoPath, s3Client, startBackend, type Backend } from './backends.js';

const A = digestOf('a');
const B = digestOf('b');
const MISSING = digestOf('missing');
const hex = (d: string) => d.slice(7);

describe.each(BACKENDS)('deleting on %s', (name) => {
  let backend: Backend;

  beforeEach(async () => {
    backend = await startBackend(name, 2);
    for (const d of [A, B]) await backend.put(blobPath(d), `content of ${d}`);
    // Anything beside `data` belongs to the blob too.
    await backend.put(`docker/registry/v2/blobs/sha256/${hex(A).slice(0, 2)}/${hex(A)}/extra/more`, 'x');
    for (const r of ['ns/app', 'ns/app/nested', 'ns/other']) {
      await backend.put(repoPath(r, `_manifests/revisions/sha256/${hex(A)}/link`), A);
      await backend.put(repoPath(r, `_layers/sha256/${hex(B)}/link`), B);
      await backend.put(repoPath(r, '_manifests/tags/v1/current/link'), A);
      await backend.put(repoPath(r, `_manifests/tags/v1/index/sha256/${hex(A)}/link`), A);
    }
    await backend.put(repoPath('ns/app', '_uploads/abc/startedat'), 'x');
  });
  afterEach(() => backend.stop());

  it('deletes blobs whole, reports absent ones as gone and invalid ones as failed', async () => {
    const results = await all(backend.storage.deleteBlobs([A, MISSING, 'sha256:nothex', A]));
    expect(results.sort((x, y) => x.item.localeCompare(y.item))).toEqual([
      { item: A, status: 'done' },
      { item: MISSING, status: 'gone' },
      { item: 'sha256:nothex', status: 'failed', reason: expect.stringContaining('not a sha256 digest') },
    ].sort((x, y) => x.item.localeCompare(y.item)));
    expect((await all(backend.storage.blobs())).map((b) => b.digest)).toEqual([B]);
    expect(await all(backend.storage.blobs({ prefix: hex(A).slice(0, 2) }))).toEqual(hex(A).slice(0, 2) === hex(B).slice(0, 2) ? [expect.anything()] : []);
    expect(await backend.storage.readBlob(A)).toBeUndefined();
    // Deleting again is idempotent.
    expect(await all(backend.storage.deleteBlobs([A]))).toEqual([{ item: A, status: 'gone' }]);
  });

  it('deletes links of every kind and leaves the rest of the repository', async () => {
    const refs: LinkRef[] = [
      { kind: 'revision', repository: 'ns/app', digest: A },
      { kind: 'layer', repository: 'ns/app', digest: B },
      { kind: 'tag-index', repository: 'ns/app', tag: 'v1', digest: A },
      { kind: 'tag-current', repository: 'ns/app', tag: 'v1' },
      { kind: 'layer', repository: 'ns/app', digest: MISSING },
    ];
    const results = await all(backend.storage.deleteLinks(refs));
    expect(results).toHaveLength(5);
    for (const r of results) expect(r.status).toBe(r.item.kind === 'layer' && r.item.digest === MISSING ? 'gone' : 'done');
    expect(await all(backend.storage.manifestRevisions('ns/app'))).toEqual([]);
    expect(await all(backend.storage.layerLinks('ns/app'))).toEqual([]);
    expect(await all(backend.storage.tags('ns/app'))).toEqual(name === 's3' ? [] : [{ tag: 'v1', index: [] }]);
    // The nested repository and the sibling are untouched.
    expect(await all(backend.storage.manifestRevisions('ns/app/nested'))).toEqual([A]);
    expect(await all(backend.storage.layerLinks('ns/other'))).toEqual([B]);
  });

  it('reports a link it cannot address as failed without stopping the others', async () => {
    const results = await all(backend.storage.deleteLinks([
      { kind: 'layer', repository: 'ns/../x', digest: B },
      { kind: 'layer', repository: 'ns/other', digest: B },
    ]));
    expect(results).toEqual(expect.arrayContaining([
      { item: { kind: 'layer', repository: 'ns/../x', digest: B }, status: 'failed', reason: expect.stringContaining('repository "ns/../x"') },
      { item: { kind: 'layer', repository: 'ns/other', digest: B }, status: 'done' },
    ]));
  });

  it('deletes a tag with its current link and index', async () => {
    expect(await backend.storage.deleteTag('ns/other', 'v1')).toEqual({ item: 'ns/other:v1', status: 'done' });
    expect(await all(backend.storage.tags('ns/other'))).toEqual([]);
    expect(await backend.storage.deleteTag('ns/other', 'v1')).toEqual({ item: 'ns/other:v1', status: 'gone' });
    expect(await all(backend.storage.manifestRevisions('ns/other'))).toEqual([A]);
  });

  it('deletes a repository whole but keeps the repositories nested below it', async () => {
    expect(await backend.storage.deleteRepository('ns/app')).toEqual({ item: 'ns/app', status: 'done' });
    expect((await all(backend.storage.repositories())).sort()).toEqual(['ns/app/nested', 'ns/other']);
    expect(await all(backend.storage.manifestRevisions('ns/app/nested'))).toEqual([A]);
    expect(await backend.storage.deleteRepository('ns/app')).toEqual({ item: 'ns/app', status: 'gone' });
    expect(await backend.storage.deleteRepository('ns/app/nested')).toEqual({ item: 'ns/app/nested', status: 'done' });
    expect(await all(backend.storage.repositories())).toEqual(['ns/other']);
  });
});

describe('per-key errors on s3', () => {
  let backend: Backend;
  beforeEach(async () => {
    backend = await startBackend('s3');
  });
  afterEach(() => backend.stop());

  it('reports a blob whose key S3 refused as failed, with the code and key, and deletes the others', async () => {
    for (const d of [A, B]) await backend.put(blobPath(d), 'x');
    backend.s3!.failDeletes.add(`${S3_ROOT}/${blobPath(A)}`);
    const results = await all(backend.storage.deleteBlobs([A, B]));
    expect(results).toEqual(expect.arrayContaining([
      { item: A, status: 'failed', reason: `AccessDenied deleting s3://${BUCKET}/${S3_ROOT}/${blobPath(A)}` },
      { item: B, status: 'done' },
    ]));
    expect((await all(backend.storage.blobs())).map((b) => b.digest)).toEqual([A]);
  });

  it('fails a repository when one of its keys is refused', async () => {
    await backend.put(repoPath('ns/app', `_layers/sha256/${hex(B)}/link`), B);
    await backend.put(repoPath('ns/app', `_manifests/revisions/sha256/${hex(A)}/link`), A);
    backend.s3!.failDeletes.add(`${S3_ROOT}/${repoPath('ns/app', `_layers/sha256/${hex(B)}/link`)}`);
    const result = await backend.storage.deleteRepository('ns/app');
    expect(result).toMatchObject({ item: 'ns/app', status: 'failed', reason: expect.stringContaining('AccessDenied') });
    expect(await all(backend.storage.manifestRevisions('ns/app'))).toEqual([]);
    expect(await all(backend.storage.layerLinks('ns/app'))).toEqual([B]);
  });

  it('fails every blob of a request S3 refused whole, and a listing of a missing bucket names it', async () => {
    const client = s3Client(backend.s3!);
    const storage = openRegistryStorage('s3://no-such-bucket/root', { s3Client: client });
    const results = await all(storage.deleteBlobs([A]));
    expect(results).toEqual([{ item: A, status: 'failed', reason: expect.stringMatching(/s3:\/\/no-such-bucket\/root\/docker\/registry\/v2\/blobs\/sha256\/.*NoSuchBucket/) }]);
    const err = await all(storage.repositories()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageAccessError);
    expect((err as Error).message).toBe('s3://no-such-bucket/root/docker/registry/v2/repositories/: cannot list: NoSuchBucket (HTTP 404)');
    client.destroy();
  });

  it('names the location and the refusal when the secret is wrong', async () => {
    const url = `s3://${BUCKET}/${S3_ROOT}?endpoint=${backend.s3!.endpoint}&region=us-east-1&force-path-style=true`;
    const storage = openRegistryStorage(url, { s3Config: { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'wrong' } } });
    const err = await all(storage.blobs()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageAccessError);
    expect((err as Error).message).toBe(`s3://${BUCKET}/${S3_ROOT}/docker/registry/v2/blobs/sha256/: cannot list: SignatureDoesNotMatch (HTTP 403)`);
    expect((err as Error).message).not.toContain('wrong');
  });

  it('reaches the server from a storage URL (endpoint, region, path style) plus credentials', async () => {
    await backend.put(blobPath(A), 'x');
    const url = `s3://${BUCKET}/${S3_ROOT}?endpoint=${backend.s3!.endpoint}&region=us-east-1&force-path-style=true`;
    const storage = openRegistryStorage(url, { s3Config: { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } });
    expect((await all(storage.blobs())).map((b) => b.digest)).toEqual([A]);
    expect(storage.location).toBe(`s3://${BUCKET}/${S3_ROOT}`);
  });

  it('deletes N one-file blobs with ceil(N/1000) DeleteObjects requests', async () => {
    // All in shard 00, so that finding their keys takes three list requests, not
    // 256: two pages for the first thousand (the second shows the range ended),
    // one for the last.
    const digests = Array.from({ length: 1001 }, (_, i) => `sha256:00${i.toString(16).padStart(62, '0')}`);
    for (const d of digests) await backend.s3!.seed(BUCKET, `${S3_ROOT}/${blobPath(d)}`, 'x');
    backend.s3!.requests.length = 0;
    const results = await all(backend.storage.deleteBlobs(digests));
    expect(results.filter((r) => r.status === 'done')).toHaveLength(1001);
    expect(backend.s3!.requests.filter((r) => r.method === 'POST' && 'delete' in r.query)).toHaveLength(2);
    expect(backend.s3!.requests.filter((r) => r.method === 'GET' && r.query['list-type'] === '2')).toHaveLength(3);
    expect(await all(backend.storage.blobs())).toEqual([]);
  });
});
