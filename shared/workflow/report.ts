// "Report" and "Report the failure": counts, bytes and the failure, if any,
// into runs/<id>/report.json (and report.html for people) and metrics; the
// report is the execution's output. What the Distributed Maps did is read from
// their result files in the artifacts store (./map-results.ts), on AWS and
// locally alike: the state carries none of it.
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { putJson } from '../adapters/artifacts/artifact-store.js';
import type { CarriedOut, CaughtError, DeletionKind, FailedItem, Report, ReportEvent } from './contracts.js';
import { DELETION_KINDS, DELETION_STEPS, parseFailedItems, runKeys } from './contracts.js';
import type { ChildRecord } from './map-results.js';
import { mapResultsPrefix, readMapResults } from './map-results.js';
import { recheckReport } from './recheck-report.js';
import { writeReportHtml } from './report-html.js';
import { batchResultSchema } from './schemas/prune.js';

/** Records one number of a run (CloudWatch EMF on AWS, nothing locally). */
export interface MetricsSink {
  add(name: string, value: number, unit: 'Count' | 'Bytes'): void;
}

/** Drops every metric. */
export const NO_METRICS: MetricsSink = { add: () => undefined };

/** How many failed items report.json names; the rest are counted. */
export const FAILED_ITEMS_IN_REPORT = 100;

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

/**
 * The error to report for `caught`: on AWS a failed Distributed Map's own
 * error is States.ExceedToleratedFailureThreshold, which names nothing, so the
 * first failed batch's error among Maps `mapNames` (from their FAILED result
 * files) stands for it; any other error is reported as caught.
 */
export async function resolveMapFailure(caught: CaughtError, artifacts: ArtifactStore, runId: string, mapNames: readonly string[]): Promise<CaughtError> {
  if (!caught.Error.startsWith('States.')) return caught;
  for (const map of mapNames) {
    let first: CaughtError | undefined;
    await readMapResults(artifacts, mapResultsPrefix(runId, map), { failed: (r) => void (first ??= { Error: r.Error ?? 'States.TaskFailed', Cause: r.Cause }) });
    if (first) return first;
  }
  return caught;
}

/** The items of a batch, from a child record's Input (a JSON string of `{Items, BatchInput}`). */
function itemsOf(r: ChildRecord): unknown[] {
  try {
    const input = JSON.parse(r.Input ?? '') as { Items?: unknown };
    return Array.isArray(input.Items) ? input.Items : [];
  } catch {
    return [];
  }
}

/** A batch item as its failure names it: `repository@digest`, a digest, an Image name, `namespace/name`. */
function nameOf(item: unknown): string {
  const o = (item ?? {}) as Record<string, unknown>;
  if (typeof o.repository === 'string' && typeof o.digest === 'string') return `${o.repository}@${o.digest}`;
  if (typeof o.namespace === 'string' && typeof o.name === 'string') return `${o.namespace}/${o.name}`;
  for (const k of ['digest', 'name']) if (typeof o[k] === 'string') return o[k];
  return JSON.stringify(item);
}

/** The failure of one run, gathered from the result files of every Map. */
interface Gathered {
  carried: Partial<Record<DeletionKind, CarriedOut>>;
  failures: FailedItem[];
  failedTotal: number;
  /** The first failed batch's error, as the Map's own error (States.ExceedToleratedFailureThreshold) names nothing. */
  firstError?: CaughtError;
}

/**
 * Reads each kind's Map results: counts from the succeeded batches' outputs,
 * and from each failed batch its error's message (the failed items, counted,
 * and how the batch's other items went) or, when the error names no item
 * (a timeout, a crash), the whole batch as failed. At most
 * {@link FAILED_ITEMS_IN_REPORT} items are kept; every one is counted.
 */
async function gather(runId: string, artifacts: ArtifactStore): Promise<Gathered> {
  const g: Gathered = { carried: {}, failures: [], failedTotal: 0 };
  const keep = (f: FailedItem) => {
    g.failedTotal++;
    if (g.failures.length < FAILED_ITEMS_IN_REPORT) g.failures.push(f);
  };
  for (const kind of DELETION_KINDS) {
    const c = { done: 0, gone: 0, failed: 0, notAttempted: 0 };
    const runs = await readMapResults(artifacts, mapResultsPrefix(runId, DELETION_STEPS[kind].map), {
      succeeded: (output) => {
        const r = batchResultSchema.safeParse(output);
        if (r.success) {
          c.done += r.data.done;
          c.gone += r.data.gone;
        }
      },
      failed: (record) => {
        const error: CaughtError = { Error: record.Error ?? 'States.TaskFailed', Cause: record.Cause };
        g.firstError ??= error;
        const { message } = describeCaught(error);
        const parsed = parseFailedItems(message);
        if (parsed) {
          c.failed += parsed.failed;
          c.done += parsed.others?.done ?? 0;
          c.gone += parsed.others?.gone ?? 0;
          for (const f of parsed.items) keep({ kind, ...f });
          // Items beyond those the message names are counted, not named.
          g.failedTotal += parsed.failed - parsed.items.length;
          return;
        }
        const items = itemsOf(record);
        c.failed += items.length;
        const reason = `${error.Error}${message ? `: ${message.split('\n')[0]}` : ''}`;
        for (const item of items) keep({ kind, item: nameOf(item), reason });
      },
      pending: (record) => {
        c.notAttempted += itemsOf(record).length;
      },
    });
    if (runs === 0) continue;
    g.carried[kind] = { done: c.done, gone: c.gone, ...(c.failed ? { failed: c.failed } : {}), ...(c.notAttempted ? { notAttempted: c.notAttempted } : {}) };
  }
  return g;
}

/** Builds and stores the report; records the per-run metrics. */
export async function reportRun(event: ReportEvent, artifacts: ArtifactStore, metrics: MetricsSink = NO_METRICS): Promise<Report> {
  const { run } = event;
  const collected: Record<string, number> = {};
  for (const c of event.collected ?? []) collected[c.group] = c.count;
  const { carried, failures, failedTotal, firstError } = await gather(run.runId, artifacts);
  // On AWS a failed Map's own error is States.ExceedToleratedFailureThreshold,
  // which names nothing: the failed batch's error says what failed.
  const error = event.error && firstError && event.error.Error.startsWith('States.') ? firstError : event.error;
  const report: Report = {
    runId: run.runId,
    executionId: run.executionId,
    status: event.error ? 'failed' : 'succeeded',
    mode: run.options.confirm ? 'confirmed' : 'dry-run',
    options: run.options,
    collected,
    plan: event.plan?.counts,
    carriedOut: Object.keys(carried).length > 0 ? carried : undefined,
    failures: failedTotal > 0 ? { total: failedTotal, items: failures } : undefined,
    error: error ? describeCaught(error) : undefined,
    recheck: event.plan?.recheck ? await recheckReport(event.plan.recheck, artifacts) : undefined,
    reportKey: runKeys.report(run.runId),
  };
  await putJson(artifacts, report.reportKey, report);
  await writeReportHtml(artifacts, report);

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
