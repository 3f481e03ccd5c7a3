// The batch runner: bounded concurrency, one result per item in the items'
// order, and never more in flight at the registry than asked for.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deleteLayerLinks, deleteManifests, runBatch, summarize } from '../../../shared/adapters/registry/index.js';
import type { ItemResult } from '../../../shared/core/ports.js';
import type { RepositoryLink } from '../../../shared/core/plan-types.js';
import { InvalidInputError } from '../../../shared/errors.js';
import { startRegistry, type RunningRegistry } from '../../support/registry.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { pushImage } from '../../support/push.js';
import { deleterFor, manifestStatus, MISSING_DIGEST } from './helpers.js';

let registry: RunningRegistry;
let proxy: FaultProxy;
let links: RepositoryLink[];

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.url);
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});
// The same 12 manifests, pushed again before each test that deletes (a re-push restores a deleted link).
async function pushLinks(): Promise<void> {
  links = [];
  for (let i = 0; i < 12; i++) {
    const image = await pushImage(registry.url, { repository: 'batch/app', seed: `b${i}`, layers: [{ seed: 'batch-layer' }] });
    links.push({ repository: 'batch/app', digest: image.manifestDigest });
  }
  proxy.reset();
}

describe('concurrency', () => {
  beforeEach(pushLinks);

  it.each([1, 3, 8])('keeps at most %i deletes in flight at the registry', async (concurrency) => {
    const deleter = deleterFor(proxy.url);
    await deleter.checkHealth();
    proxy.reset();
    proxy.delayMs = 50; // holds each request so that overlapping ones are seen overlapping

    const results = await deleteManifests(deleter, links, { concurrency });

    expect(summarize(results)).toEqual({ done: 12, gone: 0, failed: 0 });
    expect(proxy.maxInFlight).toBeLessThanOrEqual(concurrency);
    // The limit is also used, not just respected (a loaded machine may start the last ones late).
    expect(proxy.maxInFlight).toBeGreaterThanOrEqual(Math.ceil(concurrency / 2));
    await deleter.close();
  });
});

describe('results', () => {
  beforeEach(pushLinks);
  it('reports each item in the order given, done and already gone alike', async () => {
    const deleter = deleterFor(proxy.url);
    await deleter.deleteManifest(links[1].repository, links[1].digest);
    const items = [links[0], links[1], { repository: 'batch/app', digest: MISSING_DIGEST }, links[2]];
    const seen: ItemResult<RepositoryLink>[] = [];

    const results = await deleteManifests(deleter, items, { concurrency: 4, onResult: (r) => seen.push(r) });

    expect(results.map((r) => [r.item, r.status])).toEqual([
      [links[0], 'done'],
      [links[1], 'gone'],
      [items[2], 'gone'],
      [links[2], 'done'],
    ]);
    expect(seen).toHaveLength(4);
    for (const link of [links[0], links[2]]) expect(await manifestStatus(registry.url, link.repository, link.digest)).toBe(404);
    expect(await manifestStatus(registry.url, links[3].repository, links[3].digest)).toBe(200);
    await deleter.close();
  });

  it('turns an invalid item into a failure with a reason and goes on', async () => {
    const deleter = deleterFor(proxy.url);
    const items = [{ repository: 'Bad Repo', digest: links[0].digest }, links[0]];

    const results = await deleteLayerLinks(deleter, items, { concurrency: 1 });

    expect(results[0]).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^InvalidInputError: layer link repository "Bad Repo"/) });
    expect(results[1].status).toBe('gone'); // a manifest digest is not a layer of the repository
    await deleter.close();
  });

});

describe('batch input', () => {
  it('returns an empty list for no items', async () => {
    expect(await runBatch([], async () => 'done', { concurrency: 4 })).toEqual([]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses concurrency %s', async (concurrency) => {
    await expect(runBatch([1], async () => 'done', { concurrency })).rejects.toThrow(InvalidInputError);
  });
});
