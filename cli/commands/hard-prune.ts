// image-pruner hard-prune: marks every blob of every Image in the cluster, then
// sweeps the registry's storage directly (S3 or a filesystem): repositories
// without an image stream, manifest and layer links nothing reaches, and old
// unmarked blobs. Dry run unless --confirm. The decisions are
// shared/core/hard-prune.ts; this file lists storage, one repository and one
// blob prefix at a time, and carries them out.
import {
  markForHardPrune,
  markManifest,
  sweepBlobs,
  sweepRepository,
  type HardPruneMarks,
  type StoredBlob,
} from '../../shared/core/hard-prune.js';
import type { Image, ImageStream } from '../../shared/core/kube-types.js';
import type { ItemResult } from '../../shared/core/ports.js';
import { PrunerError } from '../../shared/errors.js';
import { openRegistryStorage, type LinkRef, type OpenStorageOptions, type RegistryStorage } from '../../shared/adapters/storage/index.js';
import { formatBytes } from '../format.js';
import type { CliIO, Command } from '../io.js';
import { readFile } from 'node:fs/promises';
import { connectCluster, KubernetesCollector, type ClusterClient } from '../../shared/adapters/kubernetes/index.js';
import { ClusterFlagError, connectionOptionsFromFlags, progressLines, type ClusterFlagValues } from '../cluster-flags.js';
import { SnapshotBuilder } from '../../shared/core/snapshot.js';
import { InvalidInputError } from '../../shared/errors.js';
import { readSnapshotFile } from '../snapshot-input.js';
import { HARD_PRUNE_HELP, parseHardPruneFlags, StorageToolUsageError, type HardPruneFlags } from './storage-tool-flags.js';

// The flag parsing moved to storage-tool-flags.ts; these names stay importable from here.
export { HARD_PRUNE_HELP, parseHardPruneFlags, parseStorageToolFlags, StorageToolUsageError, type HardPruneFlags, type StorageToolFlags } from './storage-tool-flags.js';

/** Opens the cluster the cluster flags name. Throws ClusterFlagError for a wrong flag. */
export async function openCluster(cluster: Record<string, string | boolean | undefined>, env: CliIO['env']): Promise<ClusterClient> {
  return connectCluster(connectionOptionsFromFlags(cluster as ClusterFlagValues, env));
}

/** Images and image streams, from a snapshot file or (paged) from the cluster. */
export async function loadImagesAndStreams(
  source: { snapshot?: string; cluster: Record<string, string | boolean | undefined> },
  io: CliIO,
  command = 'hard-prune',
): Promise<{ images: Image[]; streams: ImageStream[] }> {
  if (source.snapshot !== undefined) {
    if (Object.values(source.cluster).some((v) => v !== undefined)) throw new StorageToolUsageError('--snapshot and cluster flags exclude each other');
    const { snapshot } = await readSnapshotFile(source.snapshot, io.stdin);
    return { images: snapshot.images, streams: snapshot.streams };
  }
  const client = await openCluster(source.cluster, io.env);
  try {
    const collector = new KubernetesCollector(client, { onProgress: progressLines(io.stderr, `image-pruner ${command}`) });
    const builder = new SnapshotBuilder();
    let i = 0;
    for (const group of ['images', 'imagestreams'] as const) {
      const c = await collector.collectGroup(group);
      // Without Images every blob looks unused: a cluster that does not serve them must stop the run.
      if (c.skipped.length > 0) throw new InvalidInputError(`the cluster does not serve ${c.skipped.map((s) => s.kind).join(', ')} (${c.skipped[0].reason}); is it OpenShift?`);
      for (const item of c.items) builder.add(item, i++);
    }
    const snapshot = builder.build();
    return { images: snapshot.images, streams: snapshot.streams };
  } finally {
    await client.close();
  }
}

/** Storage could not be marked completely (a manifest-list child unreadable): nothing is deleted. */
export class HardPruneStoppedError extends PrunerError {
  constructor(message: string) {
    super(message);
    this.name = 'HardPruneStoppedError';
  }
}

/** What to sweep and how. */
export interface HardPruneOptions {
  storage: RegistryStorage;
  images: readonly Image[];
  streams: readonly ImageStream[];
  keepYoungerThanMs: number;
  now: Date;
  /** Delete; otherwise only decide and report. */
  confirm: boolean;
  /** Blob prefixes swept at once (1..256). */
  prefixConcurrency: number;
  /** Repositories swept at once; default 8. */
  repositoryConcurrency?: number;
}

/** One repository with something to remove. */
export interface RepositoryReport {
  repository: string;
  action: 'remove' | 'sweep';
  manifestLinks: number;
  layerLinks: number;
  /** Bytes of the deleted blobs this repository loses its links to. */
  bytes: number;
  failed: number;
}

/** What a hard prune deleted (or would delete). */
export interface HardPruneReport {
  confirm: boolean;
  location: string;
  marked: { images: number; streams: number; blobs: number };
  repositories: RepositoryReport[];
  repositoriesSeen: number;
  blobs: { deleted: number; bytes: number; kept: number; young: number; youngBytes: number; failed: number };
  failures: string[];
  warnings: string[];
}

/** The 256 two-hex-digit prefixes of the blob store, `00` … `ff`. */
export const BLOB_PREFIXES: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Runs `fn` over `items` with at most `limit` at once; the first error stops taking new items and is thrown. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
}

/** An unbounded queue that is an async iterable: producers push, one consumer reads until close. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield* this.items.splice(0);
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * Marks, reading from storage each manifest-list child that has no Image, so
 * its layers are kept too. Throws {@link HardPruneStoppedError} when one cannot
 * be read: the sweep would not know whether its layers are in use.
 */
export async function markWithStorage(storage: RegistryStorage, images: readonly Image[], streams: readonly ImageStream[]): Promise<HardPruneMarks> {
  const marks = markForHardPrune(images, streams);
  const problems: string[] = [];
  while (marks.unresolvedChildren.size > 0) {
    const pending = [...marks.unresolvedChildren].filter((d) => !problems.some((p) => p.includes(d)));
    if (pending.length === 0) break;
    for (const digest of pending) {
      const data = await storage.readBlob(digest);
      const problem = markManifest(marks, digest, data?.toString('utf8'));
      if (problem) problems.push(problem);
    }
  }
  if (problems.length > 0) throw new HardPruneStoppedError(`nothing deleted: ${problems.join('; ')}`);
  return marks;
}

function failureLine(what: string, r: ItemResult<unknown>): string {
  return `${what}: ${r.reason ?? 'failed'}`;
}

/** Sweeps storage: the blob store one prefix at a time, then each repository. */
export async function runHardPrune(o: HardPruneOptions): Promise<HardPruneReport> {
  const marks = await markWithStorage(o.storage, o.images, o.streams);
  const report: HardPruneReport = {
    confirm: o.confirm,
    location: o.storage.location,
    marked: { images: marks.images.size, streams: o.streams.length, blobs: marks.blobs.size },
    repositories: [],
    repositoriesSeen: 0,
    blobs: { deleted: 0, bytes: 0, kept: 0, young: 0, youngBytes: 0, failed: 0 },
    failures: [],
    warnings: [...marks.warnings],
  };
  // Blobs first: the repository sweep keeps links to the young blobs this finds.
  // Every prefix's deletions feed ONE deletion stream, so S3 gets one
  // DeleteObjects per 1,000 blobs overall, not one per prefix.
  const young = new Set<string>();
  const deletedSizes = new Map<string, number>();
  const toDelete = new Map<string, number>();
  const queue = new AsyncQueue<string>();
  const deleting = o.confirm
    ? (async () => {
        for await (const r of o.storage.deleteBlobs(queue)) {
          if (r.status === 'failed') {
            report.blobs.failed++;
            report.failures.push(failureLine(`delete blob ${r.item}`, r));
          } else {
            deletedSizes.set(r.item, toDelete.get(r.item) ?? 0);
          }
        }
      })()
    : Promise.resolve();
  // Its failure is thrown below, once the sweep stops; until then it must not count as unhandled.
  deleting.catch(() => undefined);
  try {
    await forEachLimit(BLOB_PREFIXES, o.prefixConcurrency, async (prefix) => {
      const blobs: StoredBlob[] = await collect(o.storage.blobs({ prefix }));
      const decision = sweepBlobs(marks, blobs, { keepYoungerThanMs: o.keepYoungerThanMs, now: o.now });
      report.blobs.kept += decision.kept;
      report.blobs.young += decision.young.length;
      for (const b of decision.young) {
        report.blobs.youngBytes += b.size;
        young.add(b.digest);
      }
      for (const b of decision.delete) {
        toDelete.set(b.digest, b.size);
        if (o.confirm) queue.push(b.digest);
        else deletedSizes.set(b.digest, b.size);
      }
    });
  } finally {
    queue.close();
    await deleting;
  }
  // Which repositories lose a layer link to which blob, to give each its bytes once blobs are decided.
  const unlinked = new Map<string, string[]>();

  const repositories = await collect(o.storage.repositories());
  report.repositoriesSeen = repositories.length;
  await forEachLimit(repositories, o.repositoryConcurrency ?? 8, async (name) => {
    const [manifestLinks, layerLinks] = await Promise.all([collect(o.storage.manifestRevisions(name)), collect(o.storage.layerLinks(name))]);
    const decision = sweepRepository(marks, { name, manifestLinks, layerLinks }, young);
    const row: RepositoryReport = { repository: name, action: decision.action, manifestLinks: 0, layerLinks: 0, bytes: 0, failed: 0 };
    let gone: string[];
    if (decision.action === 'remove') {
      row.manifestLinks = manifestLinks.length;
      row.layerLinks = layerLinks.length;
      gone = layerLinks;
      if (o.confirm) {
        const r = await o.storage.deleteRepository(name);
        if (r.status === 'failed') {
          row.failed++;
          report.failures.push(failureLine(`remove repository ${name}`, r));
        }
      }
    } else {
      row.manifestLinks = decision.manifestLinks.length;
      row.layerLinks = decision.layerLinks.length;
      gone = decision.layerLinks;
      if (o.confirm && (row.manifestLinks > 0 || row.layerLinks > 0)) {
        const refs: LinkRef[] = [
          ...decision.manifestLinks.map((digest) => ({ kind: 'revision' as const, repository: name, digest })),
          ...decision.layerLinks.map((digest) => ({ kind: 'layer' as const, repository: name, digest })),
        ];
        for await (const r of o.storage.deleteLinks(refs)) {
          if (r.status !== 'failed') continue;
          row.failed++;
          report.failures.push(failureLine(`delete ${r.item.kind} link ${name}@${(r.item as { digest: string }).digest}`, r));
        }
      }
    }
    if (row.manifestLinks + row.layerLinks > 0 || decision.action === 'remove') {
      report.repositories.push(row);
      unlinked.set(name, gone);
    }
  });

  report.blobs.deleted = deletedSizes.size;
  for (const s of deletedSizes.values()) report.blobs.bytes += s;
  for (const row of report.repositories) {
    for (const d of unlinked.get(row.repository) ?? []) row.bytes += deletedSizes.get(d) ?? 0;
  }
  report.repositories.sort((a, b) => b.bytes - a.bytes || (a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : 0));
  report.failures.sort();
  return report;
}

/** The report for people. */
export function formatHardPruneReport(r: HardPruneReport, keepYoungerThan: string): string {
  const verb = r.confirm ? 'deleted' : 'would delete';
  const lines = [
    `Hard prune of ${r.location} (${r.confirm ? 'CONFIRMED: deleting' : 'dry run: nothing is changed'})`,
    `Kept: ${r.marked.blobs} blobs of ${r.marked.images} Images; ${r.marked.streams} image streams; ${r.repositoriesSeen} repositories in storage.`,
    '',
  ];
  if (r.repositories.length === 0) {
    lines.push('Repositories: nothing to remove.');
  } else {
    const rows = r.repositories.map((x) => [
      x.repository,
      x.action === 'remove' ? 'remove (no image stream)' : 'remove links',
      String(x.manifestLinks),
      String(x.layerLinks),
      formatBytes(x.bytes),
      x.failed ? `${x.failed} failed` : '',
    ]);
    const head = ['REPOSITORY', 'ACTION', 'MANIFEST LINKS', 'LAYER LINKS', 'BYTES', ''];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    for (const row of [head, ...rows]) lines.push(row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  }
  lines.push('');
  lines.push(`Blobs: ${verb} ${r.blobs.deleted} (${formatBytes(r.blobs.bytes)}); kept ${r.blobs.kept} in use and ${r.blobs.young} unused but younger than ${keepYoungerThan} (${formatBytes(r.blobs.youngBytes)}).`);
  if (r.failures.length > 0) {
    lines.push('', `${r.failures.length} deletion(s) failed (run again to finish; what is done stays done):`);
    for (const f of r.failures) lines.push(`  ${f}`);
  }
  if (r.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const w of r.warnings) lines.push(`  ${w}`);
  }
  if (!r.confirm) lines.push('', 'Dry run. To delete: make the registry read-only, then add --confirm --registry-read-only-confirmed.');
  return `${lines.join('\n')}\n`;
}

/** Test seams: the clock and how storage is opened (credentials of a test S3 server). */
export interface HardPruneCommandOptions {
  clock?: () => Date;
  storageOptions?: OpenStorageOptions;
}

/** Builds the `hard-prune` command. */
export function makeHardPruneCommand(opts: HardPruneCommandOptions = {}): Command {
  return async (argv: string[], io: CliIO) => {
    let flags: HardPruneFlags | undefined;
    try {
      flags = parseHardPruneFlags(argv);
    } catch (err) {
      if (!(err instanceof StorageToolUsageError)) throw err;
      io.stderr.write(`image-pruner hard-prune: ${err.message} (see image-pruner hard-prune --help)\n`);
      return 2;
    }
    if (!flags) {
      io.stdout.write(HARD_PRUNE_HELP);
      return 0;
    }
    const storage = openRegistryStorage(flags.storage, opts.storageOptions);
    let loaded: { images: Image[]; streams: ImageStream[] };
    try {
      loaded = await loadImagesAndStreams({ snapshot: flags.snapshot, cluster: flags.cluster }, io);
    } catch (err) {
      if (!(err instanceof ClusterFlagError)) throw err;
      io.stderr.write(`image-pruner hard-prune: ${err.message} (see image-pruner hard-prune --help)\n`);
      return 2;
    }
    const { images, streams } = loaded;
    if (flags.confirm) {
      io.stderr.write(
        `image-pruner hard-prune: deleting from ${storage.location}. The registry must stay read-only until this finishes ` +
          '(confirmed with --registry-read-only-confirmed).\n',
      );
    }
    const report = await runHardPrune({
      storage,
      images,
      streams,
      keepYoungerThanMs: flags.keepYoungerThanMs,
      now: (opts.clock ?? (() => new Date()))(),
      confirm: flags.confirm,
      prefixConcurrency: flags.concurrency,
    });
    io.stdout.write(flags.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatHardPruneReport(report, flags.keepYoungerThan));
    return report.failures.length > 0 ? 1 : 0;
  };
}

/** `image-pruner hard-prune`. */
export const hardPruneCommand: Command = makeHardPruneCommand();
export default hardPruneCommand;
