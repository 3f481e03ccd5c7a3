// Benchmark dispatcher: `npm run bench -- <name> [flags]`. Each benchmark is one
// line below; add yours there.
import { runCollectBench } from './collect.js';
import { runHardPruneBench } from './hard-prune.js';
import { runLocalRunBench } from './local-run.js';
import { runPlanBench } from './plan.js';
import { runRegistryDeleteBench } from './registry-delete.js';
import { runS3DeleteBench } from './s3-delete.js';

const BENCHMARKS: Record<string, { summary: string; run: (argv: string[]) => Promise<number> }> = {
  plan: { summary: 'image-pruner plan: read+parse vs plan time, peak memory, linearity, streaming demo', run: runPlanBench },
  collect: { summary: 'collect N Images from the fake API server: our collector vs a bare fetch+parse loop, ratio, peak memory', run: runCollectBench },
  's3-delete': { summary: 'S3 blob deletion through the storage adapter: DeleteObjects per 1,000 keys, list requests, wall time', run: runS3DeleteBench },
  'registry-delete': { summary: 'registry manifest deletes: our deleter vs a bare undici loop at concurrency 1, 8, 32', run: runRegistryDeleteBench },
  'hard-prune': { summary: 'hard prune sweep of N blobs on S3: list and DeleteObjects requests, wall time, prefix fan-out 1/16/256', run: runHardPruneBench },
  'local-run': { summary: 'confirmed local run of the workflow on N pushed images: wall time per state, deletion rate per kind', run: runLocalRunBench },
};

const [name, ...rest] = process.argv.slice(2);
const bench = name === undefined ? BENCHMARKS.plan : BENCHMARKS[name];
if (!bench) {
  process.stderr.write(`unknown benchmark "${name}"; one of:\n${Object.entries(BENCHMARKS).map(([n, b]) => `  ${n.padEnd(10)} ${b.summary}\n`).join('')}`);
  process.exitCode = 2;
} else {
  process.exitCode = await bench.run(name === undefined ? [] : rest);
}
