// The race guard's section of report.json: what the re-check spared, counted in
// full and listed up to a cap per kind (spared.json, next to the report, lists
// every item), and what only the re-check planned (left for the next run).
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { getJson } from '../adapters/artifacts/artifact-store.js';
import type { DeletionKind, RecheckReport, RecheckSummary, SparedItem } from './contracts.js';
import { DELETION_KINDS } from './contracts.js';
import type { SparedFile } from './recheck-plan.js';

/** Spared items listed per kind in report.json; report.json stays small whatever raced. */
export const SPARED_ITEMS_CAP = 50;

/** The report's `recheck` section, from the re-check's summary at `$.plan.recheck` and its spared.json. */
export async function recheckReport(summary: RecheckSummary, artifacts: ArtifactStore, cap = SPARED_ITEMS_CAP): Promise<RecheckReport> {
  const items = Object.fromEntries(DELETION_KINDS.map((k) => [k, [] as SparedItem[]])) as Record<DeletionKind, SparedItem[]>;
  const sparedTotal = DELETION_KINDS.reduce((n, k) => n + summary.spared[k], 0);
  const section: RecheckReport = { firstPlan: summary.firstPlan, spared: summary.spared, sparedTotal, recheckOnly: summary.recheckOnly, items, itemsCap: cap, sparedKey: summary.sparedKey };
  if (sparedTotal === 0) return section;
  try {
    const file = await getJson<SparedFile>(artifacts, summary.sparedKey);
    for (const k of DELETION_KINDS) items[k] = (file.items[k] ?? []).slice(0, cap) as unknown as SparedItem[];
  } catch (err) {
    // The counts still tell the story; the report must not fail for the list.
    section.itemsUnreadable = err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
  return section;
}
