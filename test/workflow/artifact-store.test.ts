// Run artifacts behave the same on S3 (a real S3 server on loopback) and in a
// local folder: JSON and gzip JSON round trips, listing, missing keys, bad keys.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../shared/adapters/artifacts/artifact-store.js';
import { getGzipJson, getJson, putGzipJson, putJson } from '../../shared/adapters/artifacts/artifact-store.js';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import { S3Artifacts } from '../../shared/adapters/artifacts/s3.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

let s3: S3Server;
let dir: string;
const stores: Record<string, () => ArtifactStore> = {};

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['artifacts'] });
  dir = await mkdtemp(join(tmpdir(), 'pruner-store-'));
  const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  stores.s3 = () => new S3Artifacts(client, 'artifacts', 'pruner/');
  stores.folder = () => new LocalFolderArtifacts(dir);
});
afterAll(async () => {
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe.each(['s3', 'folder'])('artifacts in %s', (kind) => {
  it('round-trips JSON and gzip JSON and lists keys under a prefix, sorted', async () => {
    const store = stores[kind]();
    await putJson(store, 'runs/r1/plan/images.json', [{ name: 'sha256:b' }, { name: 'sha256:a' }]);
    await putGzipJson(store, 'runs/r1/snapshot/images.json.gz', { kind: 'List', items: [{ kind: 'Image' }] });
    await putJson(store, 'runs/r2/report.json', { status: 'succeeded' });
    expect(await getJson(store, 'runs/r1/plan/images.json')).toEqual([{ name: 'sha256:b' }, { name: 'sha256:a' }]);
    expect(await getGzipJson(store, 'runs/r1/snapshot/images.json.gz')).toEqual({ kind: 'List', items: [{ kind: 'Image' }] });
    expect(await store.list('runs/r1/')).toEqual(['runs/r1/plan/images.json', 'runs/r1/snapshot/images.json.gz']);
  });

  it('a missing key is an ArtifactsError naming the key', async () => {
    await expect(stores[kind]().get('runs/none/report.json')).rejects.toMatchObject({ name: 'ArtifactsError', message: expect.stringContaining('runs/none/report.json: does not exist') });
  });

  it('a body that is not what it should be is an ArtifactsError, not a crash', async () => {
    const store = stores[kind]();
    await store.put('runs/r3/plan/blobs.json', 'not json', 'application/json');
    await expect(getJson(store, 'runs/r3/plan/blobs.json')).rejects.toMatchObject({ name: 'ArtifactsError' });
    await expect(getGzipJson(store, 'runs/r3/plan/blobs.json')).rejects.toMatchObject({ name: 'ArtifactsError' });
  });

  it.each(['../escape.json', '/abs.json', 'runs/./x', ''])('refuses the key %j', async (key) => {
    await expect(stores[kind]().put(key, '{}', 'application/json')).rejects.toMatchObject({ name: 'ArtifactsError' });
  });
});
