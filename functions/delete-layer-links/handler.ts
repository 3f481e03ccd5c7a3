// Lambda "Delete a batch of layer links": one ItemBatcher batch; throws BatchItemsFailedError naming the items that still fail.
import { deleteLayerLinks } from '../../shared/workflow/batches.js';
import type { BatchResult } from '../../shared/workflow/contracts.js';
import { checkLink, parseBatchEvent } from '../../shared/workflow/events.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../common/powertools.js';

/** The task, for tests: a batch in, counts out. */
export async function run(event: unknown): Promise<BatchResult> {
  const e = parseBatchEvent(event, 'layerLinks', checkLink);
  const deps = dependencies();
  const result = await deleteLayerLinks(e, await deps.registryDeleter(), deps.itemPolicy());
  logger.info('batch done', { kind: result.kind, done: result.done, gone: result.gone });
  return result;
}

export const handler = wrapHandler(run);
