// "Collect <group>": one resource group of the cluster, every page, into
// runs/<id>/snapshot/<group>/part-NNNNN.jsonl.gz (shared/workflow/snapshot-chunks.ts). Every snapshot a
// run writes goes through here, so here every object is stripped to what the
// rules read (docs/rules.md, "What is read"), whatever the reader: the live
// collector strips as it pages, a dump (`run --snapshot`) holds everything oc
// printed (pod env values, args, annotations, build sources and env).
import type { ClusterReader, GroupPage, GroupResume } from '../adapters/kubernetes/collector.js';
import { stripObject } from '../adapters/kubernetes/strip.js';
import type { ImageStream } from '../core/kube-types.js';
import { kindByName } from '../core/kinds.js';
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { DEFAULT_CHUNK_LIMITS, SnapshotChunkWriter, type ChunkLimits } from './snapshot-chunks.js';
import type { CollectContinuation, CollectEvent, CollectResult, CollectResume } from './contracts.js';
import { CollectError, runKeys } from './contracts.js';
import { detectionOfTally, tallyRoutes, type RouteTally } from './registry-detection.js';

/**
 * How long one collect invocation lists before it hands on (10 of the collect
 * row's 15 minutes: the rest is for the page in flight, its retries and the
 * last part). A group longer than that, a million Images say, is listed by
 * several invocations in a row, each going on from the continue token the
 * last one returned (docs/workflow.md, "What happens at 1M Images").
 */
export const COLLECT_SLICE_SECONDS = 600;

/** Collects one whole group in this invocation and stores it (what the CLI and tests call): {@link collectGroupSlice} without a time limit. */
export async function collectGroup(event: CollectEvent, collector: ClusterReader, artifacts: ArtifactStore, limits: ChunkLimits = DEFAULT_CHUNK_LIMITS): Promise<CollectResult> {
  const result = await collectGroupSlice(event, collector, artifacts, { limits, sliceSeconds: Infinity });
  if (isContinuation(result)) throw new CollectError(event.group, 'stopped before the end of the list without a time limit');
  return result;
}

/**
 * Collects one group and stores it as it is read, a page at a time (readers
 * without pages are read whole); a collector failure becomes a
 * {@link CollectError}. Memory: one page and one part, whatever the group's
 * size. After `sliceSeconds` of listing it stops after a page and returns a
 * {@link CollectContinuation}, the event of the invocation that goes on.
 */
export async function collectGroupSlice(
  event: CollectEvent,
  collector: ClusterReader,
  artifacts: ArtifactStore,
  o: { limits?: ChunkLimits; sliceSeconds?: number } = {},
): Promise<CollectResult | CollectContinuation> {
  const limits = o.limits ?? DEFAULT_CHUNK_LIMITS;
  const sliceSeconds = o.sliceSeconds ?? COLLECT_SLICE_SECONDS;
  const started = Date.now();
  // The race guard's second read goes next to the first (docs/rules.md, "Carrying it out").
  const key = event.again ? runKeys.recheckSnapshot(event.run.runId, event.group) : runKeys.snapshot(event.run.runId, event.group);
  const resume = event.resume || undefined;
  const writer = new SnapshotChunkWriter(artifacts, key, limits, resume && { chunks: resume.chunks, count: resume.count });
  const streamsKind = kindByName('ImageStream')?.kind;
  // What the streams' routes say about the registry travels on as a few counts.
  let routes: RouteTally = resume?.routes ?? tallyRoutes([]);
  let kindStart = resume?.kindStart ?? (await writer.mark());
  let current = resume?.kind;
  try {
    // Lists are complete or this throws: an incomplete list must stop the run before planning.
    for await (const page of pagesOf(collector, event.group, resume)) {
      if (page.kind !== current) {
        // Each kind starts a part of its own, so a restart voids only its own parts.
        kindStart = await writer.mark();
        current = page.kind;
      }
      if (page.type === 'restart') {
        writer.rewind(kindStart);
        if (page.kind === streamsKind) routes = tallyRoutes([]);
        continue;
      }
      if (page.type === 'skipped') continue;
      for (let i = 0; i < page.items.length; i += 1) {
        // Stripping twice gives the same object: a dump's objects hold everything oc printed.
        const kind = kindByName(String(page.items[i].kind));
        if (!kind) throw new CollectError(event.group, `item ${i} has kind ${JSON.stringify(page.items[i].kind ?? null)}, which is not read`);
        const item = stripObject(kind, page.items[i]);
        if (kind.kind === streamsKind) tallyRoutes([item as unknown as ImageStream], routes);
        await writer.add(item);
      }
      if (page.continue !== undefined && Date.now() - started >= sliceSeconds * 1000) {
        const at = await writer.mark();
        const next: CollectResume = { kind: page.kind, continue: page.continue, kindStart, chunks: at.chunks, count: at.count, ...(routes.total > 0 ? { routes } : {}) };
        return { run: event.run, group: event.group, ...(event.again ? { again: true } : {}), resume: next };
      }
    }
  } catch (err) {
    if (err instanceof CollectError) throw err;
    throw new CollectError(event.group, err instanceof Error ? err.message.split('\n')[0] : String(err), { cause: err });
  }
  const { chunks, count } = await writer.finish();
  if (kindByName('ImageStream')?.collectGroup !== event.group) return { group: event.group, key, chunks, count };
  return { group: event.group, key, chunks, count, registry: detectionOfTally(routes) };
}

/** Whether a collect task's result is an unfinished one, to go on with. */
export function isContinuation(result: CollectResult | CollectContinuation): result is CollectContinuation {
  return 'resume' in result && result.resume !== undefined;
}

/** The group's pages: the reader's own, or its whole group as one page. */
async function* pagesOf(collector: ClusterReader, group: CollectEvent['group'], from: GroupResume | undefined): AsyncGenerator<GroupPage> {
  if (collector.pagesOfGroup) {
    yield* collector.pagesOfGroup(group, from);
    return;
  }
  const { items } = await collector.collectGroup(group);
  yield { type: 'page', kind: 'all', items };
}
