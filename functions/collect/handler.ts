// Lambda "Collect <group>": one resource group of the cluster into the artifacts bucket.
import { collectGroup } from '../../shared/workflow/collect.js';
import type { CollectResult } from '../../shared/workflow/contracts.js';
import { parseCollectEvent } from '../../shared/workflow/events.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../common/powertools.js';

/** The task, for tests: event in, snapshot key and count out. */
export async function run(event: unknown): Promise<CollectResult> {
  const e = parseCollectEvent(event);
  const deps = dependencies();
  const result = await collectGroup(e, await deps.clusterReader(), deps.artifacts());
  logger.info('collected', { group: result.group, count: result.count });
  return result;
}

export const handler = wrapHandler(run);
