// A batch task against the real registry (behind a fault proxy): items are not
// retried on top of the registry client's own retries, and an error that every
// further request would hit too stops the batch instead of failing each item slowly.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RegistryDeleter } from '../../shared/adapters/registry/index.js';
import type { RepositoryLink } from '../../shared/core/plan-types.js';
import { deleteManifests } from '../../shared/workflow/batches.js';
import type { BatchEvent } from '../../shared/workflow/contracts.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const CLIENT_ATTEMPTS = 3;
const CONCURRENCY = 4;
const REPO = 'batch/app';

let registry: RunningRegistry;
let proxy: FaultProxy;
let deleter: RegistryDeleter;
let digest: string;

beforeAll(async () => {
  // Deleting disabled: every DELETE that reaches the registry answers 405 UNSUPPORTED.
  registry = await startRegistry({ deleteEnabled: false });
  proxy = await startFaultProxy(registry.url);
  deleter = RegistryDeleter.fromOptions({ url: proxy.url, retry: { attempts: CLIENT_ATTEMPTS, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 5 } });
  digest = (await pushImage(registry.url, { repository: REPO, seed: 'batch-errors' })).manifestDigest;
});
afterAll(async () => {
  await deleter?.close();
  await proxy?.stop();
  await registry?.stop();
});
beforeEach(() => proxy.reset());

function batchOf(n: number): BatchEvent<RepositoryLink> {
  // The same pushed manifest in distinct repositories: distinct items, all real requests.
  return { Items: Array.from({ length: n }, (_, i) => ({ repository: `${REPO}${i}`, digest })), BatchInput: { runId: 'r', kind: 'manifests' } };
}

const deletes = () => proxy.log.filter((r) => r.method === 'DELETE');

async function failure(p: Promise<unknown>): Promise<Error & { failed?: { item: string; reason: string }[] }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { failed?: { item: string; reason: string }[] };
  }
  throw new Error('the batch task did not fail');
}

describe('a batch task on a registry that refuses deletes', () => {
  it('stops after the first refusals, marks the rest not attempted, and fails under the answer\'s name', async () => {
    const err = await failure(deleteManifests(batchOf(40), deleter, { concurrency: CONCURRENCY }));

    // Only the items already in flight reached the registry, each once.
    expect(deletes().length).toBeLessThanOrEqual(CONCURRENCY);
    expect(deletes().length).toBeGreaterThan(0);
    // Not BatchItemsFailedError: the state machine must not retry this batch (NOT_RETRIED).
    expect(err.name).toBe('RegistryDeleteDisabledError');
    expect(err.message).toMatch(/^40 of 40 manifests failed:/);
    expect(err.message).toMatch(/: RegistryDeleteDisabledError: .*storage\.delete\.enabled/);
    expect(err.message).toMatch(/: not attempted: RegistryDeleteDisabledError: .*storage\.delete\.enabled/);
    expect(err.message).toContain('... and 20 more');
  });
});

describe('a batch task whose item keeps meeting 500s', () => {
  it('sends only the client\'s attempts for the item, not a batch-level multiple of them', async () => {
    proxy.inject(Array.from({ length: 50 }, () => ({ kind: 'status' as const, status: 500 })), (method) => method === 'DELETE');

    const err = await failure(deleteManifests(batchOf(1), deleter, { concurrency: CONCURRENCY }));

    expect(err.name).toBe('BatchItemsFailedError');
    expect(deletes()).toHaveLength(CLIENT_ATTEMPTS);
    expect(err.failed).toEqual([{ item: `${REPO}0@${digest}`, reason: expect.stringMatching(/^RegistryRequestError: /) }]);
  });
});
