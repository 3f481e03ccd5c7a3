// Benchmark: does the prune workflow fit AWS's limits at a million Images?
// The synthesized state machine runs locally (cli/local-run: aws-local-stepfunctions,
// the payload and batch limits of cli/local-run/limits.ts checked on every
// state) against the fake OpenShift API server serving N Images with
// proportionate image streams, pods, builds and workloads (bench/aws-scale-cluster.ts),
// and a registry stand-in that accepts every delete; blobs are deleted in a
// file:// storage folder. Each task row runs in processes of its own, like
// Lambda containers (bench/aws-scale-pool.ts); the run is confirmed.
//
// Per task row it reports the costliest invocation's CPU time, the peak RSS
// of its processes, its largest input and output payload and its largest Map
// batch, each as a fraction of its AWS limit at the row's configured memory and
// timeout (shared/workflow/tables/prune.ts); every fraction must be at most
// --target (0.5), else the exit status is 1.
//
// CPU time stands in for wall time. This machine has 2 cores shared with the
// fake API server, the registry stand-in, the engine and other work, so wall
// times say more about the neighbours than about the task. On Lambda a function
// gets vCPU in proportion to its memory (one full vCPU at 1,769 MB), so a task
// process's CPU time is what its invocation costs there, at or above 1,769 MB;
// below it, the wall time is CPU time x 1,769 / memoryMb. What CPU time leaves
// out is waiting on the network: a real API server answers a list page in tens
// to hundreds of milliseconds. The report estimates that as list pages x
// --rtt-ms, for the collect rows. The task processes run the worker bundled
// into plain JavaScript (no TypeScript loader), as the Lambda bundle is; a
// fresh process's RSS (runtime and code) is shown as the base. Each has a V8
// heap limit above its row's memory (--heap-mb), so the peak is measured, not
// capped: with room V8 collects less eagerly, so the peak RSS is an upper
// bound of what the task needs.
//
// --pruned-every P: one image stream in P has revisions to prune (10: 4% of
// the Images; the 1M figures in the README used 100, so that the deletions do
// not take an hour here). A batch task's figures are per batch of 100 items,
// whatever the plan's size; what grows with the cluster is what the collect
// and plan tasks hold, and that does not depend on P.
//
//   npm run bench -- aws-scale [--images 1000000] [--pruned-every 10] [--target 0.5]
//                              [--rtt-ms 100] [--heap-mb 16384] [--num-workers 10]
import { HISTORY_EVENT_LIMIT } from '../cli/local-run/history.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FlagSpecs } from '../cli/flags.js';
import { PAYLOAD_LIMIT_BYTES } from '../cli/local-run/limits.js';
import { FolderRunLock } from '../cli/local-run/run-lock.js';
import { localPruneWorkflow, runLocally } from '../cli/local-run/runner.js';
import { LocalFolderArtifacts } from '../shared/adapters/artifacts/local-folder.js';
import { DELETION_KINDS, DELETION_STEPS } from '../shared/workflow/contracts.js';
import { leaseSecondsFor, RUN_TIMEOUT_SECONDS } from '../shared/workflow/run-lock.js';
import { BATCH_TASKS } from '../shared/workflow/tables/prune.js';
import type { AnyTask, Ports } from '../shared/workflow/task.js';
import { parseBenchFlags } from './bench-flags.js';
import { SCALE_NOW } from './aws-scale-cluster.js';
import { buildWorker, TaskProcessPool, type RowFigures } from './aws-scale-pool.js';

const SERVE = fileURLToPath(new URL('./aws-scale-serve.ts', import.meta.url));
/** Lambda's longest timeout. */
const LAMBDA_MAX_SECONDS = 900;
/** Lambda gives one full vCPU at this much memory. */
const ONE_VCPU_MB = 1769;

/** The flags of `npm run bench -- aws-scale`. */
export const AWS_SCALE_BENCH_FLAGS = {
  images: { type: 'int', min: 1, default: 1_000_000, help: 'Images the fake API server serves' },
  target: { type: 'string', default: '0.5', help: 'the largest fraction of any AWS limit that passes' },
  'rtt-ms': { type: 'int', min: 0, default: 100, help: 'estimated round trip of one list page to a real API server' },
  'heap-mb': { type: 'int', min: 64, default: 16_384, help: "each task process's V8 heap limit (above the rows' memory, so the peak is measured, not capped)" },
  'pruned-every': { type: 'int', min: 1, default: 10, help: 'one image stream in this many has revisions to prune (10: 4% of the Images)' },
  'num-workers': { type: 'int', min: 1, default: 10, help: "the deletion Maps' concurrency (the run's numWorkers)" },
} as const satisfies FlagSpecs;

interface Server {
  child: ChildProcess;
  info: Record<string, unknown>;
  lines: AsyncIterator<string>;
}

async function startServer(args: string[], heapMb: number): Promise<Server> {
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, '--import', 'tsx', SERVE, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`aws-scale: ${args[0]} server exited before it listened`);
  return { child, info: JSON.parse(first.value) as Record<string, unknown>, lines };
}

/** Ends a server; resolves with the stats line it prints on the way out. */
async function stopServer(s: Server): Promise<Record<string, unknown>> {
  s.child.stdin!.end();
  const last = await s.lines.next();
  await once(s.child, 'exit').catch(() => undefined);
  return last.done ? {} : (JSON.parse(last.value) as Record<string, unknown>);
}

/** One row's fractions of its AWS limits. */
export interface RowFractions {
  cpuOfTimeout: number;
  cpuOfLambda: number;
  rssOfMemory: number;
  payload: number;
  batch: number;
}

/** The fractions of a row's figures; each must be at most the target. */
export function fractionsOf(f: RowFigures): RowFractions {
  const cpuS = f.maxCpuMs / 1000;
  return {
    cpuOfTimeout: cpuS / (f.row.timeoutMinutes * 60),
    cpuOfLambda: cpuS / LAMBDA_MAX_SECONDS,
    rssOfMemory: f.peakRssBytes / (f.row.memoryMb * 1024 * 1024),
    payload: Math.max(f.maxInputBytes, f.maxOutputBytes) / PAYLOAD_LIMIT_BYTES,
    batch: f.maxBatchBytes / PAYLOAD_LIMIT_BYTES,
  };
}

/** The rows and fractions over `target`, one line each ("" when none). */
export function missedLines(rows: readonly RowFigures[], target: number): string[] {
  const names: Record<keyof RowFractions, string> = { cpuOfTimeout: 'CPU time / timeout', cpuOfLambda: "CPU time / Lambda's 900 s", rssOfMemory: 'peak RSS / memory', payload: 'payload / 256 KiB', batch: 'batch / 256 KiB' };
  const out: string[] = [];
  for (const f of rows) {
    for (const [k, v] of Object.entries(fractionsOf(f)) as [keyof RowFractions, number][]) {
      if (v > target) out.push(`${f.row.id}: ${names[k]} is ${v.toFixed(2)}, over ${target}`);
    }
  }
  return out;
}

/** The table of the report (Markdown, as the README shows it). */
export function figuresTable(rows: readonly RowFigures[]): string {
  const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
  const kib = (b: number) => (b / 1024).toFixed(1);
  const fr = (x: number) => x.toFixed(2);
  const head = '| task (row) | memory MB / timeout | invocations (processes) | max CPU s (total) | CPU / timeout | peak (base) RSS MB | RSS / memory | largest in / out KiB | payload / 256 KiB | largest batch KiB | batch / 256 KiB |';
  const rule = '|---|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((f) => {
    const x = fractionsOf(f);
    return `| ${f.row.id} | ${f.row.memoryMb} / ${f.row.timeoutMinutes} min | ${f.invocations} (${f.processes}) | ${(f.maxCpuMs / 1000).toFixed(1)} (${(f.totalCpuMs / 1000).toFixed(1)}) | ${fr(x.cpuOfTimeout)} | ${mb(f.peakRssBytes)} (${mb(f.baseRssBytes)}) | ${fr(x.rssOfMemory)} | ${kib(f.maxInputBytes)} / ${kib(f.maxOutputBytes)} | ${fr(x.payload)} | ${f.maxBatchBytes ? kib(f.maxBatchBytes) : '-'} | ${f.maxBatchBytes ? fr(x.batch) : '-'} |`;
  });
  return [head, rule, ...lines].join('\n');
}

/** `npm run bench -- aws-scale`; returns the exit status. */
export async function runAwsScaleBench(argv: string[]): Promise<number> {
  const values = parseBenchFlags('aws-scale', argv, AWS_SCALE_BENCH_FLAGS);
  if (!values) return 0;
  const target = Number(values.target);
  if (!(target > 0)) {
    const { UsageError } = await import('../cli/flags.js');
    throw new UsageError(`flag --target: "${values.target}" is not a number above 0`);
  }
  const n = values.images;
  const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] aws-scale: ${line}\n`);
  const dir = await mkdtemp(join(tmpdir(), 'pruner-aws-scale-'));
  const artifactsDir = join(dir, 'artifacts');
  const storageDir = join(dir, 'storage');
  await mkdir(storageDir, { recursive: true });
  log(`starting the fake API server with ${n} Images (own process) and the registry stand-in`);
  const api = await startServer(['api', String(n), String(values['pruned-every'])], 12_288);
  const registry = await startServer(['registry'], 1024);
  const workflow = localPruneWorkflow();
  const batchRowOfMap = new Map<string, AnyTask>(DELETION_KINDS.map((k) => [DELETION_STEPS[k].map, BATCH_TASKS[k] as AnyTask]));
  const pool = new TaskProcessPool(
    await buildWorker(),
    { artifactsDir, kubeconfigPath: String(api.info.kubeconfigPath), registryUrl: String(registry.info.url), storageUrl: `file://${storageDir}` },
    values['heap-mb'],
    batchRowOfMap,
    workflow.tasks,
  );
  const t0 = performance.now();
  let result;
  try {
    // The parent reads the Maps' item files (AWS's ItemReader) and keeps the
    // Map results; every task runs in the pool, so the cluster ports are never used here.
    const unused = new Proxy({}, { get: () => { throw new Error('aws-scale: the tasks run in their own processes; the parent has no cluster port'); } });
    result = await runLocally({
      input: { confirm: true, now: SCALE_NOW, numWorkers: values['num-workers'] },
      ports: {
        artifacts: new LocalFolderArtifacts(artifactsDir),
        lock: new FolderRunLock(artifactsDir, { leaseSeconds: leaseSecondsFor(RUN_TIMEOUT_SECONDS.prune) }),
        cluster: unused as Ports['cluster'],
        clusterWriter: unused as Ports['clusterWriter'],
        settings: { registryUrl: String(registry.info.url) },
      },
      workflow,
      invoke: pool.invoke,
      onPayload: pool.onPayload,
      onProgress: (p) => {
        if (p.type === 'state' && p.phase !== 'entered') log(`${p.name} ${p.phase}`);
        if (p.type === 'planned' || p.type === 'rechecked') log(`${p.type}: ${JSON.stringify(p.totals)}`);
      },
    });
  } finally {
    await pool.close();
  }
  const wallS = (performance.now() - t0) / 1000;
  const apiStats = await stopServer(api);
  const registryStats = await stopServer(registry);
  await rm(dir, { recursive: true, force: true });

  const rows = pool.results();
  const pages = Number(apiStats.listPages ?? 0);
  const [l1, l5, l15] = loadavg().map((x) => x.toFixed(1));
  const out = [
    `aws-scale: ${n} Images, confirmed run ${result.status} in ${wallS.toFixed(0)} s wall (load average ${l1} ${l5} ${l15} at the end); ${new Date().toISOString()}`,
    `API server: ${apiStats.requests} requests, ${pages} list pages (at ${values['rtt-ms']} ms a round trip to a real API server: ~${((pages * values['rtt-ms']) / 1000).toFixed(0)} s more, spread over the collect rows), ${apiStats.imageDeletes} Image deletes, ${apiStats.streamUpdates} stream updates; registry: ${registryStats.manifests} manifest and ${registryStats.layerLinks} layer-link deletes`,
    '',
    figuresTable(rows),
    '',
    `Fractions: CPU time of the costliest invocation / the row's timeout (Lambda's longest is ${LAMBDA_MAX_SECONDS} s; below ${ONE_VCPU_MB} MB a function gets less than one vCPU, so its wall time is longer); peak RSS / the row's memoryMb; payloads and batches / 256 KiB.`,
    'State wall times (s): ' + result.timings.map((t) => `${t.state} ${(t.ms / 1000).toFixed(1)}`).join(', '),
    `Execution history: ${result.historyEvents} events, ${(result.historyEvents / HISTORY_EVENT_LIMIT).toFixed(3)} of Step Functions' ${HISTORY_EVENT_LIMIT}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  if (result.status !== 'succeeded') {
    process.stdout.write(`aws-scale: the run ${result.status}: ${result.error?.name}: ${result.error?.message}\n`);
    return 1;
  }
  const missed = missedLines(rows, target);
  if (result.historyEvents > target * HISTORY_EVENT_LIMIT) missed.push(`execution history: ${result.historyEvents} events, over ${target} of ${HISTORY_EVENT_LIMIT}`);
  if (missed.length > 0) {
    process.stdout.write(`aws-scale: MISSED (target: every fraction at most ${target}):\n${missed.map((l) => `  ${l}`).join('\n')}\n`);
    return 1;
  }
  process.stdout.write(`aws-scale: every fraction at most ${target}: met\n`);
  return 0;
}
