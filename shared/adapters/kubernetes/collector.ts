// Collection of every kind the rules read, one resource group at a time, with
// paged lists. A list is complete or it is an error: an expired continue token
// (410) restarts it from scratch, 429 / 5xx / connection errors are retried
// with backoff, and what still fails throws ListIncompleteError. A kind the
// server does not serve (404 on the first page) is reported and skipped.
import type { KubeObject } from '../../core/kube-types.js';
import type { ResourceGroup, ResourceKind } from '../../core/kinds.js';
import { RESOURCE_GROUPS, RESOURCE_KINDS } from '../../core/kinds.js';
import type { Snapshot } from '../../core/snapshot.js';
import { SnapshotBuilder } from '../../core/snapshot.js';
import type { ClusterClient } from './connection.js';
import { ClusterAuthError, ListIncompleteError } from '../errors.js';
import { AttemptsExhaustedError, withRetry, type RetryPolicy } from '../retry.js';
import { attemptsText, CLUSTER_RETRY_POLICY, describeFailure, failureText, tokenRejectedText, type Failure } from './failure.js';
import { StringPool, stripObject } from './strip.js';

/** How lists are paged and retried. */
export interface CollectOptions {
  /** Items per page asked for (`limit`), default 500. */
  pageSize?: number;
  retry?: RetryPolicy;
  /** Restarts from scratch after expired continue tokens before giving up, default 5. */
  maxRestarts?: number;
  /** Told about pages, retries, restarts, skipped and finished kinds. */
  onProgress?: (event: CollectEvent) => void;
}

/** Progress of one kind's list. */
export type CollectEvent =
  | { type: 'page'; kind: string; page: number; items: number }
  | { type: 'retry'; kind: string; page: number; reason: string; delayMs: number }
  | { type: 'restart'; kind: string; restarts: number }
  | { type: 'skipped'; kind: string; reason: string }
  | { type: 'done'; kind: string; items: number; pages: number };

/** A kind that was not collected, and why (e.g. not served by a plain Kubernetes cluster). */
export interface SkippedKind {
  kind: string;
  reason: string;
}

/** The objects of one resource group, stripped to what the rules read. */
export interface GroupCollection {
  group: ResourceGroup;
  items: KubeObject[];
  /** Items collected per kind. */
  counts: Record<string, number>;
  skipped: SkippedKind[];
}

/** The whole cluster, as the rules read it. */
export interface ClusterCollection {
  snapshot: Snapshot;
  counts: Record<string, number>;
  skipped: SkippedKind[];
}

/**
 * One step of a group's list, page by page: a page of stripped objects of
 * `kind`; `restart`: every object of `kind` yielded so far is void (its
 * continue token expired and its list starts again); `skipped`: the server
 * does not serve `kind`.
 */
export type GroupPage =
  /** `continue`: where the kind's list goes on after this page; absent on its last page. */
  | { type: 'page'; kind: string; items: KubeObject[]; continue?: string }
  | { type: 'restart'; kind: string }
  | { type: 'skipped'; kind: string; skipped: SkippedKind };

/** Where a group's read goes on: the kind, and its list's continue token. */
export interface GroupResume {
  kind: string;
  continue: string;
}

/** Reads the cluster's objects, one resource group at a time. */
export interface ClusterReader {
  collectGroup(group: ResourceGroup): Promise<GroupCollection>;
  /**
   * The same group a page at a time, so a caller can store it as it comes and
   * hold one page, not the group; `from` goes on where an earlier read
   * stopped (a page's `continue` of that kind). Readers without it are read whole.
   */
  pagesOfGroup?(group: ResourceGroup, from?: GroupResume): AsyncIterable<GroupPage>;
}

interface Page {
  items: unknown[];
  continueToken?: string;
}

/** The kinds one `ResourceGroup` holds, in RESOURCE_KINDS order. */
export function kindsOfGroup(group: ResourceGroup): ResourceKind[] {
  return RESOURCE_KINDS.filter((k) => k.collectGroup === group);
}

/** Collects cluster objects through client-node. */
export class KubernetesCollector implements ClusterReader {
  private readonly pageSize: number;
  private readonly retry: RetryPolicy;
  private readonly maxRestarts: number;
  /** Shared by every list of this collector: the same layer or image string is kept once. */
  private readonly strings = new StringPool();
  /** Set when one list of collectAll failed: the others stop at once, a backoff in progress included. */
  private abandoned: AbortController | undefined;

  constructor(
    private readonly client: ClusterClient,
    private readonly options: CollectOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 500;
    this.retry = options.retry ?? CLUSTER_RETRY_POLICY;
    this.maxRestarts = options.maxRestarts ?? 5;
  }

  private async fetchPage(k: ResourceKind, continueToken: string | undefined): Promise<Page> {
    const limit = this.pageSize;
    if (k.group === '') {
      // The core group has no /apis path; its typed API gives models (Dates for timestamps).
      const params = { limit, _continue: continueToken };
      const list =
        k.plural === 'pods'
          ? await this.client.core.listPodForAllNamespaces(params)
          : k.plural === 'replicationcontrollers'
            ? await this.client.core.listReplicationControllerForAllNamespaces(params)
            : k.plural === 'limitranges'
              ? await this.client.core.listLimitRangeForAllNamespaces(params)
              : undefined;
      if (!list) throw new Error(`no core API list for ${k.plural}`);
      return { items: list.items ?? [], continueToken: list.metadata?._continue || undefined };
    }
    const raw = (await this.client.customObjects.listClusterCustomObject({ group: k.group, version: k.version, plural: k.plural, limit, _continue: continueToken })) as {
      items?: unknown[];
      metadata?: { continue?: string };
    };
    return { items: Array.isArray(raw?.items) ? raw.items : [], continueToken: raw?.metadata?.continue || undefined };
  }

  /**
   * Lists one kind cluster-wide, a page at a time, stripped (with `pool`, its
   * strings shared across pages: only worth it when the pages are all kept).
   * Yields `restart` when the continue token expired and the list starts
   * again; `skipped` when the server does not serve the kind. Throws
   * {@link ListIncompleteError} when the list cannot be completed.
   */
  private async *pagesOfKind(k: ResourceKind, pool?: StringPool, from?: string): AsyncGenerator<GroupPage> {
    const emit = this.options.onProgress ?? (() => {});
    let restarts = 0;
    // A token from an earlier read that has expired since starts the list again, like any other.
    let start = from;
    for (;;) {
      let token: string | undefined = start;
      start = undefined;
      let page = 0;
      let items = 0;
      let expired = false;
      do {
        const signal = this.abandoned?.signal;
        signal?.throwIfAborted();
        page += 1;
        const pageNo = page;
        let result: Page;
        const started = Date.now();
        try {
          result = await withRetry(() => this.fetchPage(k, token), this.retry, {
            judgeError: describeFailure,
            signal,
            onRetry: (f: Failure, _n, delayMs) => emit({ type: 'retry', kind: k.kind, page: pageNo, reason: failureText(f), delayMs }),
          });
        } catch (err) {
          if (!(err instanceof AttemptsExhaustedError)) throw err;
          const f = err.verdict as Failure;
          if (f.status === 401) throw new ClusterAuthError(tokenRejectedText(this.client.server, this.client.credentialSource, f), { cause: err });
          if (f.status === 410 && token !== undefined) {
            expired = true;
            break;
          }
          if (f.status === 404 && token === undefined) {
            const skipped = { kind: k.kind, reason: `not served by this cluster (404 on ${pathOf(k)})` };
            emit({ type: 'skipped', ...skipped });
            yield { type: 'skipped', kind: k.kind, skipped };
            return;
          }
          throw new ListIncompleteError(k.kind, `list of ${k.kind} (${pathOf(k)}) failed on page ${pageNo}: ${failureText(f)}${attemptsText(err.attempts, Date.now() - started)}; nothing is planned from a partial list`);
        }
        const stripped = result.items.map((it) => stripObject(k, it, pool));
        items += stripped.length;
        token = result.continueToken;
        emit({ type: 'page', kind: k.kind, page, items });
        yield { type: 'page', kind: k.kind, items: stripped, ...(token === undefined ? {} : { continue: token }) };
      } while (token !== undefined);
      if (!expired) {
        emit({ type: 'done', kind: k.kind, items, pages: page });
        return;
      }
      restarts += 1;
      if (restarts > this.maxRestarts) {
        throw new ListIncompleteError(k.kind, `list of ${k.kind} (${pathOf(k)}): the continue token expired ${restarts} times; the list could not be completed`);
      }
      emit({ type: 'restart', kind: k.kind, restarts });
      yield { type: 'restart', kind: k.kind };
    }
  }

  /**
   * Lists one kind cluster-wide, every page, stripped. Returns `skipped` when
   * the server does not serve the kind; throws {@link ListIncompleteError}
   * when the list cannot be completed.
   */
  async listKind(k: ResourceKind): Promise<{ items: KubeObject[]; skipped?: SkippedKind; pages: number }> {
    let items: KubeObject[] = [];
    let pages = 0;
    for await (const p of this.pagesOfKind(k, this.strings)) {
      if (p.type === 'skipped') return { items: [], skipped: p.skipped, pages: 0 };
      if (p.type === 'restart') {
        items = [];
        pages = 0;
        continue;
      }
      pages += 1;
      for (const it of p.items) items.push(it);
    }
    return { items, pages };
  }

  /**
   * Every kind of one group, one after the other, a page at a time (no
   * strings shared: the pages are not kept here); with `from`, from that
   * kind's continue token on.
   */
  async *pagesOfGroup(group: ResourceGroup, from?: GroupResume): AsyncGenerator<GroupPage> {
    const kinds = kindsOfGroup(group);
    const first = from ? kinds.findIndex((k) => k.kind === from.kind) : 0;
    if (first < 0) throw new ListIncompleteError(from!.kind, `cannot go on with ${from!.kind}: it is not a kind of the ${group} group`);
    for (let i = first; i < kinds.length; i += 1) yield* this.pagesOfKind(kinds[i], undefined, i === first ? from?.continue : undefined);
  }

  /** Lists every kind of one group, one after the other. */
  async collectGroup(group: ResourceGroup): Promise<GroupCollection> {
    const out: GroupCollection = { group, items: [], counts: {}, skipped: [] };
    for (const k of kindsOfGroup(group)) {
      const r = await this.listKind(k);
      if (r.skipped) {
        out.skipped.push(r.skipped);
        continue;
      }
      out.counts[k.kind] = r.items.length;
      for (const it of r.items) out.items.push(it);
    }
    return out;
  }

  /** Collects every group (concurrently) into a checked {@link Snapshot}. */
  async collectAll(groups: readonly ResourceGroup[] = RESOURCE_GROUPS): Promise<ClusterCollection> {
    const abandon = new AbortController();
    this.abandoned = abandon;
    // The first failure fails the collection; the other lists stop at once
    // instead of paging or retrying on for nothing. The collection settles only
    // when every list has stopped, so no retry line follows the failure.
    let first: { error: unknown } | undefined;
    const settled = await Promise.allSettled(
      groups.map((g) =>
        this.collectGroup(g).catch((err: unknown) => {
          if (!first) {
            first = { error: err };
            abandon.abort(err);
          }
          throw err;
        }),
      ),
    );
    this.abandoned = undefined;
    if (first) throw first.error;
    const collected = settled.map((r) => (r as PromiseFulfilledResult<GroupCollection>).value);
    const builder = new SnapshotBuilder();
    const counts: Record<string, number> = {};
    const skipped: SkippedKind[] = [];
    let i = 0;
    for (const c of collected) {
      for (const it of c.items) builder.add(it, i++);
      Object.assign(counts, c.counts);
      skipped.push(...c.skipped);
    }
    return { snapshot: builder.build(), counts, skipped };
  }
}

function pathOf(k: ResourceKind): string {
  return k.group ? `/apis/${k.group}/${k.version}/${k.plural}` : `/api/${k.version}/${k.plural}`;
}
