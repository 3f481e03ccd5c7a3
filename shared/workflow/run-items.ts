// How a batch task carries out its items. There is no retry at this level: the
// registry client and the cluster writer already retry each request (5xx, 429,
// dropped connections) with backoff, so retrying the item again would multiply
// the requests (3 x 5 per item) and make a batch that cannot succeed fail slowly.
// The runner itself is the registry adapter's `runBatch`: one batch runner in
// the project, which also stops starting items after a fatal registry error.

/** How a batch task runs its items. */
export interface ItemPolicy {
  /** Items in flight at once, at least 1. */
  concurrency: number;
}

/** Eight items in flight per batch. */
export const DEFAULT_ITEM_POLICY: ItemPolicy = { concurrency: 8 };
