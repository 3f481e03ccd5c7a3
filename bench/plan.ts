// Benchmark of `image-pruner plan` (issue 11): for each size, generates a
// seeded synthetic cluster to a temporary file, then times, side by side and
// interleaved, two child processes on the same node binary:
//   (a) node -e 'JSON.parse(require("fs").readFileSync(f))'      the floor: read and parse
//   (b) bin/image-pruner.js plan --snapshot f --output json --now T > /dev/null
// and reports the median wall time of each, b/a per size and the growth of b
// between sizes. Targets: b at most 1.5x a at every size; 10x the cluster at
// most 11x b's time. Exit status 1 when a target is missed.
//
//   npm run bench -- plan [--sizes 10000,100000] [--runs 5] [--seed 1] [--layout lines|indented] [--keep]
//   npm run bench -- plan --streaming-demo 600      (a ~600 MB dump, never one string)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { FlagSpecs } from '../cli/flags.js';
import { parseBenchFlags, wholeNumbers } from './bench-flags.js';
import { formatBytes } from '../cli/format.js';
import { MAX_FAST_PATH_BYTES, type SnapshotRead } from '../cli/snapshot-input.js';
import { BENCH_NOW, writeClusterFile } from './generate-cluster.js';
import { median, timeProcess, type ProcessTime } from './time-process.js';

/** (b) at most this many times (a), at every size (issue 11). */
export const MAX_PLAN_TO_PARSE = 1.5;
/** From one size to the next, (b)'s time grows at most this many times the size ratio (11x for 10x). */
export const MAX_GROWTH_PER_SIZE_RATIO = 1.1;

/** The flags of `npm run bench -- plan`. */
export const PLAN_BENCH_FLAGS = {
  sizes: { type: 'string', metavar: 'N,N,...', default: '10000,100000', help: 'cluster sizes (Images) to generate and time' },
  runs: { type: 'int', min: 1, default: 5, help: 'timed runs of each command per size, interleaved; the median counts' },
  seed: { type: 'int', default: 1, help: 'seed of the generated clusters' },
  layout: { type: 'enum', values: ['lines', 'indented'], default: 'lines', help: 'lines: one item per line, as collect writes; indented: as oc get -o json writes' },
  'streaming-demo': { type: 'int', min: 1, metavar: 'MB', help: 'instead: plan one dump of about this many MB, too big for one string' },
  keep: { type: 'boolean', default: false, help: 'keep the generated dumps' },
} as const satisfies FlagSpecs;

const BIN = join(import.meta.dirname, '..', 'bin', 'image-pruner.js');
/** The floor (a): exactly what a bare script would do with the dump. */
const BARE_PARSE = 'JSON.parse(require("fs").readFileSync(process.argv[1]))';
/** Both children run without the bench's own loader (tsx) or flags. */
const CHILD_ENV: NodeJS.ProcessEnv = (() => {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
})();

const parseArgv = (file: string): string[] => [process.execPath, '-e', BARE_PARSE, file];
const planArgv = (file: string): string[] => [process.execPath, BIN, 'plan', '--snapshot', file, '--output', 'json', '--now', BENCH_NOW.toISOString()];

interface SizeResult {
  size: number;
  bytes: number;
  parse: ProcessTime[];
  plan: ProcessTime[];
  /** Medians. */
  parseMs: number;
  planMs: number;
  parseCpuMs?: number;
  planCpuMs?: number;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const medianOf = (runs: ProcessTime[], key: 'wallMs' | 'cpuMs'): number | undefined => (runs.every((r) => r[key] !== undefined) ? median(runs.map((r) => r[key]!)) : undefined);

/**
 * One untimed run of each command first (it fills the page cache and Node's
 * compile cache, as a second run by a user would find them); the plan of that
 * run is read back to check that (b) did the work. Then `runs` timed rounds,
 * alternating which command goes first so that a drift in the machine's load
 * weighs on both alike.
 */
function measureSize(size: number, file: string, bytes: number, runs: number, dir: string): SizeResult {
  timeProcess(parseArgv(file), { env: CHILD_ENV });
  const planFile = join(dir, `plan-${size}.json`);
  timeProcess(planArgv(file), { env: CHILD_ENV, stdoutFile: planFile });
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { images?: unknown; blobs?: unknown };
  rmSync(planFile, { force: true });
  if (!Array.isArray(plan.images) || !Array.isArray(plan.blobs)) throw new Error(`plan of ${size} images: the output is not a plan`);
  process.stdout.write(`  ${size} images: the plan deletes ${plan.images.length} images and ${plan.blobs.length} blobs; timing ${runs} round(s) ...\n`);

  const parse: ProcessTime[] = [];
  const planned: ProcessTime[] = [];
  for (let r = 0; r < runs; r++) {
    if (r % 2 === 0) {
      parse.push(timeProcess(parseArgv(file), { env: CHILD_ENV }));
      planned.push(timeProcess(planArgv(file), { env: CHILD_ENV }));
    } else {
      planned.push(timeProcess(planArgv(file), { env: CHILD_ENV }));
      parse.push(timeProcess(parseArgv(file), { env: CHILD_ENV }));
    }
  }
  const result: SizeResult = { size, bytes, parse, plan: planned, parseMs: medianOf(parse, 'wallMs')!, planMs: medianOf(planned, 'wallMs')! };
  const parseCpuMs = medianOf(parse, 'cpuMs');
  const planCpuMs = medianOf(planned, 'cpuMs');
  if (parseCpuMs !== undefined && planCpuMs !== undefined) Object.assign(result, { parseCpuMs, planCpuMs });
  return result;
}

const HEADER = ['  images', '      dump', '  (a) parse', '   (b) plan', '   b/a', '   (a) cpu', '   (b) cpu', 'b/a cpu'].join('  ');

function row(r: SizeResult): string {
  const cpu = r.parseCpuMs !== undefined && r.planCpuMs !== undefined;
  return [
    String(r.size).padStart(8),
    formatBytes(r.bytes).padStart(10),
    secs(r.parseMs).padStart(11),
    secs(r.planMs).padStart(11),
    `${(r.planMs / r.parseMs).toFixed(2)}x`.padStart(6),
    (cpu ? secs(r.parseCpuMs!) : 'n/a').padStart(10),
    (cpu ? secs(r.planCpuMs!) : 'n/a').padStart(10),
    (cpu ? `${(r.planCpuMs! / r.parseCpuMs!).toFixed(2)}x` : 'n/a').padStart(7),
  ].join('  ');
}

const runsLine = (label: string, runs: ProcessTime[]): string => `${label} ${runs.map((t) => (t.wallMs / 1000).toFixed(2)).join(' ')}`;

/** Prints the verdicts; returns true when every target is met. */
function verdicts(results: SizeResult[]): boolean {
  let ok = true;
  const say = (met: boolean, text: string): void => {
    ok &&= met;
    process.stdout.write(`  ${met ? 'met   ' : 'MISSED'}  ${text}\n`);
  };
  process.stdout.write(`\ntargets (issue 11), on median wall time:\n`);
  for (const r of results) {
    const ratio = r.planMs / r.parseMs;
    say(ratio <= MAX_PLAN_TO_PARSE, `${r.size} images: plan ${ratio.toFixed(2)}x the bare parse (at most ${MAX_PLAN_TO_PARSE}x)`);
  }
  for (let i = 1; i < results.length; i++) {
    const a = results[i - 1];
    const b = results[i];
    const limit = (b.size / a.size) * MAX_GROWTH_PER_SIZE_RATIO;
    const growth = b.planMs / a.planMs;
    say(growth <= limit, `${a.size} -> ${b.size} images: plan time x${growth.toFixed(2)} (at most x${limit.toFixed(1)}; the bare parse grew x${(b.parseMs / a.parseMs).toFixed(2)})`);
  }
  return ok;
}

/** Runs the benchmark; returns the exit status. */
export async function runPlanBench(argv: string[]): Promise<number> {
  const values = parseBenchFlags('plan', argv, PLAN_BENCH_FLAGS);
  if (!values) return 0;
  const sizes = wholeNumbers('sizes', values.sizes, 1);
  const seed = values.seed;
  const layout = values.layout;
  const dir = mkdtempSync(join(tmpdir(), 'pruner-bench-'));
  try {
    if (values['streaming-demo'] !== undefined) return streamingDemo(values['streaming-demo'], seed, dir);

    const load = (): string => loadavg()[0].toFixed(1);
    process.stdout.write(
      `plan benchmark (issue 11): seed ${seed}, ${layout === 'lines' ? 'one item per line (as collect writes)' : 'indented (as oc get -o json writes)'}, median of ${values.runs} interleaved run(s) per command, load average ${load()}\n` +
        `node = ${process.execPath} (${process.version}) for both:\n` +
        `  (a) node -e '${BARE_PARSE}' DUMP\n` +
        `  (b) node ${relative(process.cwd(), BIN)} plan --snapshot DUMP --output json --now ${BENCH_NOW.toISOString()} > /dev/null\n\n`,
    );
    const results: SizeResult[] = [];
    for (const size of sizes) {
      const file = join(dir, `cluster-${size}.json`);
      const bytes = writeClusterFile(file, { images: size, seed, layout });
      results.push(measureSize(size, file, bytes, values.runs, dir));
      if (!values.keep) rmSync(file, { force: true });
    }
    process.stdout.write(`\nwall time, median (CPU time: user + system of the child)\n${HEADER}\n`);
    for (const r of results) process.stdout.write(`${row(r)}\n`);
    process.stdout.write('\nevery run, wall seconds in order:\n');
    for (const r of results) process.stdout.write(`  ${String(r.size).padStart(8)}  ${runsLine('(a)', r.parse)}   ${runsLine('(b)', r.plan)}\n`);
    // Each round's (a) and (b) ran back to back: their ratio is untouched by the
    // machine's speed drifting between rounds, which the medians above are not.
    process.stdout.write('b/a in each round (the two commands ran back to back), and the median of these:\n');
    for (const r of results) {
      const ratios = r.parse.map((a, k) => r.plan[k].wallMs / a.wallMs);
      process.stdout.write(`  ${String(r.size).padStart(8)}  ${ratios.map((x) => x.toFixed(2)).join(' ')}   median ${median(ratios).toFixed(2)}x\n`);
    }
    const ok = verdicts(results);
    process.stdout.write(`\n${ok ? 'PASS' : 'FAIL'} (load average ${load()} at the end)\n`);
    return ok ? 0 : 1;
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    else process.stdout.write(`dumps kept in ${dir}\n`);
  }
}

// ---------------------------------------------------------------------------
// The streaming demo: a dump bigger than one JavaScript string is planned
// without ever being one string (line by line, as the generator writes one
// item per line), measured in a fresh process for its peak memory (bench/plan-measure.ts).

interface Measure {
  bytes: number;
  via: SnapshotRead['via'];
  images: number;
  parseMs: number;
  planMs: number;
  parseCpuMs: number;
  planCpuMs: number;
  planImages: number;
  peakRssBytes: number;
  peakHeapBytes: number;
}

/** Bytes per generated image, measured on the generator (pods and streams included); for sizing the demo. */
const BYTES_PER_IMAGE = 4700;

function measureInProcess(file: string): Measure {
  // A fresh process per measurement: peak RSS is a per-process high-water mark.
  const r = spawnSync(process.execPath, ['--max-old-space-size=12288', '--import', 'tsx', join(import.meta.dirname, 'plan-measure.ts'), file], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`measuring ${file} failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measure;
}

function streamingDemo(targetMb: number, seed: number, dir: string): number {
  const images = Math.ceil((targetMb * 1024 * 1024) / BYTES_PER_IMAGE);
  const file = join(dir, `cluster-${images}.json`);
  process.stdout.write(`generating a ~${targetMb} MB dump (${images} images) to ${file} ...\n`);
  const bytes = writeClusterFile(file, { images, seed });
  process.stdout.write(`dump: ${formatBytes(bytes)}; one JavaScript string holds at most ${formatBytes(MAX_FAST_PATH_BYTES)}\n`);
  const m = measureInProcess(file);
  const ms = (n: number): string => `${n.toFixed(0)} ms`;
  process.stdout.write(
    `read+parse: ${ms(m.parseCpuMs)} CPU (${ms(m.parseMs)} wall); plan: ${ms(m.planCpuMs)} CPU (${ms(m.planMs)} wall), ${(m.planCpuMs / m.parseCpuMs).toFixed(2)}x; ` +
      `peak RSS ${formatBytes(m.peakRssBytes)}, peak heap ${formatBytes(m.peakHeapBytes)}\n`,
  );
  // The generator writes one item per line, as `collect` does: read line by line, never as one string.
  process.stdout.write(`read ${m.via === 'lines' ? 'item by item' : m.via === 'streamed' ? 'by the streaming parser' : 'WHOLE'}; planned ${m.images} images, ${m.planImages} to delete\n`);
  return m.via !== 'whole' || bytes <= MAX_FAST_PATH_BYTES ? 0 : 1;
}
