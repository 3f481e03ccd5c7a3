// A registry run with storage.delete.enabled false answers DELETE with 405
// UNSUPPORTED: the user is told what to enable, and nothing counts as deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteManifests,
  RegistryDeleteDisabledError,
  type RegistryDeleter,
} from '../../../shared/adapters/registry/index.js';
import { startRegistry, type RunningRegistry } from '../../support/registry.js';
import { pullCheck, pushImage } from '../../support/push.js';
import { deleterFor } from './helpers.js';

let registry: RunningRegistry;
let deleter: RegistryDeleter;

beforeAll(async () => {
  registry = await startRegistry({ deleteEnabled: false });
  deleter = deleterFor(registry.url);
});
afterAll(async () => {
  await deleter?.close();
  await registry?.stop();
});

describe('a registry with deleting disabled', () => {
  it.each([
    ['manifest', (d: RegistryDeleter, repo: string, img: { manifestDigest: string; layers: { digest: string }[] }) => d.deleteManifest(repo, img.manifestDigest)],
    ['layer link', (d: RegistryDeleter, repo: string, img: { manifestDigest: string; layers: { digest: string }[] }) => d.deleteLayerLink(repo, img.layers[0].digest)],
  ])('refuses a %s delete with an error naming storage.delete.enabled', async (what, del) => {
    const repo = `off/${what.replace(' ', '-')}`;
    const image = await pushImage(registry.url, { repository: repo });

    const attempt = del(deleter, repo, image);

    await expect(attempt).rejects.toBeInstanceOf(RegistryDeleteDisabledError);
    await expect(attempt).rejects.toThrow(/answered 405 \(UNSUPPORTED\).*storage\.delete\.enabled: true/);
    expect((await pullCheck(registry.url, repo, image.manifestDigest)).ok).toBe(true);
  });

  it('stops a batch after the first refusal', async () => {
    const images = await Promise.all(['a', 'b', 'c'].map((seed) => pushImage(registry.url, { repository: 'off/batch', seed })));
    const links = images.map((i) => ({ repository: 'off/batch', digest: i.manifestDigest }));

    const results = await deleteManifests(deleter, links, { concurrency: 1 });

    expect(results.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    expect(results[2].reason).toMatch(/^not attempted: RegistryDeleteDisabledError/);
  });
});
