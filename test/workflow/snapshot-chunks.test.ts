// Snapshot groups and plan files never as one string: a collected group is
// stored in parts of bounded size (gzip JSON Lines) and read back part by
// part; a plan file of many items is written in pieces. On a real S3 server
// and a local folder alike.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../shared/adapters/artifacts/artifact-store.js';
import { getJson, jsonArrayBuffer, putJson } from '../../shared/adapters/artifacts/artifact-store.js';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import { S3Artifacts } from '../../shared/adapters/artifacts/s3.js';
import type { ClusterReader } from '../../shared/adapters/kubernetes/collector.js';
import { computePlan } from '../../shared/core/plan.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import type { ResourceGroup } from '../../shared/core/kinds.js';
import { collectGroup } from '../../shared/workflow/collect.js';
import { computePrunePlan } from '../../shared/workflow/compute-plan.js';
import { chunkKey, readSnapshotChunks, writeSnapshotChunks } from '../../shared/workflow/snapshot-chunks.js';
import { ArtifactsError } from '../../shared/workflow/errors.js';
import { image, layer, NOW, stream } from '../builders.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

let s3: S3Server;
let dir: string;
const stores: Record<string, () => ArtifactStore> = {};

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['artifacts'] });
  dir = await mkdtemp(join(tmpdir(), 'pruner-chunks-'));
  const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  stores.s3 = () => new S3Artifacts(client, 'artifacts');
  stores.folder = () => new LocalFolderArtifacts(dir);
});
afterAll(async () => {
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A cluster reader that hands out fixed objects per group, as the live collector would after paging. */
function readerOf(objects: Record<string, unknown[]>): ClusterReader {
  return {
    collectGroup: async (group: ResourceGroup) => ({ group, items: (objects[group] ?? []) as never[], counts: {}, skipped: [] }),
  };
}

const run = { runId: 'chunks', executionId: 'local:chunks', options: { confirm: false, keepTagRevisions: 1, keepYoungerThan: '60m', all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: false, pruneRegistry: true, numWorkers: 10, now: NOW.toISOString() } };

describe.each(['s3', 'folder'])('in %s', (kind) => {
  it('writes a group in parts no larger than the limits and reads back every object in order', async () => {
    const store = stores[kind]();
    const items = Array.from({ length: 23 }, (_, i) => ({ kind: 'Thing', metadata: { name: `t${i}` }, pad: 'x'.repeat(i * 10) }));
    const { chunks, count } = await writeSnapshotChunks(store, `runs/${kind}-a/snapshot/things/`, items, { maxItems: 5, maxBytes: 400 });
    expect(count).toBe(23);
    expect(chunks).toBeGreaterThan(23 / 5);
    for (let i = 0; i < chunks; i += 1) {
      const text = gunzipSync(await store.get(chunkKey(`runs/${kind}-a/snapshot/things/`, i))).toString('utf8');
      const lines = text.trimEnd().split('\n');
      expect(lines.length).toBeLessThanOrEqual(5);
      // A part passes maxBytes only when one object alone does.
      if (lines.length > 1) expect(text.length).toBeLessThanOrEqual(400);
    }
    const back: unknown[] = [];
    for await (const o of readSnapshotChunks(store, { key: `runs/${kind}-a/snapshot/things/`, chunks })) back.push(o);
    expect(back).toEqual(items);
  });

  it('names the missing part when one is gone', async () => {
    const store = stores[kind]();
    await writeSnapshotChunks(store, `runs/${kind}-b/snapshot/things/`, [{ a: 1 }], { maxItems: 1, maxBytes: 100 });
    const read = async () => {
      for await (const _ of readSnapshotChunks(store, { key: `runs/${kind}-b/snapshot/things/`, chunks: 2 })) void _;
    };
    await expect(read()).rejects.toThrow(ArtifactsError);
    await expect(read()).rejects.toThrow(/part-00001\.jsonl\.gz/);
  });

  it('collect stores chunks and the plan task reads them back to the plan of the whole list', async () => {
    const store = stores[kind]();
    const images = Array.from({ length: 40 }, (_, i) => image(`chunk-${i}`, { layers: [layer(`chunk-layer-${i}`, 1000 + i)] }));
    const streams = [stream('ns', 'app', { latest: images.map((_, i) => `chunk-${i}`) })];
    const reader = readerOf({ images, imagestreams: streams });
    const r = { ...run, runId: `chunks-${kind}` };
    const collected = [];
    for (const group of ['images', 'imagestreams', 'pods', 'workloads', 'builds'] as const) {
      collected.push(await collectGroup({ run: r, group }, reader, store, { maxItems: 7, maxBytes: 1 << 20 }));
    }
    expect(collected.find((c) => c.group === 'images')).toMatchObject({ count: 40, chunks: 6 });
    const result = await computePrunePlan({ run: r, collected }, store);
    const expected = computePlan(snapshotFromList({ kind: 'List', items: [...images, ...streams] }), { now: NOW, keepTagRevisions: 1 });
    expect(result.counts.images).toBe(expected.images.length);
    expect(result.counts.images).toBeGreaterThan(0);
    expect(await getJson(store, result.keys.images)).toEqual(expected.images.map((name) => ({ name })));
  });
});

describe('plan files of many items', () => {
  it('are written in pieces, byte for byte what JSON.stringify gives', async () => {
    const items = Array.from({ length: 25_003 }, (_, i) => ({ repository: `ns/app-${i % 7}`, digest: `sha256:${String(i).padStart(64, '0')}` }));
    expect(jsonArrayBuffer(items).toString('utf8')).toBe(JSON.stringify(items));
    expect(jsonArrayBuffer([]).toString('utf8')).toBe('[]');
    const store = stores.folder();
    await putJson(store, 'runs/pieces/plan/layer-links.json', items);
    expect(await getJson(store, 'runs/pieces/plan/layer-links.json')).toEqual(items);
  });
});
