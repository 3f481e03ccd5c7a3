// Benchmark of blob deletion on S3 through the storage adapter: N one-file
// blobs in the loopback S3 server, deleted with RegistryStorage.deleteBlobs.
// Target (issue 3): one DeleteObjects request per 1,000 keys, i.e. exactly
// ceil(N/1000). Also prints the list requests spent finding each blob's keys
// and the wall time. Blobs are seeded straight into the server's files (a PUT
// each would dominate the run); the deletion goes through HTTP like any other.
//
//   npm run bench -- s3-delete [--blobs 10000] [--order sorted|random]
import { createHash } from 'node:crypto';
import type { FlagSpecs } from '../cli/flags.js';
import { parseBenchFlags } from './bench-flags.js';
import { S3Client } from '@aws-sdk/client-s3';
import { openRegistryStorage } from '../shared/adapters/storage/index.js';
import { startS3Server } from '../test/support/s3-server.js';

const BUCKET = 'registry';
const ROOT = 'bench';

/** The flags of `npm run bench -- s3-delete`. */
export const S3_DELETE_BENCH_FLAGS = {
  blobs: { type: 'int', min: 1, default: 10_000, help: 'blobs to delete' },
  order: { type: 'enum', values: ['sorted', 'random'], default: 'sorted', help: 'the order they are deleted in (a plan lists them sorted)' },
} as const satisfies FlagSpecs;

/** Runs the benchmark; returns the exit status (1 when the DeleteObjects count is not ceil(N/1000) or a blob was not deleted). */
export async function runS3DeleteBench(argv: string[]): Promise<number> {
  const values = parseBenchFlags('s3-delete', argv, S3_DELETE_BENCH_FLAGS);
  if (!values) return 0;
  const total = values.blobs;

  const s3 = await startS3Server({ buckets: [BUCKET] });
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    const digests = Array.from({ length: total }, (_, i) => `sha256:${createHash('sha256').update(`bench-blob-${i}`).digest('hex')}`);
    // A plan lists its blobs sorted; random order shows what sorting saves.
    if (values.order === 'sorted') digests.sort();
    let seeded = Date.now();
    for (const d of digests) {
      const hex = d.slice(7);
      await s3.seed(BUCKET, `${ROOT}/docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`, hex);
    }
    seeded = Date.now() - seeded;

    const storage = openRegistryStorage(`s3://${BUCKET}/${ROOT}`, { s3Client: client });
    s3.requests.length = 0;
    const started = process.hrtime.bigint();
    const counts = { done: 0, gone: 0, failed: 0 };
    for await (const r of storage.deleteBlobs(digests)) counts[r.status]++;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;

    const deletes = s3.requests.filter((r) => r.method === 'POST' && 'delete' in r.query).length;
    const lists = s3.requests.filter((r) => r.method === 'GET' && r.query['list-type'] === '2').length;
    const expected = Math.ceil(total / 1000);
    process.stdout.write(
      `s3-delete: ${total} blobs (${values.order} order) on the loopback S3 server ${s3.endpoint} (seeded in ${seeded} ms)\n` +
        `  DeleteObjects requests ${deletes} (ceil(N/1000) = ${expected})\n` +
        `  list requests          ${lists}\n` +
        `  other requests         ${s3.requests.length - deletes - lists}\n` +
        `  results                done ${counts.done}, gone ${counts.gone}, failed ${counts.failed}\n` +
        `  wall time              ${ms.toFixed(0)} ms (${((total / ms) * 1000).toFixed(0)} blobs/s)\n`,
    );
    if (deletes !== expected || counts.done !== total) {
      process.stdout.write('  TARGET MISSED\n');
      return 1;
    }
    return 0;
  } finally {
    client.destroy();
    await s3.stop();
  }
}
