// Carries out the items of one batch: every item is tried, a failed item is
// retried a few times (transient registry or API trouble), and the caller gets
// one result per item. Bounded concurrency so one batch cannot flood a server.
import type { ItemResult, ItemStatus } from '../core/ports.js';

/** How hard a batch tries. */
export interface ItemRetryPolicy {
  /** Attempts per item, the first included. */
  attempts: number;
  /** Wait before the second attempt; doubles after each failure. */
  backoffMs: number;
  /** Items in flight at once. */
  concurrency: number;
}

/** Three attempts per item, 200 ms then 400 ms apart, eight at a time. */
export const DEFAULT_ITEM_RETRY: ItemRetryPolicy = { attempts: 3, backoffMs: 200, concurrency: 8 };

/** Runs `act` on every item; never throws, a thrown error is a failed item with its message as reason. */
export async function runItems<T>(items: readonly T[], act: (item: T) => Promise<ItemStatus>, policy: ItemRetryPolicy = DEFAULT_ITEM_RETRY): Promise<ItemResult<T>[]> {
  const results: ItemResult<T>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await attempt(items[i], act, policy);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(policy.concurrency, items.length)) }, worker));
  return results;
}

async function attempt<T>(item: T, act: (item: T) => Promise<ItemStatus>, policy: ItemRetryPolicy): Promise<ItemResult<T>> {
  let reason = 'failed';
  let wait = policy.backoffMs;
  for (let n = 1; n <= Math.max(1, policy.attempts); n++) {
    try {
      const status = await act(item);
      if (status !== 'failed') return { item, status };
      reason = 'failed';
    } catch (err) {
      // Adapters put one line without bodies or secrets into their messages.
      reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    }
    if (n < policy.attempts && wait > 0) {
      await new Promise((r) => setTimeout(r, wait));
      wait *= 2;
    }
  }
  return { item, status: 'failed', reason };
}
