// "Collect <group>": one resource group of the cluster, every page, into
// runs/<id>/snapshot/<group>.json.gz as a Kubernetes List.
import type { ClusterReader } from '../adapters/kubernetes/collector.js';
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { putGzipJson } from '../adapters/artifacts/artifact-store.js';
import type { CollectEvent, CollectResult } from './contracts.js';
import { CollectError, runKeys } from './contracts.js';

/** Collects one group and stores it; a collector failure becomes a {@link CollectError}. */
export async function collectGroup(event: CollectEvent, collector: ClusterReader, artifacts: ArtifactStore): Promise<CollectResult> {
  let items;
  try {
    // Lists are complete or this throws: an incomplete list must stop the run before planning.
    ({ items } = await collector.collectGroup(event.group));
  } catch (err) {
    if (err instanceof CollectError) throw err;
    throw new CollectError(event.group, err instanceof Error ? err.message.split('\n')[0] : String(err), { cause: err });
  }
  const key = runKeys.snapshot(event.run.runId, event.group);
  await putGzipJson(artifacts, key, { apiVersion: 'v1', kind: 'List', metadata: {}, items });
  return { group: event.group, key, count: items.length };
}
