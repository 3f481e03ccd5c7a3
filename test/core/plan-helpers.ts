// Shorthands shared by the plan tests: compute a plan of builder items at NOW,
// and name expected digests by their seeds.
import { computePlan } from '../../shared/core/plan.js';
import type { Plan, PlanOptions } from '../../shared/core/plan-types.js';
import { digest, options, snapshot, type Item } from '../builders.js';

/** The plan of `items` with `now` = NOW and the other options as given (else the defaults). */
export function planOf(items: Item[], o: Partial<PlanOptions> = {}): Plan {
  return computePlan(snapshot(...items), options(o));
}

/** The digests of `seeds`, sorted the way the plan sorts them (plain string order). */
export function digests(...seeds: string[]): string[] {
  return [...new Set(seeds.map(digest))].sort();
}

/** A repository link as the plan lists it. */
export function link(repository: string, seed: string): { repository: string; digest: string } {
  return { repository, digest: digest(seed) };
}

/** Links sorted by repository, then digest, as the plan lists them. */
export function links(...ls: Array<{ repository: string; digest: string }>): Array<{ repository: string; digest: string }> {
  return [...ls].sort((a, b) => (a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
}
