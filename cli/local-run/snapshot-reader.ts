// A cluster read from a dump instead of a live API server (`run --snapshot`).
import { kindByName } from '../../shared/core/kinds.js';
import type { ResourceGroup } from '../../shared/core/kinds.js';
import type { KubeObject } from '../../shared/core/kube-types.js';
import type { Snapshot } from '../../shared/core/snapshot.js';
import { snapshotToList } from '../../shared/core/snapshot.js';
import type { ClusterReader, GroupCollection } from '../../shared/adapters/kubernetes/collector.js';

/** Serves each resource group from a snapshot, as the collector would from the cluster. */
export class SnapshotClusterReader implements ClusterReader {
  private readonly items: KubeObject[];

  constructor(snapshot: Snapshot) {
    this.items = snapshotToList(snapshot).items as KubeObject[];
  }

  async collectGroup(group: ResourceGroup): Promise<GroupCollection> {
    const items = this.items.filter((o) => typeof o.kind === 'string' && kindByName(o.kind)?.collectGroup === group);
    const counts: Record<string, number> = {};
    for (const o of items) counts[o.kind as string] = (counts[o.kind as string] ?? 0) + 1;
    return { group, items, counts, skipped: [] };
  }
}
