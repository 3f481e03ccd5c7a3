// Benchmark of `image-pruner plan`: generates seeded synthetic clusters of the
// given sizes, then, per size and in a fresh process each, times reading +
// parsing the dump and computing the plan, and reports peak memory. Targets
// (issue 2): at 100,000 images plan <= 0.5x parse; 10x the cluster <= 11x the
// time; a dump bigger than one JavaScript string is planned by streaming.
//
//   npm run bench -- plan --sizes 1000,10000,100000 [--seed 1] [--keep]
//   npm run bench -- plan --streaming-demo 600      (a ~600 MB dump, streamed)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlagSpecs } from '../cli/flags.js';
import { parseBenchFlags, wholeNumbers } from './bench-flags.js';
import { formatBytes } from '../cli/format.js';
import { MAX_FAST_PATH_BYTES } from '../cli/snapshot-input.js';
import { writeClusterFile } from './generate-cluster.js';

interface Measure {
  bytes: number;
  streamed: boolean;
  images: number;
  streams: number;
  pods: number;
  parseMs: number;
  planMs: number;
  parseCpuMs: number;
  planCpuMs: number;
  planImages: number;
  planBlobs: number;
  peakRssBytes: number;
  peakHeapBytes: number;
}

/** Bytes per generated image, measured on the generator (pods and streams included); for sizing the demo. */
const BYTES_PER_IMAGE = 4700;

function measure(file: string, extra: string[] = []): Measure {
  // A fresh process per measurement: peak RSS is a per-process high-water mark.
  const r = spawnSync(process.execPath, ['--max-old-space-size=12288', '--import', 'tsx', join(import.meta.dirname, 'plan-measure.ts'), file, ...extra], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`measuring ${file} failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measure;
}

const ms = (n: number): string => `${n.toFixed(0)} ms`;

function row(size: number, m: Measure): string {
  return [
    String(size).padStart(8),
    formatBytes(m.bytes).padStart(10),
    (m.streamed ? 'stream' : 'JSON.parse').padEnd(10),
    `${ms(m.parseCpuMs)} (${ms(m.parseMs)})`.padStart(22),
    `${ms(m.planCpuMs)} (${ms(m.planMs)})`.padStart(22),
    (m.planCpuMs / m.parseCpuMs).toFixed(2).padStart(10),
    formatBytes(m.peakRssBytes).padStart(10),
    formatBytes(m.peakHeapBytes).padStart(10),
  ].join('  ');
}

const HEADER = ['  images', '      dump', 'read via  ', 'read+parse cpu (wall)'.padStart(22), 'plan cpu (wall)'.padStart(22), 'plan/parse', '  peak RSS', ' peak heap'].join('  ');

/** The flags of `npm run bench -- plan`. */
export const PLAN_BENCH_FLAGS = {
  sizes: { type: 'string', metavar: 'N,N,...', default: '1000,10000,100000', help: 'cluster sizes (Images) to generate and plan' },
  seed: { type: 'int', default: 1, help: 'seed of the generated clusters' },
  'streaming-demo': { type: 'int', min: 1, metavar: 'MB', help: 'instead: plan one dump of about this many MB, streamed' },
  keep: { type: 'boolean', default: false, help: 'keep the generated dumps' },
  repeat: { type: 'int', min: 1, default: 1, help: 'runs per size (the best counts)' },
} as const satisfies FlagSpecs;

/** Runs the benchmark; returns the exit status. */
export async function runPlanBench(argv: string[]): Promise<number> {
  const values = parseBenchFlags('plan', argv, PLAN_BENCH_FLAGS);
  if (!values) return 0;
  const sizes = wholeNumbers('sizes', values.sizes, 1);
  const seed = values.seed;
  const dir = mkdtempSync(join(tmpdir(), 'pruner-bench-'));
  try {
    if (values['streaming-demo'] !== undefined) {
      const targetMb = values['streaming-demo'];
      const images = Math.ceil((targetMb * 1024 * 1024) / BYTES_PER_IMAGE);
      const file = join(dir, `cluster-${images}.json`);
      process.stdout.write(`generating a ~${targetMb} MB dump (${images} images) to ${file} ...\n`);
      const bytes = writeClusterFile(file, { images, seed });
      process.stdout.write(`dump: ${formatBytes(bytes)}; one JavaScript string holds at most ${formatBytes(MAX_FAST_PATH_BYTES)}\n\n${HEADER}\n`);
      const m = measure(file);
      process.stdout.write(`${row(images, m)}\n`);
      process.stdout.write(`\nread via the streaming parser: ${m.streamed ? 'yes' : 'NO'}; planned ${m.images} images, ${m.planImages} to delete\n`);
      return m.streamed || bytes <= MAX_FAST_PATH_BYTES ? 0 : 1;
    }

    const repeat = values.repeat;
    process.stdout.write(
      `plan benchmark, seed ${seed}, best of ${repeat} run(s) per size, node ${process.version}; times are CPU time (user+system), wall time in brackets\n\n${HEADER}\n`,
    );
    const results: Array<{ size: number; m: Measure }> = [];
    for (const size of sizes) {
      const file = join(dir, `cluster-${size}.json`);
      writeClusterFile(file, { images: size, seed });
      let best: Measure | undefined;
      for (let i = 0; i < repeat; i++) {
        const m = measure(file);
        if (!best || m.parseCpuMs + m.planCpuMs < best.parseCpuMs + best.planCpuMs) best = m;
      }
      results.push({ size, m: best! });
      process.stdout.write(`${row(size, best!)}\n`);
      if (!values.keep) rmSync(file, { force: true });
    }
    if (results.length > 1) {
      process.stdout.write('\nlinearity (time ratio for the size ratio; target: at most 1.1x the size ratio):\n');
      for (let i = 1; i < results.length; i++) {
        const a = results[i - 1];
        const b = results[i];
        const sizeRatio = b.size / a.size;
        const planRatio = b.m.planCpuMs / a.m.planCpuMs;
        const parseRatio = b.m.parseCpuMs / a.m.parseCpuMs;
        const totalRatio = (b.m.planCpuMs + b.m.parseCpuMs) / (a.m.planCpuMs + a.m.parseCpuMs);
        process.stdout.write(
          `  ${a.size} -> ${b.size} (x${sizeRatio.toFixed(1)}): plan x${planRatio.toFixed(2)}, read+parse x${parseRatio.toFixed(2)}, total x${totalRatio.toFixed(2)} ` +
            `(${totalRatio <= sizeRatio * 1.1 ? 'within' : 'OVER'} x${(sizeRatio * 1.1).toFixed(1)})\n`,
        );
      }
    }
    const largest = results[results.length - 1];
    const ratio = largest.m.planCpuMs / largest.m.parseCpuMs;
    process.stdout.write(`\nat ${largest.size} images: plan/parse = ${ratio.toFixed(2)} (target <= 0.50: ${ratio <= 0.5 ? 'met' : 'MISSED'})\n`);
    return 0;
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    else process.stdout.write(`dumps kept in ${dir}\n`);
  }
}

