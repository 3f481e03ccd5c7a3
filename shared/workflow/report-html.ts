// report.html of a run. "Compute prune plan" has the plan and the snapshot in
// memory but not the run's outcome; "Report" has the outcome but neither the
// plan nor the snapshot (they grow with the cluster and never travel through
// the state). So the first stores what the page shows of the plan, bounded
// (plan/report-data.json, under a megabyte at 100,000 images), and the second
// renders the page from it and the outcome.
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { getJson, putJson } from '../adapters/artifacts/artifact-store.js';
import type { Plan, PlanReasonsSource } from '../core/plan-types.js';
import { renderHtmlReport } from '../report/html-report.js';
import { reportDataOf, reportOptionsOf, type ReportContext, type ReportData } from '../report/report-data.js';
import type { Report, RunOptions } from './contracts.js';
import { runKeys } from './contracts.js';

/** Stores what report.html will show of the plan (called by "Compute prune plan"). */
export async function writeReportData(artifacts: ArtifactStore, runId: string, plan: Plan, images: ReportContext['images'], options: RunOptions, reasons?: PlanReasonsSource): Promise<void> {
  const { now, ...rest } = options;
  const data = reportDataOf(plan, {
    images,
    ...(reasons ? { reasons } : {}),
    source: `the cluster, as collected in ${artifacts.locate(`${runKeys.root(runId)}snapshot/`)}`,
    now: new Date(now),
    options: reportOptionsOf(rest),
    fullPlan: `the plan files in ${artifacts.locate(`${runKeys.root(runId)}plan/`)}`,
  });
  await putJson(artifacts, runKeys.reportData(runId), data);
}

/**
 * Renders and stores report.html from the report and the plan's report data;
 * returns its key. A run that stopped before its plan gets a page with its
 * outcome only; a plan without report data (a run planned by an older
 * version), the counts of report.json.
 */
export async function writeReportHtml(artifacts: ArtifactStore, report: Report): Promise<string> {
  let data: ReportData | undefined;
  let missing: string | undefined;
  if (report.plan) {
    const key = runKeys.reportData(report.runId);
    // Listed first, so that only a file that is not there is skipped; a read that fails is the task's error (and retried).
    if ((await artifacts.list(`${runKeys.root(report.runId)}plan/`)).includes(key)) data = await getJson<ReportData>(artifacts, key);
    else missing = `The plan's report data (${artifacts.locate(key)}) is missing: only its counts are shown.`;
  } else {
    missing = 'The run stopped before a plan was computed.';
  }
  const html = renderHtmlReport({ data, totals: report.plan, run: report, missing });
  const key = runKeys.reportHtml(report.runId);
  await artifacts.put(key, html, 'text/html; charset=utf-8');
  return key;
}
