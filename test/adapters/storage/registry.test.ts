// The adapter against storage the real docker-registry wrote, on a filesystem
// and on our S3 server: it reads the layout the registry keeps, and after it
// deletes links, blobs and a repository the registry still serves every kept
// image and no longer serves the deleted ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkRef } from '../../../shared/adapters/storage/index.js';
import { pullCheck, pushImage, type PushedImage } from '../../support/push.js';
import { startRegistry, type RunningRegistry } from '../../support/registry.js';
import { BACKENDS, all, startBackend, type Backend } from './backends.js';

describe.each(BACKENDS)('the registry on %s storage', (name) => {
  let backend: Backend;
  let registry: RunningRegistry;
  let a: PushedImage; // ns/app:v1, kept
  let b: PushedImage; // ns/app:v2, pruned
  let c: PushedImage; // team/sub/tool:v1, kept (nested below team/sub)
  let d: PushedImage; // team/sub:v1, its repository removed

  beforeAll(async () => {
    backend = await startBackend(name, 3);
    registry = await startRegistry({ storage: backend.registryConfig });
    const shared = { seed: 'shared-layer', size: 3000 };
    a = await pushImage(registry.url, { repository: 'ns/app', tag: 'v1', layers: [shared, { seed: 'a-only', size: 200 }] });
    b = await pushImage(registry.url, { repository: 'ns/app', tag: 'v2', format: 'oci', layers: [shared, { seed: 'b-only', size: 500 }] });
    c = await pushImage(registry.url, { repository: 'team/sub/tool', tag: 'v1', layers: [shared, { seed: 'c-only', size: 300 }], mountFrom: 'ns/app' });
    d = await pushImage(registry.url, { repository: 'team/sub', tag: 'v1', layers: [{ seed: 'd-only', size: 100 }] });
  });
  afterAll(async () => {
    await registry?.stop();
    await backend?.stop();
  });

  it('lists what the registry stored: repositories, links, tags and blobs with their sizes', async () => {
    const s = backend.storage;
    expect((await all(s.repositories())).sort()).toEqual(['ns/app', 'team/sub', 'team/sub/tool']);
    expect((await all(s.manifestRevisions('ns/app'))).sort()).toEqual([a.manifestDigest, b.manifestDigest].sort());
    expect((await all(s.layerLinks('ns/app'))).sort()).toEqual(
      [...new Set([...a.layers, a.config, ...b.layers, b.config].map((x) => x.digest))].sort(),
    );
    const tags = (await all(s.tags('ns/app'))).sort((x, y) => x.tag.localeCompare(y.tag));
    expect(tags).toEqual([
      { tag: 'v1', current: a.manifestDigest, index: [a.manifestDigest] },
      { tag: 'v2', current: b.manifestDigest, index: [b.manifestDigest] },
    ]);
    const sizes = new Map((await all(s.blobs())).map((x) => [x.digest, x.size]));
    for (const img of [a, b, c, d]) {
      for (const blob of [...img.layers, img.config]) expect(sizes.get(blob.digest)).toBe(blob.size);
      expect(sizes.get(img.manifestDigest)).toBe(img.manifestSize);
    }
    expect(sizes.size).toBe(new Set([a, b, c, d].flatMap((i) => [i.manifestDigest, i.config.digest, ...i.layers.map((l) => l.digest)])).size);
    expect((await s.readBlob(b.manifestDigest))?.toString('utf8')).toBe(b.manifest);
  });

  it('deletes what a prune removes; the registry serves the kept images and not the deleted ones', async () => {
    const s = backend.storage;
    const bOnly = b.layers[1].digest;
    const links: LinkRef[] = [
      { kind: 'revision', repository: 'ns/app', digest: b.manifestDigest },
      { kind: 'layer', repository: 'ns/app', digest: bOnly },
      { kind: 'layer', repository: 'ns/app', digest: b.config.digest },
    ];
    expect((await all(s.deleteLinks(links))).map((r) => r.status)).toEqual(['done', 'done', 'done']);
    expect(await s.deleteTag('ns/app', 'v2')).toEqual({ item: 'ns/app:v2', status: 'done' });
    const blobResults = await all(s.deleteBlobs([bOnly, b.config.digest, b.manifestDigest, d.layers[0].digest]));
    expect(blobResults.every((r) => r.status === 'done')).toBe(true);
    expect(blobResults).toHaveLength(4);
    expect(await s.deleteRepository('team/sub')).toEqual({ item: 'team/sub', status: 'done' });

    // Kept: every manifest and blob answers 200 with the right bytes.
    for (const [repo, img] of [['ns/app', a], ['team/sub/tool', c]] as const) {
      const pull = await pullCheck(registry.url, repo, img.manifestDigest);
      expect(pull.ok, JSON.stringify(pull.statuses)).toBe(true);
    }
    // Deleted: gone from the registry.
    const pullB = await pullCheck(registry.url, 'ns/app', b.manifestDigest);
    expect(pullB.statuses).toEqual({ [`manifest ${b.manifestDigest}`]: 404 });
    expect((await fetch(`${registry.url}/v2/ns/app/blobs/${bOnly}`)).status).toBe(404);
    expect((await fetch(`${registry.url}/v2/ns/app/manifests/v2`)).status).toBe(404);
    expect((await pullCheck(registry.url, 'team/sub', d.manifestDigest)).ok).toBe(false);
    const tags = (await (await fetch(`${registry.url}/v2/ns/app/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(['v1']);
    const catalog = (await (await fetch(`${registry.url}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories).toEqual(['ns/app', 'team/sub/tool']);
    // And the storage agrees.
    expect((await all(s.repositories())).sort()).toEqual(['ns/app', 'team/sub/tool']);
    expect(await s.readBlob(b.manifestDigest)).toBeUndefined();
  });

  it('lets the registry take new pushes after the deletions', async () => {
    const e = await pushImage(registry.url, { repository: 'ns/app', tag: 'v3', layers: [{ seed: 'b-only', size: 500 }] });
    expect((await pullCheck(registry.url, 'ns/app', e.manifestDigest)).ok).toBe(true);
  });
});
