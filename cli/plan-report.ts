// `plan --output html`: the plan and the snapshot's layer sizes as the HTML
// report that the workflow's runs write too (shared/report/).
import type { Plan } from '../shared/core/plan-types.js';
import type { Snapshot } from '../shared/core/snapshot.js';
import { renderHtmlReport } from '../shared/report/html-report.js';
import { reportDataOf, reportOptionsOf } from '../shared/report/report-data.js';
import type { PlanFlags } from './commands/plan.js';

/** The HTML report of a plan computed by `plan` from `source`, with the flags it was computed with. */
export function planReportHtml(plan: Plan, snapshot: Snapshot, flags: Pick<PlanFlags, 'options' | 'keepYoungerThan'>, source: string): string {
  // The options as the execution input names them, the duration as written (`60m`, not milliseconds).
  const { now, keepYoungerThanMs: _ms, keepTagRevisions, ...rest } = flags.options;
  const data = reportDataOf(plan, {
    images: snapshot.images,
    source,
    now,
    options: reportOptionsOf({ keepTagRevisions, keepYoungerThan: flags.keepYoungerThan, ...rest }),
    fullPlan: 'the plan as JSON (image-pruner plan --output json with the same flags)',
  });
  return renderHtmlReport({ data });
}
