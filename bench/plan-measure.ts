// For the streaming demo of bench/plan.ts: one measurement in a fresh process,
// so that peak memory is this dump's alone. Reads the dump the way
// `image-pruner plan` does (item by item when laid out as collect or oc
// writes it, else streamed when it is too big for one string), then
// computes the plan. (The side-by-side timing of the binary against a bare
// JSON.parse is bench/plan.ts with bench/time-process.ts.)
// Usage: node --import tsx bench/plan-measure.ts FILE [--now ISO]
// Prints one JSON line.
import { performance } from 'node:perf_hooks';
import { readSnapshotFile } from '../cli/snapshot-input.js';
import { computePlan } from '../shared/core/plan.js';
import { BENCH_NOW } from './generate-cluster.js';

const [file, ...rest] = process.argv.slice(2);
const i = rest.indexOf('--now');
const now = new Date(i >= 0 ? rest[i + 1] : BENCH_NOW.toISOString());

let peakHeap = 0;
const sample = (): void => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
};
const timer = setInterval(sample, 50);

const c0 = process.cpuUsage();
const t0 = performance.now();
const read = await readSnapshotFile(file, process.stdin);
const t1 = performance.now();
const c1 = process.cpuUsage();
sample();
const plan = computePlan(read.snapshot, { now });
const t2 = performance.now();
const c2 = process.cpuUsage();
sample();
clearInterval(timer);

process.stdout.write(
  `${JSON.stringify({
    bytes: read.bytes,
    via: read.via,
    images: read.snapshot.images.length,
    parseMs: t1 - t0,
    planMs: t2 - t1,
    // CPU time (user + system, all threads): steadier than wall time on a shared machine.
    parseCpuMs: (c1.user - c0.user + c1.system - c0.system) / 1000,
    planCpuMs: (c2.user - c1.user + c2.system - c1.system) / 1000,
    planImages: plan.images.length,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    peakHeapBytes: peakHeap,
  })}\n`,
);
