// Listing the distribution layout on both backends: repositories (nested
// names), links, tags, blobs with size and time, reads, and paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageLayoutError } from '../../../shared/adapters/storage/index.js';
import { InvalidInputError } from '../../../shared/errors.js';
import { BACKENDS, all, blobPath, digestOf, repoPath, startBackend, type Backend } from './backends.js';

const A = digestOf('a');
const B = digestOf('b');
const C = digestOf('c');
const hex = (d: string) => d.slice(7);

describe.each(BACKENDS)('listing on %s', (name) => {
  let backend: Backend;
  let written: { before: number; after: number };

  beforeAll(async () => {
    // Page size 2 on S3: every listing below needs several pages.
    backend = await startBackend(name, 2);
    const before = Date.now();
    const link = (d: string) => `${d}\n`.trim();
    const repos = ['a', 'a/b', 'a/b/c', 'ns/name', 'ns/other', 'zz/deep/er/repo'];
    for (const r of repos) await backend.put(repoPath(r, `_manifests/revisions/sha256/${hex(A)}/link`), link(A));
    await backend.put(repoPath('ns/name', `_manifests/revisions/sha256/${hex(B)}/link`), B);
    await backend.put(repoPath('ns/name', `_manifests/revisions/sha256/${hex(C)}/link`), C);
    for (const d of [A, B, C]) await backend.put(repoPath('ns/name', `_layers/sha256/${hex(d)}/link`), d);
    await backend.put(repoPath('ns/name', '_manifests/tags/latest/current/link'), C);
    await backend.put(repoPath('ns/name', `_manifests/tags/latest/index/sha256/${hex(B)}/link`), B);
    await backend.put(repoPath('ns/name', `_manifests/tags/latest/index/sha256/${hex(C)}/link`), C);
    await backend.put(repoPath('ns/name', `_manifests/tags/v1.0/index/sha256/${hex(A)}/link`), A);
    // Only uploads in progress: still a repository.
    await backend.put(repoPath('up/only', '_uploads/0123/startedat'), '2024-01-01T00:00:00Z');
    // Not repositories: a directory without _manifests/_layers/_uploads, an invalid name.
    await backend.put(repoPath('ns/stray', 'notes.txt'), 'x');
    await backend.put(repoPath('Bad/Name', `_manifests/revisions/sha256/${hex(A)}/link`), A);
    await backend.put(repoPath('ns/name', `_manifests/revisions/sha256/not-a-digest/link`), A);
    await backend.put(repoPath('ns/broken', `_manifests/revisions/sha256/${hex(A)}/link`), 'garbage');
    for (const [d, size] of [[A, 10], [B, 2000], [C, 1]] as const) await backend.put(blobPath(d), Buffer.alloc(size, 7));
    // Not blobs: a file beside `data`, a directory in the wrong shard.
    await backend.put(`docker/registry/v2/blobs/sha256/${hex(A).slice(0, 2)}/${hex(A)}/extra`, 'x');
    await backend.put(`docker/registry/v2/blobs/sha256/00/${hex(B)}/data`, 'x');
    written = { before, after: Date.now() };
  });
  afterAll(() => backend.stop());

  it('lists every repository, nested names included, and nothing that is not one', async () => {
    const repos = await all(backend.storage.repositories());
    expect(repos.sort()).toEqual(['a', 'a/b', 'a/b/c', 'ns/broken', 'ns/name', 'ns/other', 'up/only', 'zz/deep/er/repo']);
  });

  it('reports a folder whose name no repository can have, without entering it', async () => {
    const folders = await all(backend.storage.repositoryFolders());
    const invalid = folders.filter((f) => f.kind === 'invalid');
    expect(invalid).toEqual([expect.objectContaining({ kind: 'invalid', location: expect.stringMatching(/repositories\/Bad\/$/) })]);
    expect(folders.filter((f) => f.kind === 'repository')).toHaveLength(8);
  });

  it('says when the newest upload of a repository was written, and nothing for one without uploads', async () => {
    const newest = await backend.storage.newestUpload('up/only');
    expect(newest!.getTime()).toBeGreaterThanOrEqual(written.before - 2000);
    expect(await backend.storage.newestUpload('ns/name')).toBeUndefined();
  });

  it('accepts its root as a registry root', async () => {
    await expect(backend.storage.checkRoot()).resolves.toBeUndefined();
  });

  it("lists a repository's manifest revisions and layer links as digests", async () => {
    expect((await all(backend.storage.manifestRevisions('ns/name'))).sort()).toEqual([A, B, C].sort());
    expect((await all(backend.storage.layerLinks('ns/name'))).sort()).toEqual([A, B, C].sort());
    expect(await all(backend.storage.layerLinks('a/b'))).toEqual([]);
    expect(await all(backend.storage.manifestRevisions('no/such'))).toEqual([]);
  });

  it('lists tags with their current link and index', async () => {
    const tags = (await all(backend.storage.tags('ns/name'))).sort((x, y) => x.tag.localeCompare(y.tag));
    expect(tags).toEqual([
      { tag: 'latest', current: C, index: expect.arrayContaining([B, C]) },
      { tag: 'v1.0', index: [A] },
    ]);
    expect(tags[0].index).toHaveLength(2);
  });

  it('lists blobs with size and last-modified time, and only real blobs', async () => {
    const blobs = (await all(backend.storage.blobs())).sort((x, y) => x.digest.localeCompare(y.digest));
    expect(blobs.map((b) => [b.digest, b.size])).toEqual(
      [[A, 10], [B, 2000], [C, 1]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    for (const b of blobs) {
      // S3 keeps whole seconds.
      expect(b.lastModified.getTime()).toBeGreaterThanOrEqual(Math.floor(written.before / 1000) * 1000);
      expect(b.lastModified.getTime()).toBeLessThanOrEqual(written.after + 1000);
    }
  });

  it('lists the blobs of one two-hex prefix only', async () => {
    const prefix = hex(B).slice(0, 2);
    expect(await all(backend.storage.blobs({ prefix }))).toEqual([expect.objectContaining({ digest: B, size: 2000 })]);
    expect(await all(backend.storage.blobs({ prefix: '00' }))).toEqual([]);
  });

  it.each(['0', 'AB', 'zz', '../', '000'])('refuses the blob prefix %j', async (prefix) => {
    await expect(all(backend.storage.blobs({ prefix }))).rejects.toThrow(InvalidInputError);
  });

  it('reads blobs and links; missing ones are undefined', async () => {
    expect(await backend.storage.readBlob(B)).toEqual(Buffer.alloc(2000, 7));
    expect(await backend.storage.readBlob(digestOf('missing'))).toBeUndefined();
    expect(await backend.storage.readLink({ kind: 'tag-current', repository: 'ns/name', tag: 'latest' })).toBe(C);
    expect(await backend.storage.readLink({ kind: 'revision', repository: 'a/b/c', digest: A })).toBe(A);
    expect(await backend.storage.readLink({ kind: 'layer', repository: 'a/b/c', digest: A })).toBeUndefined();
  });

  it('refuses a blob larger than it was asked to read, naming it', async () => {
    await expect(backend.storage.readBlob(B, { maxBytes: 100 })).rejects.toThrow(new RegExp(`${hex(B)}/data: is 2000 bytes`));
  });

  it('names the link that does not hold a digest', async () => {
    const err = await backend.storage.readLink({ kind: 'revision', repository: 'ns/broken', digest: A }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageLayoutError);
    expect((err as Error).message).toContain(`ns/broken/_manifests/revisions/sha256/${hex(A)}/link`);
  });

  it.each([
    ['a repository name with ".."', () => all(backend.storage.layerLinks('ns/../../etc')), /repository "ns\/..\/..\/etc"/],
    ['an upper-case repository name', () => all(backend.storage.manifestRevisions('NS/app')), /repository "NS\/app"/],
    ['a digest that is not sha256', () => backend.storage.readBlob('md5:abc'), /digest "md5:abc"/],
    ['a tag with a slash', () => backend.storage.readLink({ kind: 'tag-current', repository: 'ns/name', tag: 'a/b' }), /tag "a\/b"/],
  ])('refuses %s, naming the field', async (_what, call, message) => {
    await expect(call()).rejects.toThrow(message);
  });
});

describe('paging on s3', () => {
  it('gives the same listing at every page size, with one request per page', async () => {
    const backend = await startBackend('s3', 1000);
    try {
      const digests = Array.from({ length: 25 }, (_, i) => digestOf(`page-${i}`));
      for (const d of digests) await backend.put(blobPath(d), 'x');
      for (const r of ['p/a', 'p/b', 'p/c', 'q']) await backend.put(repoPath(r, `_layers/sha256/${hex(A)}/link`), A);
      const expected = [...digests].sort();
      for (const pageSize of [1, 3, 1000]) {
        const storage = backend.reopen(pageSize);
        backend.s3!.requests.length = 0;
        const blobs = await all(storage.blobs());
        expect(blobs.map((b) => b.digest)).toEqual(expected); // S3 order is byte order
        const lists = backend.s3!.requests.filter((r) => r.method === 'GET' && r.query['list-type'] === '2').length;
        expect(lists).toBe(Math.max(1, Math.ceil(25 / pageSize)));
        expect((await all(storage.repositories())).sort()).toEqual(['p/a', 'p/b', 'p/c', 'q']);
      }
    } finally {
      await backend.stop();
    }
  });
});
