#!/usr/bin/env node
// The objects of a cluster dump take about twice its size in heap, and Node's
// default heap limit is about 4 GiB: a dump too big for one string (planned by
// streaming) is restarted once with a larger heap, unless the user set one.
import { statSync } from 'node:fs';
import module from 'node:module';
import { getHeapStatistics } from 'node:v8';

const BIG_DUMP_BYTES = Number(process.env.IMAGE_PRUNER_BIG_DUMP_BYTES ?? 512 * 2 ** 20);
const HEAP_MB = 12 * 1024;

function bigSnapshot(argv) {
  const i = argv.indexOf('--snapshot');
  const file = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--snapshot='))?.slice('--snapshot='.length);
  if (!file || file === '-') return false;
  try {
    return statSync(file).size >= BIG_DUMP_BYTES;
  } catch {
    return false; // the command reports a missing file itself
  }
}

const argv = process.argv.slice(2);
const heapSet = process.execArgv.some((a) => a.startsWith('--max-old-space-size')) || /--max-old-space-size/.test(process.env.NODE_OPTIONS ?? '');
if (!heapSet && getHeapStatistics().heap_size_limit < HEAP_MB * 2 ** 20 && bigSnapshot(argv)) {
  // Loaded only here: node:child_process (and node:net under it) cost every other run ~10 ms of start-up.
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, ...process.execArgv, process.argv[1], ...argv], { stdio: 'inherit' });
  process.exit(r.status ?? (r.signal ? 1 : 0));
} else {
  if (process.env.IMAGE_PRUNER_REPORT_HEAP) process.stderr.write(`heap limit ${Math.round(getHeapStatistics().heap_size_limit / 2 ** 20)} MiB\n`);
  // Node 22.1+ keeps the code it compiled on disk (in the OS temp directory,
  // NODE_COMPILE_CACHE to move it, NODE_DISABLE_COMPILE_CACHE=1 to turn it
  // off), as Node suggests for command-line tools: compiling the CLI and its
  // libraries (zod alone ~90 ms) is most of a second run's start-up.
  module.enableCompileCache?.();
  await import('../dist/cli.js');
}
