// Benchmark dispatcher: `npm run bench -- <name> [flags]`. Each benchmark is one
// line below; add yours there. `npm run bench -- --help` lists them with their
// flags, which go through the command line's parser (cli/flags.ts).
import { UsageError, type FlagSpecs } from '../cli/flags.js';
import { benchUsage } from './bench-flags.js';
import { AWS_SCALE_BENCH_FLAGS, runAwsScaleBench } from './aws-scale.js';
import { COLLECT_BENCH_FLAGS, runCollectBench } from './collect.js';
import { HARD_PRUNE_BENCH_FLAGS, runHardPruneBench } from './hard-prune.js';
import { LOCAL_RUN_BENCH_FLAGS, runLocalRunBench } from './local-run.js';
import { PLAN_BENCH_FLAGS, runPlanBench } from './plan.js';
import { REGISTRY_DELETE_BENCH_FLAGS, runRegistryDeleteBench } from './registry-delete.js';
import { runS3DeleteBench, S3_DELETE_BENCH_FLAGS } from './s3-delete.js';

interface Benchmark {
  summary: string;
  flags: FlagSpecs;
  run: (argv: string[]) => Promise<number>;
}

const BENCHMARKS: Record<string, Benchmark> = {
  plan: { summary: 'image-pruner plan vs a bare JSON.parse of the same dump, side by side: ratio per size, growth; streaming demo', flags: PLAN_BENCH_FLAGS, run: runPlanBench },
  collect: { summary: 'collect N Images from the fake API server: our collector vs a bare fetch+parse loop, ratio, peak memory', flags: COLLECT_BENCH_FLAGS, run: runCollectBench },
  's3-delete': { summary: 'S3 blob deletion through the storage adapter: DeleteObjects per 1,000 keys, list requests, wall time', flags: S3_DELETE_BENCH_FLAGS, run: runS3DeleteBench },
  'registry-delete': { summary: 'registry manifest deletes: our deleter vs a bare undici loop at concurrency 1, 8, 32', flags: REGISTRY_DELETE_BENCH_FLAGS, run: runRegistryDeleteBench },
  'hard-prune': { summary: 'hard prune sweep of N blobs on S3: list and DeleteObjects requests, wall time, prefix fan-out 1/16/256', flags: HARD_PRUNE_BENCH_FLAGS, run: runHardPruneBench },
  'aws-scale': { summary: 'the prune workflow at N Images, each task in its own process: CPU, peak RSS, payloads and batches as fractions of AWS limits', flags: AWS_SCALE_BENCH_FLAGS, run: runAwsScaleBench },
  'local-run': { summary: 'confirmed local run of the workflow on N pushed images: wall time per state, deletion rate per kind', flags: LOCAL_RUN_BENCH_FLAGS, run: runLocalRunBench },
};

function usage(): string {
  const each = Object.entries(BENCHMARKS).map(([n, b]) => `${n}: ${b.summary}\n  ${benchUsage(n, b.flags).replace(/\n(?=.)/g, '\n  ')}`);
  return `Usage: npm run bench -- <benchmark> [flags]   (no benchmark: plan)\n\n${each.join('\n')}`;
}

const [name, ...rest] = process.argv.slice(2);
if (name === '--help' || name === '-h' || name === 'help') {
  process.stdout.write(usage());
} else if (name !== undefined && !Object.hasOwn(BENCHMARKS, name)) {
  process.stderr.write(`unknown benchmark "${name}"\n\n${usage()}`);
  process.exitCode = 2;
} else {
  try {
    process.exitCode = await BENCHMARKS[name ?? 'plan'].run(name === undefined ? [] : rest);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench ${name}: ${err.message} (see npm run bench -- --help)\n`);
    process.exitCode = 2;
  }
}
