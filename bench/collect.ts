// Benchmark of cluster collection: N Image objects of realistic size (manifest,
// image metadata, managed fields) served by the fake OpenShift API server in a
// child process, collected (a) by our collector through client-node (paged,
// stripped, kept) and (b) by a bare loop of undici fetch + JSON.parse over the
// same pages (counted, kept nowhere). Each side runs in a fresh process so its
// peak memory is its own; wall and CPU time, their ratio, peak RSS and heap.
//
//   npm run bench -- collect [--images 200000] [--rounds 2]
//
// Modes used internally (one process each):
//   tsx bench/collect.ts serve N            -> prints {"url","token"}, serves until stdin closes
//   tsx bench/collect.ts measure ours|bare URL TOKEN -> prints one JSON line
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { FlagSpecs } from '../cli/flags.js';
import { parseBenchFlags } from './bench-flags.js';
import { Agent, fetch } from 'undici';
import { formatBytes } from '../cli/format.js';
import { KubernetesCollector, connectCluster } from '../shared/adapters/kubernetes/index.js';
import type { KubeObject } from '../shared/core/kube-types.js';
import { kindByName } from '../shared/core/kinds.js';

const SELF = fileURLToPath(import.meta.url);
const PAGE = 500;

function sha(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

/** The managedFields the API server writes on an Image it created at `created` (bench clusters carry them: they are part of what collect reads and strips). */
export function imageManagedFields(created: string): object[] {
  return [
    {
      manager: 'openshift-apiserver',
      operation: 'Update',
      apiVersion: 'image.openshift.io/v1',
      time: created,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:dockerImageLayers': {},
        'f:dockerImageManifestMediaType': {},
        'f:dockerImageMetadata': { 'f:Architecture': {}, 'f:Config': {}, 'f:Container': {}, 'f:ContainerConfig': {}, 'f:Created': {}, 'f:Id': {}, 'f:Size': {} },
        'f:dockerImageReference': {},
        'f:metadata': { 'f:annotations': { '.': {}, 'f:image.openshift.io/dockerLayersOrder': {}, 'f:openshift.io/image.managed': {} } },
      },
    },
  ];
}

/** An Image as OpenShift stores a pushed schema 2 image: about 4 KB of JSON. */
export function realisticImage(i: number): KubeObject {
  const nLayers = 4 + (i % 7);
  const layers = Array.from({ length: nLayers }, (_, j) => ({
    name: `sha256:${sha(`layer-${i % 5000}-${j}`)}`,
    size: 1_000_000 + ((i * 7919 + j * 104729) % 50_000_000),
    mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  }));
  const config = `sha256:${sha(`config-${i}`)}`;
  const manifest = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: config },
      layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.name })),
    },
    null,
    3,
  );
  const digest = `sha256:${sha(manifest)}`;
  const created = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace(/\.000Z$/, 'Z');
  return {
    kind: 'Image',
    apiVersion: 'image.openshift.io/v1',
    metadata: <KubeObject['metadata']>{
      name: digest,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      creationTimestamp: created,
      annotations: { 'image.openshift.io/dockerLayersOrder': 'ascending', 'openshift.io/image.managed': 'true' },
      managedFields: imageManagedFields(created),
    },
    dockerImageReference: `image-registry.openshift-image-registry.svc:5000/ns-${i % 200}/app-${i % 1000}@${digest}`,
    dockerImageMetadata: {
      kind: 'DockerImage',
      apiVersion: '1.0',
      Id: config,
      Created: created,
      ContainerConfig: {},
      Config: {
        User: '1001',
        ExposedPorts: { '8080/tcp': {} },
        Env: ['PATH=/opt/app-root/src/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin', 'HOME=/opt/app-root/src', `BUILD_ID=${i}`, 'NODE_VERSION=20'],
        Cmd: ['/bin/sh', '-c', 'npm start'],
        WorkingDir: '/opt/app-root/src',
        Labels: { 'io.openshift.build.commit.id': sha(`commit-${i}`).slice(0, 40), 'io.openshift.build.name': `app-${i}`, 'io.k8s.display-name': 'Node.js 20' },
      },
      Architecture: 'amd64',
      Size: layers.reduce((a, l) => a + l.size, 0),
    },
    dockerImageLayers: layers,
    dockerImageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    dockerImageManifest: manifest,
  };
}

async function serve(n: number): Promise<void> {
  const { startFakeOpenShift } = await import('../test/support/fake-openshift.js');
  const api = await startFakeOpenShift({ objects: Array.from({ length: n }, (_, i) => realisticImage(i)) });
  process.stdout.write(`${JSON.stringify({ url: api.url, token: api.token })}\n`);
  process.stdin.resume();
  await once(process.stdin, 'end');
  await api.stop();
}

interface Measure {
  mode: string;
  items: number;
  pages: number;
  bytes: number;
  wallMs: number;
  cpuMs: number;
  peakRssBytes: number;
  peakHeapBytes: number;
  /** Heap still used after a GC with the result held: what the collection keeps. */
  retainedHeapBytes: number;
}

async function measure(mode: string, url: string, token: string): Promise<void> {
  let peakHeap = 0;
  const sample = (): void => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 25);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let items = 0;
  let pages = 0;
  let bytes = 0;
  let kept: unknown;
  if (mode === 'ours') {
    const client = await connectCluster({ server: url, token, env: {} });
    const r = await new KubernetesCollector(client, { onProgress: (e) => e.type === 'page' && (pages = e.page) }).listKind(kindByName('Image')!);
    items = r.items.length;
    kept = r.items;
    bytes = Buffer.byteLength(JSON.stringify(r.items));
    await client.close();
  } else {
    // The least any collector must do: fetch each page over a keep-alive pool and parse it.
    const dispatcher = new Agent({ connections: 8 });
    let cont: string | undefined;
    do {
      const q = new URLSearchParams({ limit: String(PAGE) });
      if (cont) q.set('continue', cont);
      const res = await fetch(`${url}/apis/image.openshift.io/v1/images?${q}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, dispatcher });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      const text = await res.text();
      bytes += text.length;
      const page = JSON.parse(text) as { items: unknown[]; metadata?: { continue?: string } };
      items += page.items.length;
      pages += 1;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    await dispatcher.close();
  }
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  clearInterval(timer);
  sample();
  gc?.();
  const retained = process.memoryUsage().heapUsed;
  const out: Measure = {
    mode,
    items,
    pages,
    bytes,
    wallMs,
    cpuMs: (c.user + c.system) / 1000,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    peakHeapBytes: peakHeap,
    retainedHeapBytes: retained,
  };
  // Hold the result until after the measurement above.
  if (Array.isArray(kept) && kept.length !== items) throw new Error('collected items went missing');
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function runMeasure(mode: 'ours' | 'bare', url: string, token: string): Measure {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', SELF, 'measure', mode, url, token], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`measure ${mode} failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measure;
}

/** The flags of `npm run bench -- collect`. */
export const COLLECT_BENCH_FLAGS = {
  images: { type: 'int', min: 1, default: 200_000, help: 'Images in the fake API server' },
  rounds: { type: 'int', min: 1, default: 2, help: 'rounds per collector (the best counts)' },
} as const satisfies FlagSpecs;

/** `npm run bench -- collect [--images N] [--rounds R]`. */
export async function runCollectBench(argv: string[]): Promise<number> {
  const values = parseBenchFlags('collect', argv, COLLECT_BENCH_FLAGS);
  if (!values) return 0;
  const n = values.images;
  const rounds = values.rounds;
  process.stderr.write(`collect bench: generating ${n} Images in the fake API server (child process)...\n`);
  const server = spawn(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', SELF, 'serve', String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
    const { url, token } = JSON.parse(line) as { url: string; token: string };
    process.stderr.write('collect bench: warm-up pass (the server caches each item\'s JSON)...\n');
    runMeasure('bare', url, token);
    const results: { bare: Measure; ours: Measure }[] = [];
    for (let r = 0; r < rounds; r += 1) {
      const bare = runMeasure('bare', url, token);
      const ours = runMeasure('ours', url, token);
      if (ours.items !== n || bare.items !== n) throw new Error(`expected ${n} items, got ours ${ours.items}, bare ${bare.items}`);
      results.push({ bare, ours });
    }
    const best = (k: 'bare' | 'ours', f: 'wallMs' | 'cpuMs'): number => Math.min(...results.map((x) => x[k][f]));
    const last = results[results.length - 1];
    const ms = (x: number): string => `${(x / 1000).toFixed(2)} s`;
    const lines = [
      `Collecting ${n} Images (${last.bare.pages} pages of ${PAGE}, ${formatBytes(last.bare.bytes)} of JSON) from the fake API server; best of ${rounds}:`,
      `                     wall        CPU     peak RSS   peak heap   kept after GC`,
      `  bare fetch+parse  ${ms(best('bare', 'wallMs')).padStart(8)}  ${ms(best('bare', 'cpuMs')).padStart(8)}  ${formatBytes(last.bare.peakRssBytes).padStart(10)}  ${formatBytes(last.bare.peakHeapBytes).padStart(10)}  ${formatBytes(last.bare.retainedHeapBytes).padStart(10)} (nothing kept)`,
      `  our collector     ${ms(best('ours', 'wallMs')).padStart(8)}  ${ms(best('ours', 'cpuMs')).padStart(8)}  ${formatBytes(last.ours.peakRssBytes).padStart(10)}  ${formatBytes(last.ours.peakHeapBytes).padStart(10)}  ${formatBytes(last.ours.retainedHeapBytes).padStart(10)} (${formatBytes(last.ours.bytes)} as JSON)`,
      `  ratio ours/bare: wall ${(best('ours', 'wallMs') / best('bare', 'wallMs')).toFixed(2)}x, CPU ${(best('ours', 'cpuMs') / best('bare', 'cpuMs')).toFixed(2)}x`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    return 0;
  } finally {
    server.stdin!.end();
    await once(server, 'exit');
  }
}

const [mode, ...args] = process.argv.slice(2);
if (process.argv[1] === SELF) {
  if (mode === 'serve') await serve(Number(args[0]));
  else if (mode === 'measure') await measure(args[0], args[1], args[2]);
  else process.exitCode = await runCollectBench(process.argv.slice(2));
}
