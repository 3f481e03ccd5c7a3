// Benchmark of the registry manifest deleter against the real docker-registry:
// deleting N manifests through RegistryDeleter + deleteManifests, next to a bare
// undici request loop (one keep-alive Agent, DELETE, drain, check 202) at the
// same concurrency. Target (issue 3): ours within 10% of the bare loop at every
// level. The manifests are pushed again before every timed run; each level runs
// bare/ours/ours/bare (rounds) and keeps each side's best time, so the order and
// a noisy neighbour weigh less.
//
//   npm run bench -- registry-delete [--manifests 2000] [--levels 1,8,32] [--rounds 2]
import type { FlagSpecs } from '../cli/flags.js';
import { parseBenchFlags, wholeNumbers } from './bench-flags.js';
import { Agent } from 'undici';
import { deleteManifests, RegistryDeleter, summarize } from '../shared/adapters/registry/index.js';
import type { RepositoryLink } from '../shared/core/plan-types.js';
import { MEDIA_TYPES, pushBlob, seededBytes, sha256Digest } from '../test/support/push.js';
import { startRegistry } from '../test/support/registry.js';

const REPOSITORIES = 20;

/** The flags of `npm run bench -- registry-delete`. */
export const REGISTRY_DELETE_BENCH_FLAGS = {
  manifests: { type: 'int', min: REPOSITORIES, default: 2000, help: `manifests to push and delete (at least ${REPOSITORIES}, one per repository)` },
  levels: { type: 'string', metavar: 'N,N,...', default: '1,8,32', help: 'concurrency levels to compare' },
  rounds: { type: 'int', min: 1, default: 2, help: 'rounds per level (the best counts)' },
} as const satisfies FlagSpecs;

/** Runs the benchmark; returns the exit status (1 when a level misses the 10% target). */
export async function runRegistryDeleteBench(argv: string[]): Promise<number> {
  const values = parseBenchFlags('registry-delete', argv, REGISTRY_DELETE_BENCH_FLAGS);
  if (!values) return 0;
  const total = values.manifests;
  const levels = wholeNumbers('levels', values.levels, 1);
  const rounds = values.rounds;

  const registry = await startRegistry();
  const pushAgent = new Agent({ keepAliveTimeout: 10_000 });
  try {
    const manifests = await prepare(registry.url, total);
    process.stdout.write(
      `registry-delete: ${total} manifests in ${REPOSITORIES} repositories, docker-registry on ${registry.url}, best of ${rounds}\n` +
        `${'concurrency'.padStart(11)} ${'bare ms'.padStart(9)} ${'ours ms'.padStart(9)} ${'bare/s'.padStart(8)} ${'ours/s'.padStart(8)} ${'ours/bare'.padStart(9)}\n`,
    );
    let missed = 0;
    for (const concurrency of levels) {
      const bare: number[] = [];
      const ours: number[] = [];
      for (let round = 0; round < rounds; round++) {
        // bare, ours, ours, bare, ...: neither side always goes first.
        const order = round % 2 === 0 ? ['bare', 'ours'] : ['ours', 'bare'];
        for (const side of order) {
          await repush(registry.url, manifests, pushAgent);
          const ms = side === 'bare' ? await bareLoop(registry.url, manifests.links, concurrency) : await ourDeleter(registry.url, manifests.links, concurrency);
          (side === 'bare' ? bare : ours).push(ms);
        }
      }
      const b = Math.min(...bare);
      const o = Math.min(...ours);
      const ratio = o / b;
      if (ratio > 1.1) missed++;
      process.stdout.write(
        `${String(concurrency).padStart(11)} ${b.toFixed(0).padStart(9)} ${o.toFixed(0).padStart(9)} ` +
          `${((total / b) * 1000).toFixed(0).padStart(8)} ${((total / o) * 1000).toFixed(0).padStart(8)} ${ratio.toFixed(3).padStart(9)}${ratio > 1.1 ? '  (over the 1.10 target)' : ''}\n`,
      );
    }
    return missed === 0 ? 0 : 1;
  } finally {
    await pushAgent.close();
    await registry.stop();
  }
}

interface Prepared {
  links: RepositoryLink[];
  bodies: Map<string, string>;
}

/**
 * One small layer and config shared by every manifest (linked into each
 * repository once); the manifests differ by an annotation, so each has its own
 * digest and pushing one is a single PUT.
 */
async function prepare(url: string, total: number): Promise<Prepared> {
  const layer = seededBytes('bench-layer', 512);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] } }));
  const links: RepositoryLink[] = [];
  const bodies = new Map<string, string>();
  for (let r = 0; r < REPOSITORIES; r++) {
    const repository = `bench/repo-${r}`;
    await pushBlob(url, repository, layer, r === 0 ? undefined : 'bench/repo-0');
    await pushBlob(url, repository, config, r === 0 ? undefined : 'bench/repo-0');
  }
  for (let i = 0; i < total; i++) {
    const repository = `bench/repo-${i % REPOSITORIES}`;
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: sha256Digest(config), size: config.length },
      layers: [{ mediaType: MEDIA_TYPES.ociLayer, digest: sha256Digest(layer), size: layer.length }],
      annotations: { 'bench.index': String(i) },
    });
    const digest = sha256Digest(manifest);
    links.push({ repository, digest });
    bodies.set(`${repository}@${digest}`, manifest);
  }
  return { links, bodies };
}

/** PUTs every manifest (back) by digest, 32 at a time. */
async function repush(url: string, prepared: Prepared, agent: Agent): Promise<void> {
  const origin = new URL(url).origin;
  await pool(prepared.links, 32, async (link) => {
    const res = await agent.request({
      origin,
      path: `/v2/${link.repository}/manifests/${link.digest}`,
      method: 'PUT',
      headers: { 'content-type': MEDIA_TYPES.ociManifest },
      body: prepared.bodies.get(`${link.repository}@${link.digest}`),
    });
    await res.body.dump();
    if (res.statusCode !== 201) throw new Error(`re-push ${link.repository}@${link.digest}: HTTP ${res.statusCode}`);
  });
}

/** The bare loop: a keep-alive Agent, DELETE, drain, expect 202. */
async function bareLoop(url: string, links: RepositoryLink[], concurrency: number): Promise<number> {
  const origin = new URL(url).origin;
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const start = performance.now();
  await pool(links, concurrency, async (link) => {
    const res = await agent.request({ origin, path: `/v2/${link.repository}/manifests/${link.digest}`, method: 'DELETE' });
    await res.body.dump();
    if (res.statusCode !== 202) throw new Error(`bare DELETE ${link.repository}@${link.digest}: HTTP ${res.statusCode}`);
  });
  const ms = performance.now() - start;
  await agent.close();
  return ms;
}

/** Ours, as the workflow uses it: a fresh deleter (health check included) and the batch runner. */
async function ourDeleter(url: string, links: RepositoryLink[], concurrency: number): Promise<number> {
  const start = performance.now();
  const deleter = RegistryDeleter.fromOptions({ url });
  const results = await deleteManifests(deleter, links, { concurrency });
  const ms = performance.now() - start;
  await deleter.close();
  const counts = summarize(results);
  if (counts.done !== links.length) throw new Error(`ours: ${JSON.stringify(counts)} of ${links.length}`);
  return ms;
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
