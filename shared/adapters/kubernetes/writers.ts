// Writes to the cluster: image stream status updates (re-read and re-apply on
// 409 Conflict), Image deletion (404 is done), and the creations fsck recovery
// needs (Image, ImageStream, ImageStreamMapping).
import type { Image, ImageStream, NamedTagEventList } from '../../core/kube-types.js';
import type { StreamUpdate } from '../../core/plan-types.js';
import type { ImageDeleter, ImageStreamUpdater, ItemStatus } from '../../core/ports.js';
import type { ClusterClient } from './connection.js';
import { ClusterRequestError, ImageStreamConflictError } from '../errors.js';
import { AttemptsExhaustedError, withRetry, type RetryPolicy } from '../retry.js';
import { attemptsText, CLUSTER_RETRY_POLICY, describeFailure, failureText, type Failure } from './failure.js';

const GROUP = 'image.openshift.io';
const VERSION = 'v1';

/** How writes are retried. */
export interface WriterOptions {
  retry?: RetryPolicy;
  /** Re-reads after a 409 Conflict before giving up, default 5. */
  maxConflictRetries?: number;
}

/** The result of applying a {@link StreamUpdate} to the tags a stream has now. */
export interface AppliedUpdate {
  tags: NamedTagEventList[];
  /** Revisions actually removed. */
  removed: number;
  /** Tags actually removed. */
  removedTags: number;
}

/**
 * Removes the update's revisions from `tags` (not modified). A revision is
 * removed where the plan saw it (same tag, index and image); when the history
 * moved since (newer pushes or other removals), the nearest revision of the
 * same image in that tag is removed instead, but never the tag's newest
 * revision unless the plan named index 0: a concurrent push made it current.
 * A revision no longer there is skipped. A tag is removed when the update
 * names it and it has no revision left, or when its last revision was removed
 * here (docs/rules.md, "The plan": "A tag that loses all its revisions is removed").
 */
export function applyStreamUpdate(current: readonly NamedTagEventList[], update: StreamUpdate): AppliedUpdate {
  const byTag = new Map<string, { index: number; image: string }[]>();
  for (const r of update.removed) {
    const list = byTag.get(r.tag) ?? [];
    list.push({ index: r.index, image: r.image });
    byTag.set(r.tag, list);
  }
  const removedTagNames = new Set(update.removedTags);
  let removed = 0;
  let removedTags = 0;
  const tags: NamedTagEventList[] = [];
  for (const t of current) {
    const items = t.items ?? [];
    const wanted = byTag.get(t.tag) ?? [];
    const drop = new Set<number>();
    for (const w of wanted) {
      if (items[w.index]?.image === w.image && !drop.has(w.index)) {
        drop.add(w.index);
        continue;
      }
      let best = -1;
      for (let j = w.index === 0 ? 0 : 1; j < items.length; j += 1) {
        if (items[j].image !== w.image || drop.has(j)) continue;
        if (best === -1 || Math.abs(j - w.index) < Math.abs(best - w.index) || (Math.abs(j - w.index) === Math.abs(best - w.index) && j > best)) best = j;
      }
      if (best !== -1) drop.add(best);
    }
    const kept = items.filter((_, i) => !drop.has(i));
    removed += drop.size;
    const emptiedHere = drop.size > 0 && kept.length === 0;
    if (kept.length === 0 && (removedTagNames.has(t.tag) || emptiedHere)) {
      removedTags += 1;
      continue;
    }
    tags.push(drop.size > 0 ? { ...t, items: kept } : t);
  }
  return { tags, removed, removedTags };
}

/** Runs one request with retries; a final failure becomes `undefined` for the statuses in `accept`, else a ClusterRequestError. */
async function request<T>(what: string, fn: () => Promise<T>, retry: RetryPolicy, accept: readonly number[] = []): Promise<{ value?: T; status?: number }> {
  try {
    return { value: await withRetry(fn, retry, { judgeError: describeFailure }) };
  } catch (err) {
    if (!(err instanceof AttemptsExhaustedError)) throw err;
    const f = err.verdict as Failure;
    if (accept.includes(f.status)) return { status: f.status };
    throw new ClusterRequestError(`${what} failed: ${failureText(f)}${attemptsText(err.attempts)}`, f.status, { cause: err });
  }
}

/** What a create ended in. */
export type CreateResult = 'created' | 'exists';

/** Creates what fsck recovery needs in the cluster. */
export interface ClusterCreator {
  createImage(image: Image): Promise<CreateResult>;
  createImageStream(namespace: string, name: string): Promise<CreateResult>;
  /** Tags `image` in stream `namespace/stream` as `tag` (creating the Image when missing), as `oc tag`/a push does. */
  createImageStreamMapping(namespace: string, stream: string, tag: string, image: Image): Promise<void>;
}

/**
 * The cluster writes of a prune and of fsck recovery. Failures throw
 * {@link ClusterRequestError} or {@link ImageStreamConflictError} naming the
 * object; a 404 is `gone` (already done).
 */
export class KubernetesClusterWriter implements ImageStreamUpdater, ImageDeleter, ClusterCreator {
  private readonly retry: RetryPolicy;
  private readonly maxConflictRetries: number;

  constructor(
    private readonly client: ClusterClient,
    options: WriterOptions = {},
  ) {
    this.retry = options.retry ?? CLUSTER_RETRY_POLICY;
    this.maxConflictRetries = options.maxConflictRetries ?? 5;
  }

  /**
   * Removes the update's revisions and tags through the status subresource.
   * `gone` when the stream no longer exists or nothing of the update is left to do.
   */
  async updateImageStream(update: StreamUpdate): Promise<ItemStatus> {
    const { namespace, name } = update;
    const what = `ImageStream ${namespace}/${name}`;
    const api = this.client.customObjects;
    for (let conflicts = 0; ; conflicts += 1) {
      const read = await request(`read ${what}`, () => api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'imagestreams', name }), this.retry, [404]);
      if (read.status === 404) return 'gone';
      const stream = read.value as ImageStream;
      const applied = applyStreamUpdate(stream.status?.tags ?? [], update);
      if (applied.removed === 0 && applied.removedTags === 0) return 'gone';
      const body: ImageStream = { ...stream, status: { ...stream.status, tags: applied.tags } };
      const write = await request(
        `update status of ${what}`,
        () => api.replaceNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace, plural: 'imagestreams', name, body }),
        this.retry,
        [404, 409],
      );
      if (write.status === undefined) return 'done';
      if (write.status === 404) return 'gone';
      if (conflicts + 1 >= this.maxConflictRetries) {
        throw new ImageStreamConflictError(`update status of ${what}: still conflicting (409) after ${conflicts + 1} re-reads; the stream keeps changing`);
      }
    }
  }

  /** Deletes one Image; `gone` when it was already deleted. */
  async deleteImage(name: string): Promise<ItemStatus> {
    const r = await request(`delete Image ${name}`, () => this.client.customObjects.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'images', name }), this.retry, [404]);
    return r.status === 404 ? 'gone' : 'done';
  }

  async createImage(image: Image): Promise<CreateResult> {
    const body = { ...image, apiVersion: `${GROUP}/${VERSION}`, kind: 'Image' };
    const r = await request(`create Image ${image.metadata.name}`, () => this.client.customObjects.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'images', body }), this.retry, [409]);
    return r.status === 409 ? 'exists' : 'created';
  }

  async createImageStream(namespace: string, name: string): Promise<CreateResult> {
    const body = { apiVersion: `${GROUP}/${VERSION}`, kind: 'ImageStream', metadata: { namespace, name } };
    const r = await request(
      `create ImageStream ${namespace}/${name}`,
      () => this.client.customObjects.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'imagestreams', body }),
      this.retry,
      [409],
    );
    return r.status === 409 ? 'exists' : 'created';
  }

  async createImageStreamMapping(namespace: string, stream: string, tag: string, image: Image): Promise<void> {
    const body = { apiVersion: `${GROUP}/${VERSION}`, kind: 'ImageStreamMapping', metadata: { namespace, name: stream }, tag, image: { ...image, apiVersion: `${GROUP}/${VERSION}`, kind: 'Image' } };
    await request(
      `tag Image ${image.metadata.name} as ${namespace}/${stream}:${tag} (ImageStreamMapping)`,
      () => this.client.customObjects.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'imagestreammappings', body }),
      this.retry,
    );
  }
}
