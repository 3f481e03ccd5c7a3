// Lambda "Delete a batch of images": one ItemBatcher batch; throws BatchItemsFailedError naming the items that still fail.
import { deleteImages } from '../../shared/workflow/batches.js';
import type { BatchResult } from '../../shared/workflow/contracts.js';
import { checkImage, parseBatchEvent } from '../../shared/workflow/events.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../common/powertools.js';

/** The task, for tests: a batch in, counts out. */
export async function run(event: unknown): Promise<BatchResult> {
  const e = parseBatchEvent(event, 'images', checkImage);
  const deps = dependencies();
  const result = await deleteImages(e, await deps.clusterWriter(), deps.itemPolicy());
  logger.info('batch done', { kind: result.kind, done: result.done, gone: result.gone });
  return result;
}

export const handler = wrapHandler(run);
