// "Report" on AWS: the Maps' result files as Step Functions writes them to S3
// (a real S3 server on loopback), a failed batch's Cause being the Lambda's
// error JSON and the Map's own error States.ExceedToleratedFailureThreshold.
// The report counts every kind from those files and names the failed items.
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, putJson } from '../../shared/adapters/artifacts/artifact-store.js';
import { S3Artifacts } from '../../shared/adapters/artifacts/s3.js';
import type { Report, ReportEvent } from '../../shared/workflow/contracts.js';
import { BatchItemsFailedError, DELETION_STEPS } from '../../shared/workflow/contracts.js';
import { mapResultsPrefix } from '../../shared/workflow/map-results.js';
import { FAILED_ITEMS_IN_REPORT, reportRun } from '../../shared/workflow/report.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

let s3: S3Server;
let artifacts: S3Artifacts;
beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['artifacts'] });
  const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  artifacts = new S3Artifacts(client, 'artifacts');
});
afterAll(async () => {
  await s3?.stop();
});

const RUN_ID = '20261101T000000Z-aws';
const run: ReportEvent['run'] = {
  runId: RUN_ID,
  executionId: 'arn:aws:states:eu-west-1:1:execution:ImagePruner:aws',
  options: { confirm: true, keepTagRevisions: 3, keepYoungerThan: '60m', all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: false, pruneRegistry: true, numWorkers: 10, now: '2026-11-01T00:00:00.000Z' },
};

/** One Map Run's files, as Step Functions writes them for a ResultWriter (COMPACT, JSON). */
async function mapRun(map: string, runUuid: string, files: { SUCCEEDED?: unknown[]; FAILED?: unknown[]; PENDING?: unknown[] }) {
  const dir = `${mapResultsPrefix(RUN_ID, map)}/${runUuid}`;
  const resultFiles: Record<string, { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  for (const [status, entries] of Object.entries(files)) {
    const Key = `${dir}/${status}_0.json`;
    await putJson(artifacts, Key, entries);
    resultFiles[status].push({ Key, Size: JSON.stringify(entries).length });
  }
  await putJson(artifacts, `${dir}/manifest.json`, { DestinationBucket: 'artifacts', MapRunArn: `arn:aws:states:eu-west-1:1:mapRun:ImagePruner/${map}:${runUuid}`, ResultFiles: resultFiles });
}

/** A failed child record as Step Functions writes it: the Lambda's error as JSON in Cause, the input as a string. */
function failedChild(items: unknown[], error: Error) {
  return {
    ExecutionArn: 'arn:aws:states:eu-west-1:1:execution:ImagePruner/Delete manifests:x',
    Input: JSON.stringify({ Items: items, BatchInput: { runId: RUN_ID, kind: 'manifests' } }),
    InputDetails: { Included: true },
    Name: 'x',
    Status: 'FAILED',
    Error: error.name,
    Cause: JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [`${error.name}: ${error.message}`, '    at settle (/var/task/index.mjs:1:1)'] }),
  };
}

describe('Report on AWS, from the Maps result files in S3', () => {
  it('counts every kind, names the failed items, and reports the batch error instead of the Map threshold error', async () => {
    const links = Array.from({ length: 3 }, (_, i) => ({ repository: 'ns/app', digest: `sha256:${String(i).repeat(64).slice(0, 64)}` }));
    const failed = new BatchItemsFailedError('manifests', [{ item: `ns/app@${links[1].digest}`, reason: 'RegistryRequestError: HTTP 500' }], 3, { done: 1, gone: 1 });
    await mapRun(DELETION_STEPS.layerLinks.map, 'a', { SUCCEEDED: [{ kind: 'layerLinks', done: 100, gone: 0 }, { kind: 'layerLinks', done: 40, gone: 2 }] });
    // Two Map Runs of one Map (a retried Map): both are read.
    await mapRun(DELETION_STEPS.manifests.map, 'b', { SUCCEEDED: [{ kind: 'manifests', done: 10, gone: 0 }] });
    await mapRun(DELETION_STEPS.manifests.map, 'c', {
      FAILED: [failedChild(links, failed), { ...failedChild([{ repository: 'ns/app', digest: 'sha256:late' }], new Error('x')), Error: 'States.Timeout', Cause: 'Task timed out' }],
      PENDING: [{ Input: JSON.stringify({ Items: links, BatchInput: {} }), Status: 'PENDING' }],
    });

    const report = await reportRun({ run, error: { Error: 'States.ExceedToleratedFailureThreshold', Cause: 'The specified tolerated failure threshold was exceeded' } }, artifacts);

    expect(report.carriedOut).toEqual({
      layerLinks: { done: 140, gone: 2 },
      manifests: { done: 11, gone: 1, failed: 2, notAttempted: 3 },
    });
    expect(report.failures).toEqual({
      total: 2,
      items: [
        { kind: 'manifests', item: `ns/app@${links[1].digest}`, reason: 'RegistryRequestError: HTTP 500' },
        { kind: 'manifests', item: 'ns/app@sha256:late', reason: 'States.Timeout: Task timed out' },
      ],
    });
    // The Lambda's message, not its stack trace, and under the batch's error name.
    expect(report.error).toEqual({ name: 'BatchItemsFailedError', message: failed.message });
    expect(report.error?.message).not.toContain('/var/task');
    expect(await getJson<Report>(artifacts, report.reportKey)).toEqual(report);
  });

  it('keeps at most 100 failed items and counts the rest', async () => {
    const runId = `${RUN_ID}-many`;
    const many = Array.from({ length: 30 }, (_, b) => {
      const items = Array.from({ length: 10 }, (_, i) => ({ item: `img-${b}-${i}`, reason: 'ClusterRequestError: HTTP 500' }));
      return failedChild([], new BatchItemsFailedError('images', items, 10));
    });
    const dir = `${mapResultsPrefix(runId, DELETION_STEPS.images.map)}/d`;
    await putJson(artifacts, `${dir}/FAILED_0.json`, many);
    await putJson(artifacts, `${dir}/manifest.json`, { ResultFiles: { FAILED: [{ Key: `${dir}/FAILED_0.json`, Size: 1 }], PENDING: [], SUCCEEDED: [] } });

    const report = await reportRun({ run: { ...run, runId }, error: { Error: 'States.ExceedToleratedFailureThreshold', Cause: undefined } }, artifacts);

    expect(report.carriedOut?.images).toEqual({ done: 0, gone: 0, failed: 300 });
    expect(report.failures?.total).toBe(300);
    expect(report.failures?.items).toHaveLength(FAILED_ITEMS_IN_REPORT);
  });

  it('has no carriedOut for a dry run: no Map ran, no result files', async () => {
    const report = await reportRun({ run: { ...run, runId: `${RUN_ID}-dry`, options: { ...run.options, confirm: false } }, error: undefined }, artifacts);
    expect(report.carriedOut).toBeUndefined();
    expect(report.failures).toBeUndefined();
    expect(report.status).toBe('succeeded');
  });
});
