// Manifest deletion against the real docker-registry: what is deleted no longer
// pulls, what is kept still pulls completely, and a repeat is "already gone".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryDeleter } from '../../../shared/adapters/registry/index.js';
import { startRegistry, type RunningRegistry } from '../../support/registry.js';
import { pullCheck, pushImage, pushIndex, type ManifestFormat } from '../../support/push.js';
import { deleterFor, manifestStatus, MISSING_DIGEST } from './helpers.js';

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

describe.each<ManifestFormat>(['docker', 'oci'])('deleting a %s manifest', (format) => {
  it('makes GET of the deleted manifest answer 404 while a kept image sharing its layers still pulls', async () => {
    const repo = `ns/${format}-app`;
    const base = { seed: `${format}-base`, size: 2048 };
    const pruned = await pushImage(registry.url, { repository: repo, tag: 'old', format, layers: [base, { seed: `${format}-old` }] });
    const kept = await pushImage(registry.url, { repository: repo, tag: 'new', format, layers: [base, { seed: `${format}-new` }] });
    expect((await pullCheck(registry.url, repo, pruned.manifestDigest)).ok).toBe(true);

    expect(await deleter.deleteManifest(repo, pruned.manifestDigest)).toBe('done');

    expect(await manifestStatus(registry.url, repo, pruned.manifestDigest)).toBe(404);
    const pull = await pullCheck(registry.url, repo, kept.manifestDigest);
    expect(pull.statuses).toEqual(Object.fromEntries(Object.keys(pull.statuses).map((k) => [k, 200])));
    expect(Object.keys(pull.statuses)).toHaveLength(4); // manifest, config, two layers
  });

  it('reports a manifest deleted before as already gone', async () => {
    const repo = `ns/${format}-twice`;
    const image = await pushImage(registry.url, { repository: repo, format });
    expect(await deleter.deleteManifest(repo, image.manifestDigest)).toBe('done');
    expect(await deleter.deleteManifest(repo, image.manifestDigest)).toBe('gone');
  });

  it('deletes a manifest list by digest and leaves its children pullable', async () => {
    const repo = `ns/${format}-multi`;
    const amd = await pushImage(registry.url, { repository: repo, format, seed: 'amd64', layers: [{ seed: `${format}-l1` }] });
    const arm = await pushImage(registry.url, { repository: repo, format, seed: 'arm64', architecture: 'arm64', layers: [{ seed: `${format}-l1` }] });
    const index = await pushIndex(registry.url, { repository: repo, tag: 'latest', format, manifests: [amd, arm] });

    expect(await deleter.deleteManifest(repo, index.manifestDigest)).toBe('done');

    expect(await manifestStatus(registry.url, repo, index.manifestDigest)).toBe(404);
    expect((await pullCheck(registry.url, repo, amd.manifestDigest)).ok).toBe(true);
    expect((await pullCheck(registry.url, repo, arm.manifestDigest)).ok).toBe(true);
  });
});

describe('answers that mean "already gone"', () => {
  it.each([
    ['a digest the repository never had', 'ns/docker-app'],
    ['a repository the registry never had', 'never/pushed'],
  ])('reports %s as gone', async (_what, repo) => {
    await pushImage(registry.url, { repository: 'ns/docker-app', tag: 'present' });
    expect(await deleter.deleteManifest(repo, MISSING_DIGEST)).toBe('gone');
  });
});

describe('input checks', () => {
  it.each([
    ['an upper-case repository', 'NS/App', MISSING_DIGEST, /repository "NS\/App"/],
    ['a path-escaping repository', '../admin', MISSING_DIGEST, /repository "\.\.\/admin"/],
    ['a tag instead of a digest', 'ns/app', 'latest', /digest "latest"/],
    ['a short digest', 'ns/app', 'sha256:abc', /digest "sha256:abc"/],
  ])('refuses %s, naming the field, without sending anything', async (_what, repo, digest, message) => {
    await expect(deleter.deleteManifest(repo, digest)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(message) });
  });
});
