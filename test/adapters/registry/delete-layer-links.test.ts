// Layer-link deletion against the real docker-registry: the link goes from one
// repository only; the blob stays pullable from every other repository using it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryDeleter } from '../../../shared/adapters/registry/index.js';
import { startRegistry, type RunningRegistry } from '../../support/registry.js';
import { pullCheck, pushImage } from '../../support/push.js';
import { blobStatus, deleterFor, MISSING_DIGEST } from './helpers.js';

let registry: RunningRegistry;
let deleter: RegistryDeleter;

beforeAll(async () => {
  registry = await startRegistry();
  deleter = deleterFor(registry.url);
});
afterAll(async () => {
  await deleter?.close();
  await registry?.stop();
});

describe('deleting a layer link', () => {
  it.each([
    ['uploaded again', undefined],
    ['mounted across repositories', 'team/first'],
  ])('leaves a shared blob pullable from the other repository (%s)', async (_how, mountFrom) => {
    const shared = { seed: `shared-${mountFrom ?? 'upload'}`, size: 4096 };
    const first = await pushImage(registry.url, { repository: 'team/first', layers: [shared], seed: `first-${mountFrom}` });
    const second = await pushImage(registry.url, { repository: 'team/second', layers: [shared], seed: `second-${mountFrom}`, mountFrom });
    const layer = first.layers[0].digest;
    expect(second.layers[0].digest).toBe(layer);

    expect(await deleter.deleteLayerLink('team/first', layer)).toBe('done');

    expect(await blobStatus(registry.url, 'team/first', layer)).toBe(404);
    expect(await blobStatus(registry.url, 'team/second', layer)).toBe(200);
    expect((await pullCheck(registry.url, 'team/second', second.manifestDigest)).ok).toBe(true);
  });

  it('reports a link deleted before as already gone', async () => {
    const image = await pushImage(registry.url, { repository: 'team/again', layers: [{ seed: 'again' }] });
    const layer = image.layers[0].digest;
    expect(await deleter.deleteLayerLink('team/again', layer)).toBe('done');
    expect(await deleter.deleteLayerLink('team/again', layer)).toBe('gone');
  });

  it('reports a blob the repository never linked as already gone', async () => {
    await pushImage(registry.url, { repository: 'team/present' });
    expect(await deleter.deleteLayerLink('team/present', MISSING_DIGEST)).toBe('gone');
  });
});
