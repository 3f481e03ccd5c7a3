// Lambda "Report" / "Report the failure": report.json, per-run metrics, the execution's output.
import type { Report } from '../../shared/workflow/contracts.js';
import { parseReportEvent } from '../../shared/workflow/events.js';
import { reportRun } from '../../shared/workflow/report.js';
import { dependencies } from '../common/dependencies.js';
import { logger, wrapHandler } from '../common/powertools.js';

/** The task, for tests: the whole state in, the report out. */
export async function run(event: unknown): Promise<Report> {
  const deps = dependencies();
  const report = await reportRun(parseReportEvent(event), deps.artifacts(), deps.metrics());
  logger.info('report', { status: report.status, mode: report.mode, plan: report.plan, carriedOut: report.carriedOut, error: report.error?.name });
  return report;
}

export const handler = wrapHandler(run);
