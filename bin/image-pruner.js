#!/usr/bin/env node
// Node's heap settings for big dumps. The objects of a cluster dump take about
// twice its size in heap, and all of them live until the plan is written:
// - a dump too big for one string (planned by streaming) needs more than
//   Node's default heap limit (about 4 GiB): the process restarts once with a
//   12 GiB limit;
// - a dump of a few hundred MB makes V8 run a full garbage collection soon
//   after the parse, which marks the whole dump to free little (~0.4 s, 6% of
//   a plan of 100,000 images): the process restarts once with V8's first heap
//   limit raised to about six times the dump (at most half the memory), so
//   the plan is done first. A restart costs ~0.1 s, so smaller dumps keep the
//   defaults.
// Both are left alone when the user set heap flags (NODE_OPTIONS).
import { statSync } from 'node:fs';
import module from 'node:module';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';

const BIG_DUMP_BYTES = Number(process.env.IMAGE_PRUNER_BIG_DUMP_BYTES ?? 512 * 2 ** 20);
const LARGE_DUMP_BYTES = Number(process.env.IMAGE_PRUNER_LARGE_DUMP_BYTES ?? 256 * 2 ** 20);
const HEAP_MB = 12 * 1024;
const MB = 2 ** 20;

/** The size of the file `--snapshot` names, or undefined (stdin, no flag, or no such file: the command reports that itself). */
function snapshotBytes(argv) {
  const i = argv.indexOf('--snapshot');
  const file = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--snapshot='))?.slice('--snapshot='.length);
  if (!file || file === '-') return undefined;
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

/** The memory this process may use: the cgroup's limit when there is one, else the machine's. */
function memoryBytes() {
  const constrained = process.constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < totalmem() ? constrained : totalmem();
}

/** The V8 flags to restart with for this command line, or none. */
function restartFlags(argv) {
  const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (/--max-old-space-size|--initial-old-space-size|--initial-heap-size/.test(given)) return [];
  const bytes = snapshotBytes(argv);
  if (bytes === undefined) return [];
  const flags = [];
  let limitMb = getHeapStatistics().heap_size_limit / MB;
  if (bytes >= BIG_DUMP_BYTES && limitMb < HEAP_MB) {
    flags.push(`--max-old-space-size=${HEAP_MB}`);
    limitMb = HEAP_MB;
  }
  if (bytes >= LARGE_DUMP_BYTES) {
    const initialMb = Math.max(64, Math.floor(Math.min((6 * bytes) / MB, memoryBytes() / 2 / MB, limitMb / 2)));
    flags.push(`--initial-old-space-size=${initialMb}`);
  }
  return flags;
}

const argv = process.argv.slice(2);
const flags = restartFlags(argv);
if (flags.length > 0) {
  // Loaded only here: node:child_process (and node:net under it) cost every other run ~10 ms of start-up.
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [...flags, ...process.execArgv, process.argv[1], ...argv], { stdio: 'inherit' });
  process.exit(r.status ?? (r.signal ? 1 : 0));
} else {
  if (process.env.IMAGE_PRUNER_REPORT_HEAP) {
    const initial = /--initial-old-space-size=(\d+)/.exec(process.execArgv.join(' '));
    process.stderr.write(`heap limit ${Math.round(getHeapStatistics().heap_size_limit / MB)} MiB, initial old space ${initial ? `${initial[1]} MiB` : 'default'}\n`);
  }
  // Node 22.1+ keeps the code it compiled on disk (in the OS temp directory,
  // NODE_COMPILE_CACHE to move it, NODE_DISABLE_COMPILE_CACHE=1 to turn it
  // off), as Node suggests for command-line tools: compiling the CLI and its
  // libraries (zod alone ~90 ms) is most of a second run's start-up.
  module.enableCompileCache?.();
  await import('../dist/cli.js');
}
