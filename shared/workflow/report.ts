// "Report" and "Report the failure": counts, bytes and the failure, if any,
// into runs/<id>/report.json and metrics; the report is the execution's output.
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { putJson } from '../adapters/artifacts/artifact-store.js';
import type { BatchResult, CaughtError, DeletionKind, Report, ReportEvent } from './contracts.js';
import { runKeys } from './contracts.js';
import { recheckReport } from './recheck-report.js';

/** Records one number of a run (CloudWatch EMF on AWS, nothing locally). */
export interface MetricsSink {
  add(name: string, value: number, unit: 'Count' | 'Bytes'): void;
}

/** Drops every metric. */
export const NO_METRICS: MetricsSink = { add: () => undefined };

function sum(results: BatchResult[] | undefined): { done: number; gone: number } | undefined {
  if (!results) return undefined;
  return results.reduce((a, r) => ({ done: a.done + r.done, gone: a.gone + r.gone }), { done: 0, gone: 0 });
}

/**
 * The error as a name and a message. A Lambda failure's Cause is JSON with a
 * stack trace; only the message is kept (the trace tells a user nothing and
 * may name internal paths).
 */
export function describeCaught(error: CaughtError): { name: string; message: string } {
  let message = error.Cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not JSON: a local run or a Step Functions error (States.*); keep as is.
  }
  return { name: error.Error, message };
}

/** Builds and stores the report; records the per-run metrics. */
export async function reportRun(event: ReportEvent, artifacts: ArtifactStore, metrics: MetricsSink = NO_METRICS): Promise<Report> {
  const { run } = event;
  const collected: Record<string, number> = {};
  for (const c of event.collected ?? []) collected[c.group] = c.count;
  const carried: Partial<Record<DeletionKind, { done: number; gone: number }>> = {};
  const add = (kind: DeletionKind, r: BatchResult[] | undefined) => {
    const s = sum(r);
    if (s) carried[kind] = s;
  };
  add('layerLinks', event.deleted?.layerLinks);
  add('blobs', event.deleted?.blobs);
  add('manifests', event.deleted?.manifests);
  add('streamUpdates', event.updated);
  add('images', event.imagesDeleted);
  const report: Report = {
    runId: run.runId,
    executionId: run.executionId,
    status: event.error ? 'failed' : 'succeeded',
    mode: run.options.confirm ? 'confirmed' : 'dry-run',
    options: run.options,
    collected,
    plan: event.plan?.counts,
    carriedOut: Object.keys(carried).length > 0 ? carried : undefined,
    error: event.error ? describeCaught(event.error) : undefined,
    recheck: event.plan?.recheck ? await recheckReport(event.plan.recheck, artifacts) : undefined,
    reportKey: runKeys.report(run.runId),
  };
  await putJson(artifacts, report.reportKey, report);

  const p = report.plan;
  if (p) {
    metrics.add('ImagesPlanned', p.images, 'Count');
    metrics.add('RevisionsPlanned', p.removedRevisions, 'Count');
    metrics.add('LinksPlanned', p.layerLinks + p.manifestLinks, 'Count');
    metrics.add('BlobsPlanned', p.blobs, 'Count');
    metrics.add('BytesReclaimable', p.bytesReclaimed, 'Bytes');
  }
  const done = (k: DeletionKind) => (carried[k] ? carried[k].done + carried[k].gone : 0);
  metrics.add('ImagesDeleted', done('images'), 'Count');
  metrics.add('LinksDeleted', done('layerLinks') + done('manifests'), 'Count');
  metrics.add('BlobsDeleted', done('blobs'), 'Count');
  // Bytes count as reclaimed only when every blob of the plan was carried out.
  metrics.add('BytesReclaimed', p && carried.blobs && done('blobs') === p.blobs ? p.bytesReclaimed : 0, 'Bytes');
  metrics.add('Failures', event.error ? 1 : 0, 'Count');
  if (report.recheck) metrics.add('ItemsSpared', report.recheck.sparedTotal, 'Count');
  return report;
}
