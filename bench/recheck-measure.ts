// The race guard's cost at scale, in a fresh process: a generated cluster is
// planned, a pod is started on every 100th planned image, the cluster is
// planned again and the two plans intersected as "Re-check the plan" does.
// Reports the intersection's time and the heap it adds on top of both plans
// and the snapshot (which the task holds anyway).
// Usage: node --expose-gc --import tsx bench/recheck-measure.ts [IMAGES]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readSnapshotFile } from '../cli/snapshot-input.js';
import { computePlan } from '../shared/core/plan.js';
import { planItems } from '../shared/workflow/compute-plan.js';
import type { PlanFiles } from '../shared/workflow/recheck-intersect.js';
import { intersectPlans } from '../shared/workflow/recheck-intersect.js';
import { BENCH_NOW, writeClusterFile } from './generate-cluster.js';

const images = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'recheck-bench-'));
const file = join(dir, 'cluster.json');
writeClusterFile(file, { images });
const { snapshot } = await readSnapshotFile(file, process.stdin);
rmSync(dir, { recursive: true, force: true });
const opts = { now: BENCH_NOW };
const first = computePlan(snapshot, opts);
// The plan files as the task reads them back (JSON, not shared objects).
const files = JSON.parse(JSON.stringify(planItems(first))) as PlanFiles;
const raced = first.images.filter((_, i) => i % 100 === 0);
for (const [i, name] of raced.entries()) {
  snapshot.pods.push({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'raced', name: `p${i}`, creationTimestamp: BENCH_NOW.toISOString() }, spec: { containers: [{ name: 'c', image: `image-registry.openshift-image-registry.svc:5000/raced/x@${name}` }] }, status: { phase: 'Running' } });
}
const tp = performance.now();
const second = computePlan(snapshot, opts);
const planMs = performance.now() - tp;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const before = process.memoryUsage().heapUsed;
let peak = before;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
const t0 = performance.now();
const result = intersectPlans(files, second, snapshot);
const ms = performance.now() - t0;
peak = Math.max(peak, process.memoryUsage().heapUsed);
clearInterval(timer);
const spared = Object.fromEntries(Object.entries(result.spared).map(([k, v]) => [k, v.length]));
console.log(JSON.stringify({
  images: snapshot.images.length,
  firstPlan: { images: first.images.length, layerLinks: first.layerLinks.length, manifestLinks: first.manifestLinks.length, blobs: first.blobs.length },
  racedImages: raced.length,
  spared,
  planMs: Math.round(planMs),
  intersectMs: Math.round(ms),
  heapAddedMiB: Math.round((peak - before) / 2 ** 20),
  heapTotalMiB: Math.round(peak / 2 ** 20),
}));
