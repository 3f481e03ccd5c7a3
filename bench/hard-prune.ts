// Benchmark of the hard prune sweep on S3 storage: N blobs in the loopback S3
// server (seeded straight into its files, not pushed through a registry, which
// would dominate the run), half of them layers of Images in the cluster, the
// other half unreferenced and old. Dry runs at prefix fan-out 1, 16 and 256
// show how listing the 256 blob prefixes scales with concurrency; a confirmed
// run then deletes the unreferenced half and counts DeleteObjects requests
// (target: at most ceil(deleted / 1000) plus one per batch of prefixes, since
// each batch task of the HardPrune state machine deletes its own blobs).
// It runs the state machine locally, as `image-pruner hard-prune` does; the
// fan-out is the number of prefix batches at once.
//
// The S3 server runs in a child process, so that server and sweep each have a
// core (in one process they share an event loop and fan-out cannot show).
// --latency adds a delay to every S3 request on the client side, standing in
// for the round trip to real S3, which the loopback server does not have.
//
//   npm run bench -- hard-prune [--blobs 100000] [--fanout 1,16,256] [--confirm-fanout 16] [--latency 0]
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FlagSpecs } from '../cli/flags.js';
import { parseBenchFlags, wholeNumbers } from './bench-flags.js';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotClusterReader } from '../cli/local-run/snapshot-reader.js';
import { runHardPruneLocally, type StorageToolPorts } from '../cli/local-run/storage-tools.js';
import { LocalFolderArtifacts } from '../shared/adapters/artifacts/local-folder.js';
import { openRegistryStorage } from '../shared/adapters/storage/index.js';
import type { Image, ImageStream } from '../shared/core/kube-types.js';
import { snapshotFromList } from '../shared/core/snapshot.js';
import type { HardPruneReport } from '../shared/workflow/storage-tools/reports.js';
import { startS3Server, type S3Request } from '../test/support/s3-server.js';

const CHILD_ENV = 'HARD_PRUNE_BENCH_S3_CHILD';

type ChildRequest = { op: 'seed'; keys: string[] } | { op: 'requests' } | { op: 'reset' } | { op: 'stop' };
type ToChild = ChildRequest & { id: number };
type FromChild = { id: number; result?: unknown; error?: string } | { ready: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string } };

/** The child: an S3 server answering seed / request-log messages from the parent. */
async function serveChild(): Promise<void> {
  const s3 = await startS3Server({ buckets: [BUCKET] });
  process.on('message', async (m: ToChild) => {
    try {
      let result: unknown;
      if (m.op === 'seed') for (const key of m.keys) await s3.seed(BUCKET, key, key.slice(-64));
      else if (m.op === 'requests') result = s3.requests.map((r) => ({ method: r.method, query: r.query }));
      else if (m.op === 'reset') s3.requests.length = 0;
      else {
        await s3.stop();
        process.send!({ id: m.id });
        process.exit(0);
      }
      process.send!({ id: m.id, result });
    } catch (err) {
      process.send!({ id: m.id, error: String(err) });
    }
  });
  process.send!({ ready: { endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
}

/** The parent's handle on the child S3 server. */
async function startChildS3(): Promise<{ endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string }; call: (m: ChildRequest) => Promise<unknown>; child: ChildProcess }> {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, [CHILD_ENV]: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const ready = await new Promise<{ endpoint: string; region: string; accessKeyId: string; secretAccessKey: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`S3 child exited with ${code}`)));
    child.on('message', (m: FromChild) => {
      if ('ready' in m) return resolve(m.ready);
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error) w?.reject(new Error(m.error));
      else w?.resolve(m.result);
    });
  });
  const call = (m: ChildRequest) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve, reject });
      child.send({ ...m, id });
    });
  return { endpoint: ready.endpoint, region: ready.region, credentials: { accessKeyId: ready.accessKeyId, secretAccessKey: ready.secretAccessKey }, call, child };
}

const BUCKET = 'registry';
const ROOT = 'bench';
const LAYERS_PER_IMAGE = 10;

function counts(requests: Pick<S3Request, 'method' | 'query'>[]): { lists: number; deletes: number; other: number } {
  const lists = requests.filter((r) => r.method === 'GET' && r.query['list-type'] === '2').length;
  const deletes = requests.filter((r) => r.method === 'POST' && 'delete' in r.query).length;
  return { lists, deletes, other: requests.length - lists - deletes };
}

/** The flags of `npm run bench -- hard-prune`. */
export const HARD_PRUNE_BENCH_FLAGS = {
  blobs: { type: 'int', min: 2, default: 100_000, help: 'blobs in storage (half referenced, half not)' },
  fanout: { type: 'string', metavar: 'N,N,...', default: '1,16,256', help: 'prefix fan-outs (1..256) of the dry runs' },
  'confirm-fanout': { type: 'int', min: 1, max: 256, default: 16, help: 'prefix fan-out of the confirmed run' },
  latency: { type: 'int', metavar: 'MS', default: 0, help: 'delay added to every S3 request, standing in for the round trip' },
} as const satisfies FlagSpecs;

/** Runs the benchmark; exit status 1 when a confirmed run misses the DeleteObjects target or leaves blobs behind. */
export async function runHardPruneBench(argv: string[]): Promise<number> {
  const values = parseBenchFlags('hard-prune', argv, HARD_PRUNE_BENCH_FLAGS);
  if (!values) return 0;
  const total = values.blobs;
  const fanouts = wholeNumbers('fanout', values.fanout, 1, 256);
  const confirmFanout = values['confirm-fanout'];
  const latencyMs = values.latency;

  const s3 = await startChildS3();
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: s3.credentials,
    // Enough sockets for fan-out 256 without the SDK queueing requests.
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }) }),
  });
  if (latencyMs > 0) {
    client.middlewareStack.add((next) => async (args) => {
      await new Promise((r) => setTimeout(r, latencyMs));
      return next(args);
    }, { step: 'finalizeRequest', name: 'benchLatency' });
  }
  const requests = async () => (await s3.call({ op: 'requests' })) as Pick<S3Request, 'method' | 'query'>[];
  const artifactsDir = await mkdtemp(join(tmpdir(), 'hard-prune-bench-'));
  try {
    const digests = Array.from({ length: total }, (_, i) => `sha256:${createHash('sha256').update(`hard-prune-bench-${i}`).digest('hex')}`);
    let seededMs = Date.now();
    const keys = digests.map((d) => `${ROOT}/docker/registry/v2/blobs/sha256/${d.slice(7, 9)}/${d.slice(7)}/data`);
    for (let i = 0; i < keys.length; i += 5000) await s3.call({ op: 'seed', keys: keys.slice(i, i + 5000) });
    seededMs = Date.now() - seededMs;

    // Even-numbered blobs are layers of Images (10 each) tagged in one stream; odd ones are garbage.
    const kept = digests.filter((_, i) => i % 2 === 0);
    const images: Image[] = [];
    for (let i = 0; i < kept.length; i += LAYERS_PER_IMAGE) {
      const layers = kept.slice(i, i + LAYERS_PER_IMAGE);
      // The first layer doubles as the manifest digest: it is marked either way.
      images.push({ kind: 'Image', metadata: { name: layers[0], creationTimestamp: '2024-01-01T00:00:00Z' }, dockerImageLayers: layers.map((name) => ({ name, size: 64 })) });
    }
    const streams: ImageStream[] = [
      {
        kind: 'ImageStream',
        metadata: { namespace: 'bench', name: 'app', creationTimestamp: '2024-01-01T00:00:00Z' },
        status: { tags: [{ tag: 'latest', items: images.map((im) => ({ image: im.metadata.name, created: '2024-01-01T00:00:00Z' })) }] },
      },
    ];
    const storage = openRegistryStorage(`s3://${BUCKET}/${ROOT}`, { s3Client: client });
    // Seeded blobs are seconds old: measure ages from two hours ahead so the garbage counts as old.
    const now = new Date(Date.now() + 2 * 3_600_000);
    const ports: StorageToolPorts = {
      artifacts: new LocalFolderArtifacts(artifactsDir),
      cluster: new SnapshotClusterReader(snapshotFromList({ apiVersion: 'v1', kind: 'List', items: [...images, ...streams] })),
      storage,
    };
    const sweep = async (confirm: boolean, fanout: number): Promise<HardPruneReport> => {
      const r = await runHardPruneLocally({ confirm, registryReadOnlyConfirmed: confirm, keepYoungerThan: '1h', now: now.toISOString() }, ports, { prefixConcurrency: fanout });
      if (!r.output?.report) throw new Error(`hard prune failed: ${r.error?.name}: ${r.error?.message}`);
      return r.output.report;
    };

    process.stdout.write(
      `hard-prune: ${total} blobs in ${s3.endpoint} (separate process; seeded in ${seededMs} ms; added latency ${latencyMs} ms/request), ${kept.length} referenced by ${images.length} Images, ${total - kept.length} garbage\n` +
        `  fan-out  mode     wall ms  list req  delete req  other req  blobs deleted\n`,
    );
    const row = (fanout: number, mode: string, ms: number, c: ReturnType<typeof counts>, r: HardPruneReport) =>
      process.stdout.write(
        `  ${String(fanout).padStart(7)}  ${mode.padEnd(7)}  ${ms.toFixed(0).padStart(7)}  ${String(c.lists).padStart(8)}  ${String(c.deletes).padStart(10)}  ${String(c.other).padStart(9)}  ${String(r.blobs.deleted).padStart(13)}\n`,
      );
    const times = new Map<number, number>();
    for (const fanout of fanouts) {
      await s3.call({ op: 'reset' });
      const started = process.hrtime.bigint();
      const r = await sweep(false, fanout);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      times.set(fanout, ms);
      row(fanout, 'dry run', ms, counts(await requests()), r);
    }
    const slowest = times.get(fanouts[0])!;
    process.stdout.write(`  speed-up over fan-out ${fanouts[0]}: ${fanouts.map((f) => `${f}: ${(slowest / times.get(f)!).toFixed(2)}x`).join(', ')}\n`);

    await s3.call({ op: 'reset' });
    const started = process.hrtime.bigint();
    const r = await sweep(true, confirmFanout);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const c = counts(await requests());
    row(confirmFanout, 'confirm', ms, c, r);
    // One DeleteObjects per 1,000 blobs of a batch: the 256 prefixes in batches of 8 add at most one each.
    const batches = 256 / 8;
    const expected = Math.ceil(r.blobs.deleted / 1000);
    let left = 0;
    for await (const _ of storage.blobs()) left++;
    process.stdout.write(`  DeleteObjects ${c.deletes} for ${r.blobs.deleted} blobs (target ceil(N/1000) = ${expected} to ${expected + batches}); blobs left ${left} (expected ${kept.length}); failures ${r.failures.length}\n`);
    if (c.deletes < expected || c.deletes > expected + batches || left !== kept.length || r.blobs.deleted !== total - kept.length) {
      process.stdout.write('  TARGET MISSED\n');
      return 1;
    }
    return 0;
  } finally {
    await rm(artifactsDir, { recursive: true, force: true });
    client.destroy();
    await s3.call({ op: 'stop' }).catch(() => undefined);
  }
}

if (process.env[CHILD_ENV] === '1') await serveChild();
