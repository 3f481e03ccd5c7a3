// Kinds the fake API server serves from a generator instead of its object
// store: item i is made when a page asks for it, so a benchmark can serve a
// million Images (about 4 KB of JSON each) that would not fit in memory as
// objects. A generated kind is listed cluster-wide, paged with continue tokens
// (the next index), and its objects can be deleted (a deleted name is left out
// of later pages); reading or replacing one object is not offered.
import type { KubeObject } from '../../../shared/core/kube-types.js';

/** A kind made on demand: `count` objects, `item(i)` the same object for the same `i`. */
export interface GeneratedKind {
  count: number;
  item(i: number): KubeObject;
}

/** One page of a generated kind: list-item JSON texts and the index to continue from. */
export interface GeneratedPage {
  items: string[];
  next?: number;
}

/** The generated kinds of one server, with the names deleted from them. */
export class GeneratedKinds {
  private readonly deleted = new Map<string, Set<string>>();

  constructor(private readonly kinds: Readonly<Record<string, GeneratedKind>>) {}

  has(kind: string): boolean {
    return Object.hasOwn(this.kinds, kind);
  }

  /** Items from index `from`, at most `limit`; without kind and apiVersion, as the store serves list items. */
  page(kind: string, from: number, limit: number): GeneratedPage {
    const g = this.kinds[kind];
    const gone = this.deleted.get(kind);
    const items: string[] = [];
    let i = from;
    for (; i < g.count && items.length < limit; i += 1) {
      const o = g.item(i);
      if (gone?.has(String(o.metadata?.name))) continue;
      const { kind: _k, apiVersion: _a, ...rest } = o;
      items.push(JSON.stringify(rest));
    }
    return i < g.count ? { items, next: i } : { items };
  }

  /** Deletes `name`; false when it was deleted before (names are not checked against the generator). */
  remove(kind: string, name: string): boolean {
    let gone = this.deleted.get(kind);
    if (!gone) this.deleted.set(kind, (gone = new Set()));
    if (gone.has(name)) return false;
    gone.add(name);
    return true;
  }
}
