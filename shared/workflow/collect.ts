// "Collect <group>": one resource group of the cluster, every page, into
// runs/<id>/snapshot/<group>/part-NNNNN.jsonl.gz (shared/workflow/snapshot-chunks.ts). Every snapshot a
// run writes goes through here, so here every object is stripped to what the
// rules read (docs/rules.md, "What is read"), whatever the reader: the live
// collector strips as it pages, a dump (`run --snapshot`) holds everything oc
// printed (pod env values, args, annotations, build sources and env).
import type { ClusterReader } from '../adapters/kubernetes/collector.js';
import { stripObject } from '../adapters/kubernetes/strip.js';
import type { ImageStream } from '../core/kube-types.js';
import { kindByName } from '../core/kinds.js';
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { DEFAULT_CHUNK_LIMITS, writeSnapshotChunks, type ChunkLimits } from './snapshot-chunks.js';
import type { CollectEvent, CollectResult } from './contracts.js';
import { CollectError, runKeys } from './contracts.js';
import { detectRegistry } from './registry-detection.js';

/** Collects one group and stores it; a collector failure becomes a {@link CollectError}. */
export async function collectGroup(event: CollectEvent, collector: ClusterReader, artifacts: ArtifactStore, limits: ChunkLimits = DEFAULT_CHUNK_LIMITS): Promise<CollectResult> {
  let items;
  try {
    // Lists are complete or this throws: an incomplete list must stop the run before planning.
    ({ items } = await collector.collectGroup(event.group));
  } catch (err) {
    if (err instanceof CollectError) throw err;
    throw new CollectError(event.group, err instanceof Error ? err.message.split('\n')[0] : String(err), { cause: err });
  }
  // Stripping twice gives the same object; in place, so the unstripped copies can go.
  for (let i = 0; i < items.length; i += 1) {
    const kind = kindByName(String(items[i].kind));
    if (!kind) throw new CollectError(event.group, `item ${i} has kind ${JSON.stringify(items[i].kind ?? null)}, which is not read`);
    items[i] = stripObject(kind, items[i]);
  }
  // Parts of bounded size (gzip JSON Lines): no whole group in one string, here or in the plan task.
  // The race guard's second read goes next to the first (docs/rules.md, "Carrying it out").
  const key = event.again ? runKeys.recheckSnapshot(event.run.runId, event.group) : runKeys.snapshot(event.run.runId, event.group);
  const { chunks, count } = await writeSnapshotChunks(artifacts, key, items, limits);
  // The streams are in memory here: what their routes say about the registry
  // travels on as a few counts, for "Find the registry".
  if (kindByName('ImageStream')?.collectGroup !== event.group) return { group: event.group, key, chunks, count };
  const streams = items.filter((it) => it.kind === 'ImageStream') as unknown as ImageStream[];
  return { group: event.group, key, chunks, count, registry: detectRegistry(streams) };
}
