// The fake API server's object store: every object of every served kind, keyed
// the way etcd keys them (namespace/name), with one resourceVersion counter for
// the whole cluster as the real API server has.
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../../shared/core/kube-types.js';
import type { ResourceKind } from '../../../shared/core/kinds.js';
import { RESOURCE_KINDS, apiVersionOf, kindByName } from '../../../shared/core/kinds.js';

/** An object as stored, plus its list-item JSON, cached because big lists are served many times. */
interface Entry {
  obj: KubeObject;
  itemJson?: string;
}

/** RFC 3339 with seconds, as the API server prints timestamps. */
export function apiTimestamp(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** One kind's objects; keys are kept sorted lazily so paging is a binary search. */
class KindTable {
  readonly entries = new Map<string, Entry>();
  private sorted: string[] | undefined;

  keys(): string[] {
    if (!this.sorted) this.sorted = [...this.entries.keys()].sort();
    return this.sorted;
  }
  set(key: string, obj: KubeObject): void {
    if (!this.entries.has(key)) this.sorted = undefined;
    this.entries.set(key, { obj });
  }
  delete(key: string): boolean {
    const had = this.entries.delete(key);
    if (had) this.sorted = undefined;
    return had;
  }
}

/** Objects by kind. Objects put in get uid, resourceVersion and creationTimestamp when missing. */
export class ObjectStore {
  private rv = 1000;
  private readonly tables = new Map<string, KindTable>();

  constructor() {
    for (const k of RESOURCE_KINDS) this.tables.set(k.kind, new KindTable());
  }

  /** The cluster-wide resourceVersion (what a list returns). */
  get resourceVersion(): string {
    return String(this.rv);
  }

  nextResourceVersion(): string {
    this.rv += 1;
    return String(this.rv);
  }

  table(kind: string): KindTable {
    const t = this.tables.get(kind);
    if (!t) throw new Error(`fake OpenShift: kind ${kind} is not one the fake serves`);
    return t;
  }

  /** Stores a copy of `obj` (create or replace), filling kind, apiVersion and metadata; returns the stored object. */
  put(obj: KubeObject, kindHint?: ResourceKind): KubeObject {
    const kind = kindHint ?? (typeof obj.kind === 'string' ? kindByName(obj.kind) : undefined);
    if (!kind) throw new Error(`fake OpenShift: cannot store an object of kind ${String(obj.kind)}`);
    const copy = structuredClone(obj) as KubeObject & { metadata: Record<string, unknown> };
    copy.kind = kind.kind;
    copy.apiVersion = apiVersionOf(kind);
    copy.metadata = { ...(copy.metadata ?? {}) };
    const md = copy.metadata;
    if (typeof md.name !== 'string' || !md.name) throw new Error(`fake OpenShift: ${kind.kind} without metadata.name`);
    if (kind.namespaced && (typeof md.namespace !== 'string' || !md.namespace)) throw new Error(`fake OpenShift: ${kind.kind} ${md.name} without metadata.namespace`);
    if (!kind.namespaced) delete md.namespace;
    md.uid ??= randomUUID();
    md.creationTimestamp ??= apiTimestamp();
    md.resourceVersion = this.nextResourceVersion();
    this.table(kind.kind).set(keyOf(md.namespace as string | undefined, md.name), copy);
    return copy;
  }

  get(kind: string, name: string, namespace?: string): KubeObject | undefined {
    return this.table(kind).entries.get(keyOf(namespace, name))?.obj;
  }

  remove(kind: string, name: string, namespace?: string): boolean {
    const removed = this.table(kind).delete(keyOf(namespace, name));
    if (removed) this.nextResourceVersion();
    return removed;
  }

  /** All objects of a kind, in key order, optionally of one namespace. */
  list(kind: string, namespace?: string): KubeObject[] {
    const t = this.table(kind);
    const keys = t.keys().filter((k) => namespace === undefined || k.startsWith(`${namespace}/`));
    return keys.map((k) => t.entries.get(k)!.obj);
  }

  /**
   * One page of a list: the items whose keys follow `after`, at most `limit` of
   * them, as JSON strings (list items carry no kind/apiVersion, as on the real
   * server). `next` is the last key served when more remain.
   */
  page(kind: string, namespace: string | undefined, after: string | undefined, limit: number): { items: string[]; next?: string } {
    const t = this.table(kind);
    const keys = t.keys();
    const prefix = namespace === undefined ? '' : `${namespace}/`;
    let i = after === undefined ? lowerBound(keys, prefix) : upperBound(keys, after);
    const items: string[] = [];
    let last: string | undefined;
    while (i < keys.length && items.length < limit) {
      const key = keys[i];
      if (!key.startsWith(prefix)) break;
      const e = t.entries.get(key)!;
      if (e.itemJson === undefined) {
        const { kind: _k, apiVersion: _a, ...rest } = e.obj;
        e.itemJson = JSON.stringify(rest);
      }
      items.push(e.itemJson);
      last = key;
      i += 1;
    }
    const more = i < keys.length && keys[i].startsWith(prefix);
    return more ? { items, next: last } : { items };
  }
}

function lowerBound(keys: string[], value: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(keys: string[], value: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
