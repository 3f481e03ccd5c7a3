// A stream update can be larger than a Map batch may be (a stream with
// thousands of removed revisions): the plan file holds it as several items of
// at most 64 KiB, each applied to the stream as it then is, in any order and
// again, with the same end as the whole update at once; and the Maps cut
// batches by bytes, so no batch passes 256 KiB.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBatches } from '../../cli/local-run/engine.js';
import { checkBatches, payloadBytes, PAYLOAD_LIMIT_BYTES } from '../../cli/local-run/limits.js';
import { putJson } from '../../shared/adapters/artifacts/artifact-store.js';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import { applyStreamUpdate } from '../../shared/adapters/kubernetes/writers.js';
import type { NamedTagEventList } from '../../shared/core/kube-types.js';
import type { StreamUpdate } from '../../shared/core/plan-types.js';
import { splitStreamUpdate, STREAM_UPDATE_ITEM_BYTES } from '../../shared/workflow/compute-plan.js';
import { MAX_BATCH_INPUT_BYTES } from '../../shared/workflow/map-results.js';

const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/** A tag's history, newest first, `n` revisions, each its own image. */
function history(tag: string, n: number): NamedTagEventList {
  return { tag, items: Array.from({ length: n }, (_, i) => ({ created: new Date(Date.UTC(2026, 0, 1) - i * 60_000).toISOString(), dockerImageReference: `r/ns/s@${digest(`${tag}-${i}`)}`, image: digest(`${tag}-${i}`), generation: 1 })) };
}

const tags: NamedTagEventList[] = [history('big', 20_000), history('small', 5), history('gone', 3)];
const update: StreamUpdate = {
  namespace: 'ns',
  name: 's',
  removed: [
    ...tags[0].items!.slice(2).map((it, k) => ({ tag: 'big', index: k + 2, image: it.image })),
    { tag: 'small', index: 4, image: tags[1].items![4].image },
    ...tags[2].items!.map((it, index) => ({ tag: 'gone', index, image: it.image })),
  ],
  removedTags: ['gone'],
};

/** Applies each part to the stream as it then is, as the stream update task does. */
function applyAll(parts: StreamUpdate[], start: NamedTagEventList[]) {
  let current = start;
  let removed = 0;
  for (const p of parts) {
    const r = applyStreamUpdate(current, p);
    current = r.tags;
    removed += r.removed;
  }
  return { tags: current, removed };
}

describe('a stream update of 20,000 revisions', () => {
  const parts = splitStreamUpdate(update);

  it('is cut into items of at most 64 KiB that hold every revision once and name the removed tag', () => {
    expect(payloadBytes(update)).toBeGreaterThan(PAYLOAD_LIMIT_BYTES);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(payloadBytes(p)).toBeLessThanOrEqual(STREAM_UPDATE_ITEM_BYTES);
      expect(p).toMatchObject({ namespace: 'ns', name: 's' });
    }
    const key = (r: { tag: string; index: number; image: string }) => `${r.tag}/${r.index}/${r.image}`;
    expect(parts.flatMap((p) => p.removed.map(key)).sort()).toEqual(update.removed.map(key).sort());
    expect(parts.filter((p) => p.removedTags.includes('gone'))).toHaveLength(1);
  });

  it('leaves a small update whole', () => {
    const small: StreamUpdate = { namespace: 'ns', name: 's', removed: update.removed.slice(0, 3), removedTags: [] };
    expect(splitStreamUpdate(small)).toEqual([small]);
  });

  it('ends where the whole update ends, the parts applied in any order, and again', () => {
    const whole = applyStreamUpdate(tags, update);
    expect(whole.tags.map((t) => [t.tag, t.items!.length])).toEqual([
      ['big', 2],
      ['small', 4],
    ]);
    for (const order of [parts, [...parts].reverse(), [...parts.slice(1), parts[0]]]) {
      const r = applyAll(order, tags);
      expect(r.tags).toEqual(whole.tags);
      expect(r.removed).toBe(whole.removed);
      // Once more: nothing left to do (the task answers `gone`).
      expect(applyAll(order, r.tags)).toEqual({ tags: whole.tags, removed: 0 });
    }
  });

  describe('in a plan file read in batches', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'split-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('gives batches under 256 KiB, cut by bytes before the item count', async () => {
      const artifacts = new LocalFolderArtifacts(dir);
      await putJson(artifacts, 'stream-updates.json', parts);
      const batches = await readBatches(artifacts, { Key: 'stream-updates.json', MaxItemsPerBatch: 100, MaxInputBytesPerBatch: MAX_BATCH_INPUT_BYTES, BatchInput: { runId: 'r', kind: 'streamUpdates' } });
      expect(() => checkBatches('Update image streams', batches)).not.toThrow();
      expect(batches.length).toBeGreaterThan(1);
      expect(batches.flatMap((b) => b.Items)).toEqual(parts);
      // Without the byte limit the same items make one batch over the limit.
      const byCount = await readBatches(artifacts, { Key: 'stream-updates.json', MaxItemsPerBatch: 100, BatchInput: {} });
      expect(byCount).toHaveLength(1);
      expect(() => checkBatches('Update image streams', byCount)).toThrow(/over the 262144-byte/);
    });
  });
});
