// Run artifacts behave the same on S3 (a real S3 server on loopback) and in a
// local folder: JSON and gzip JSON round trips, listing, missing keys, bad keys.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../shared/adapters/artifacts/artifact-store.js';
import { getGzipJson, getJson, getJsonArray, putGzipJson, putJson } from '../../shared/adapters/artifacts/artifact-store.js';
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

  it('reads a list file item by item, not as one string, when it is larger than a string should be: the same items', async () => {
    const store = stores[kind]();
    // Over 10,000 items: written in pieces; read back with the one-string limit set to 1 KiB.
    const items = Array.from({ length: 25_000 }, (_, i) => ({ repository: `ns/app-${i % 7}`, digest: `sha256:${String(i).padStart(64, '0')}`, note: i % 3 === 0 ? 'quote " and \\ and é' : undefined }));
    await putJson(store, 'runs/r4/plan/layer-links.json', items);
    const whole = await getJsonArray(store, 'runs/r4/plan/layer-links.json');
    const itemByItem = await getJsonArray(store, 'runs/r4/plan/layer-links.json', 1024);
    expect(itemByItem).toEqual(JSON.parse(JSON.stringify(items)));
    expect(itemByItem).toEqual(whole);
    await store.put('runs/r4/plan/not-a-list.json', '{"a": 1}', 'application/json');
    for (const limit of [undefined, 2]) {
      await expect(getJsonArray(store, 'runs/r4/plan/not-a-list.json', limit)).rejects.toMatchObject({ name: 'ArtifactsError', message: expect.stringContaining('is not a JSON array') });
    }
    await store.put('runs/r4/plan/cut.json', '[{"a": 1}, {"b":', 'application/json');
    await expect(getJsonArray(store, 'runs/r4/plan/cut.json', 2)).rejects.toMatchObject({ name: 'ArtifactsError', message: expect.stringContaining('is not valid JSON') });
  });

  it.each(['../escape.json', '/abs.json', 'runs/./x', ''])('refuses the key %j', async (key) => {
    await expect(stores[kind]().put(key, '{}', 'application/json')).rejects.toMatchObject({ name: 'ArtifactsError' });
  });
});
