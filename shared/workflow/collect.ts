// "Collect <group>": one resource group of the cluster, every page, into
// runs/<id>/snapshot/<group>/part-NNNNN.jsonl.gz (shared/workflow/snapshot-chunks.ts). Every snapshot a
// run writes goes through here, so here every object is stripped to what the
// rules read (docs/rules.md, "What is read"), whatever the reader: the live
// collector strips as it pages, a dump (`run --snapshot`) holds everything oc
// printed (pod env values, args, annotations, build sources and env).
import type { ClusterReader, GroupPage } from '../adapters/kubernetes/collector.js';
import { stripObject } from '../adapters/kubernetes/strip.js';
import type { ImageStream } from '../core/kube-types.js';
import { kindByName } from '../core/kinds.js';
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { DEFAULT_CHUNK_LIMITS, SnapshotChunkWriter, type ChunkLimits } from './snapshot-chunks.js';
import type { CollectEvent, CollectResult } from './contracts.js';
import { CollectError, runKeys } from './contracts.js';
import { detectRegistry } from './registry-detection.js';

/**
 * Collects one group and stores it as it is read, a page at a time (readers
 * without pages are read whole); a collector failure becomes a
 * {@link CollectError}. Memory: one page and one part, whatever the group's
 * size, plus the routes of the image streams for "Find the registry".
 */
export async function collectGroup(event: CollectEvent, collector: ClusterReader, artifacts: ArtifactStore, limits: ChunkLimits = DEFAULT_CHUNK_LIMITS): Promise<CollectResult> {
  // The race guard's second read goes next to the first (docs/rules.md, "Carrying it out").
  const key = event.again ? runKeys.recheckSnapshot(event.run.runId, event.group) : runKeys.snapshot(event.run.runId, event.group);
  const writer = new SnapshotChunkWriter(artifacts, key, limits);
  const streamsKind = kindByName('ImageStream')?.kind;
  // What the streams' routes say about the registry travels on as a few counts.
  let routes: Pick<ImageStream, 'status'>[] = [];
  let kindStart = await writer.mark();
  let current: string | undefined;
  try {
    // Lists are complete or this throws: an incomplete list must stop the run before planning.
    for await (const page of pagesOf(collector, event.group)) {
      if (page.kind !== current) {
        // Each kind starts a part of its own, so a restart voids only its own parts.
        kindStart = await writer.mark();
        current = page.kind;
      }
      if (page.type === 'restart') {
        writer.rewind(kindStart);
        if (page.kind === streamsKind) routes = [];
        continue;
      }
      if (page.type === 'skipped') continue;
      for (let i = 0; i < page.items.length; i += 1) {
        // Stripping twice gives the same object: a dump's objects hold everything oc printed.
        const kind = kindByName(String(page.items[i].kind));
        if (!kind) throw new CollectError(event.group, `item ${i} has kind ${JSON.stringify(page.items[i].kind ?? null)}, which is not read`);
        const item = stripObject(kind, page.items[i]);
        if (kind.kind === streamsKind) routes.push({ status: { publicDockerImageRepository: (item as unknown as ImageStream).status?.publicDockerImageRepository } });
        await writer.add(item);
      }
    }
  } catch (err) {
    if (err instanceof CollectError) throw err;
    throw new CollectError(event.group, err instanceof Error ? err.message.split('\n')[0] : String(err), { cause: err });
  }
  const { chunks, count } = await writer.finish();
  if (kindByName('ImageStream')?.collectGroup !== event.group) return { group: event.group, key, chunks, count };
  return { group: event.group, key, chunks, count, registry: detectRegistry(routes) };
}

/** The group's pages: the reader's own, or its whole group as one page per kind. */
async function* pagesOf(collector: ClusterReader, group: CollectEvent['group']): AsyncGenerator<GroupPage> {
  if (collector.pagesOfGroup) {
    yield* collector.pagesOfGroup(group);
    return;
  }
  const { items } = await collector.collectGroup(group);
  yield { type: 'page', kind: 'all', items };
}
