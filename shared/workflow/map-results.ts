// The result files of a Distributed Map: where its ResultWriter puts them, in
// the layout and format Step Functions writes, and how they are read back. On
// AWS Step Functions writes them (infra/result-writer.ts); locally the engine
// writes the same files (cli/local-run/map-results.ts), so "Report" reads the
// same thing in both places.
//
// <prefix>/<map run id>/manifest.json
//   {"DestinationBucket", "MapRunArn", "ResultFiles": {"FAILED": [{"Key","Size"}],
//    "PENDING": [...], "SUCCEEDED": [...]}}
// <prefix>/<map run id>/SUCCEEDED_<n>.json  JSON array of the child outputs (COMPACT)
// <prefix>/<map run id>/FAILED_<n>.json     JSON array of whole child records:
//                                           {Input (a JSON string), Status, Error, Cause, ...}
// <prefix>/<map run id>/PENDING_<n>.json    likewise, for children never started
import { z } from 'zod';
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import { ArtifactsError } from './errors.js';

/**
 * The ResultWriter prefix of Map `mapName` in run `runId`: fixed per run and
 * Map, so the results are found by listing it even after the Map failed.
 */
export function mapResultsPrefix(runId: string, mapName: string): string {
  const slug = mapName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `runs/${runId}/map-results/${slug}`;
}

/**
 * The most bytes of items a prune Map puts in one batch (ItemBatcher
 * MaxInputBytesPerBatch), under the 256 KiB a child execution's input may
 * take, with room for BatchInput: a batch of long items is cut short rather
 * than failing the run with States.DataLimitExceeded.
 */
export const MAX_BATCH_INPUT_BYTES = 192 * 1024;

const resultFileSchema = z.object({ Key: z.string().min(1), Size: z.number().optional() });
const resultFilesSchema = z.array(resultFileSchema).optional().default([]);

/** manifest.json of one Map Run. */
export const mapRunManifestSchema = z.object({
  DestinationBucket: z.string().optional(),
  MapRunArn: z.string().optional(),
  ResultFiles: z.object({ FAILED: resultFilesSchema, PENDING: resultFilesSchema, SUCCEEDED: resultFilesSchema }),
});
export type MapRunManifest = z.input<typeof mapRunManifestSchema>;

/** One child execution that failed, timed out or was aborted (or, in PENDING, never ran), as written whole. */
export interface ChildRecord {
  /** The child's input (the batch) as a JSON string, as Step Functions writes it. */
  Input?: string;
  Status?: string;
  Error?: string;
  Cause?: string;
  [k: string]: unknown;
}

/** What a Map's result files hold, handed to the reader one entry at a time. */
export interface MapResultVisitor {
  /** Absent: the SUCCEEDED files are not read. */
  succeeded?(output: unknown): void;
  failed(record: ChildRecord): void;
  pending?(record: ChildRecord): void;
}

/** The entries of one result file: a JSON array, or JSON Lines. */
function entriesOf(key: string, body: Buffer): unknown[] {
  const text = body.toString('utf8').trim();
  if (text === '') return [];
  try {
    if (text.startsWith('[')) return JSON.parse(text) as unknown[];
    return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
  } catch (err) {
    throw new ArtifactsError(key, 'is not a JSON array or JSON Lines', { cause: err });
  }
}

/**
 * Reads every Map Run's results under `prefix` (normally one; a retried Map
 * leaves one per attempt, and all are read), one result file at a time, and
 * hands each entry to `visit`. Returns the number of Map Runs found: 0 when
 * the Map never ran.
 */
export async function readMapResults(store: ArtifactStore, prefix: string, visit: MapResultVisitor): Promise<number> {
  const manifests = (await store.list(`${prefix}/`)).filter((k) => k.endsWith('/manifest.json'));
  for (const key of manifests) {
    const body = await store.get(key);
    let manifest: z.output<typeof mapRunManifestSchema>;
    try {
      manifest = mapRunManifestSchema.parse(JSON.parse(body.toString('utf8')));
    } catch (err) {
      throw new ArtifactsError(key, 'is not a Map Run manifest (ResultFiles with FAILED, PENDING, SUCCEEDED)', { cause: err });
    }
    // The keys are the bucket's own; in the artifacts store they are the same
    // (the store has no prefix of its own on AWS, and locally it is the folder).
    if (visit.succeeded) for (const f of manifest.ResultFiles.SUCCEEDED) for (const e of entriesOf(f.Key, await store.get(f.Key))) visit.succeeded(e);
    for (const f of manifest.ResultFiles.FAILED) for (const e of entriesOf(f.Key, await store.get(f.Key))) visit.failed(e as ChildRecord);
    if (visit.pending) for (const f of manifest.ResultFiles.PENDING) for (const e of entriesOf(f.Key, await store.get(f.Key))) visit.pending(e as ChildRecord);
  }
  return manifests.length;
}

/** What a Distributed Map with a ResultWriter outputs. */
export interface MapRunOutput {
  MapRunArn: string;
  ResultWriterDetails: { Bucket: string; Key: string };
}

/**
 * Writes one Map Run's result files and manifest.json as Step Functions does
 * (for the local engine, which has no ResultWriter); returns the Map's output.
 */
export async function writeMapResults(
  store: ArtifactStore,
  o: { bucket: string; prefix: string; mapRunArn: string; mapRunId: string; succeeded: unknown[]; failed: ChildRecord[]; pending: ChildRecord[] },
): Promise<MapRunOutput> {
  const dir = `${o.prefix}/${o.mapRunId}`;
  const files: Record<'FAILED' | 'PENDING' | 'SUCCEEDED', { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  const put = async (status: keyof typeof files, entries: unknown[]) => {
    if (entries.length === 0) return;
    const Key = `${dir}/${status}_0.json`;
    const body = JSON.stringify(entries);
    await store.put(Key, body, 'application/json');
    files[status].push({ Key, Size: Buffer.byteLength(body) });
  };
  await put('SUCCEEDED', o.succeeded);
  await put('FAILED', o.failed);
  await put('PENDING', o.pending);
  const manifestKey = `${dir}/manifest.json`;
  const manifest: MapRunManifest = { DestinationBucket: o.bucket, MapRunArn: o.mapRunArn, ResultFiles: files };
  await store.put(manifestKey, JSON.stringify(manifest), 'application/json');
  return { MapRunArn: o.mapRunArn, ResultWriterDetails: { Bucket: o.bucket, Key: manifestKey } };
}
