// image-pruner hard-prune: runs the HardPrune state machine locally (as
// `image-pruner run` does the prune workflow): marks every blob of every Image
// in the cluster, then sweeps the registry's storage directly (S3 or a
// filesystem): repositories without an image stream, manifest and layer links
// nothing reaches, and old unmarked blobs. Dry run unless --confirm. The tasks
// are shared/workflow/storage-tools/hard-prune.ts, the decisions
// shared/core/hard-prune.ts; this file parses the flags and prints the report.
import { openRegistryStorage, type OpenStorageOptions } from '../../shared/adapters/storage/index.js';
import type { HardPruneReport } from '../../shared/workflow/storage-tools/reports.js';
import { formatBytes } from '../format.js';
import type { CliIO, Command } from '../io.js';
import { DEFAULT_ARTIFACTS_DIR, openStorageToolPorts } from '../local-run/storage-tool-ports.js';
import { reportSkipped } from '../skipped.js';
import { runHardPruneLocally, type HardPruneInput } from '../local-run/storage-tools.js';

import { HARD_PRUNE_HELP, parseHardPruneFlags } from './storage-tool-flags.js';

// The flag parsing lives in storage-tool-flags.ts; these names stay importable from here.
export { HARD_PRUNE_HELP, parseHardPruneFlags, parseStorageToolFlags, type HardPruneFlags, type StorageToolFlags } from './storage-tool-flags.js';

/**
 * Up to this many blobs, links and repositories, the table report names each
 * one; above it, only counts (every name is in --output json and report.json).
 */
export const LIST_NAMES_UP_TO = 50;

/** What the operator must do once a confirmed hard prune has ended, however it ended. */
export const MAKE_WRITABLE_AGAIN =
  'make the registry writable again: unset storage.maintenance.readonly.enabled in its configuration ' +
  '(OpenShift: oc patch configs.imageregistry.operator.openshift.io cluster --type merge -p \'{"spec":{"readOnly":false}}\')';

/** One line per deleted (or to delete) blob, removed repository and link, or undefined when there are more than {@link LIST_NAMES_UP_TO}. */
function namedItems(r: HardPruneReport): string[] | undefined {
  const lines: string[] = [];
  for (const x of [...r.repositories].sort((a, b) => (a.repository < b.repository ? -1 : 1))) {
    if (x.action === 'remove') lines.push(`repository ${x.repository} (whole)`);
    else {
      for (const d of x.manifestLinkDigests ?? []) lines.push(`manifest link ${x.repository}@${d}`);
      for (const d of x.layerLinkDigests ?? []) lines.push(`layer link ${x.repository}@${d}`);
    }
  }
  for (const b of r.deletedBlobs ?? []) lines.push(`blob ${b.digest} (${formatBytes(b.size)})`);
  return lines.length <= LIST_NAMES_UP_TO ? lines : undefined;
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
  const named = namedItems(r);
  if (named === undefined) lines.push('', `Too many to name here: every digest and link is in --output json and in the report file.`);
  else if (named.length > 0) {
    lines.push('', `${r.confirm ? 'Deleted' : 'Would delete'}:`);
    for (const n of named) lines.push(`  ${n}`);
  }
  if ((r.keptRepositories ?? []).length > 0) {
    lines.push('', 'Kept without an image stream (a push in progress):');
    for (const k of r.keptRepositories) lines.push(`  ${k.repository}: ${k.reason === 'young upload' ? 'an upload' : 'a link to a blob'} younger than ${keepYoungerThan}`);
  }
  if ((r.invalidRepositories ?? []).length > 0) {
    lines.push('', 'Left alone, not repository names (check and remove them by hand):');
    for (const f of r.invalidRepositories) lines.push(`  ${f.location}: ${f.reason}`);
  }
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

/** Test seams: the clock, how storage is opened (credentials of a test S3 server), where runs are kept. */
export interface HardPruneCommandOptions {
  clock?: () => Date;
  storageOptions?: OpenStorageOptions;
  /** The artifacts folder (default .artifacts, as for `image-pruner run`). */
  artifactsDir?: string;
}

/** Builds the `hard-prune` command. */
export function makeHardPruneCommand(opts: HardPruneCommandOptions = {}): Command {
  return async (argv: string[], io: CliIO) => {
    const flags = parseHardPruneFlags(argv);
    if (!flags) {
      io.stdout.write(HARD_PRUNE_HELP);
      return 0;
    }
    const storage = openRegistryStorage(flags.storage, opts.storageOptions);
    const opened = await openStorageToolPorts({ command: 'hard-prune', storage, snapshot: flags.snapshot, cluster: flags.cluster, artifactsDir: opts.artifactsDir ?? DEFAULT_ARTIFACTS_DIR }, io);
    try {
      if (flags.confirm) {
        io.stderr.write(
          `image-pruner hard-prune: deleting from ${storage.location}. The registry must stay read-only until this finishes ` +
            '(confirmed with --registry-read-only-confirmed).\n',
        );
      }
      // The flag parser refused --confirm without --registry-read-only-confirmed; the state machine checks again.
      const input: HardPruneInput = { confirm: flags.confirm, registryReadOnlyConfirmed: flags.confirm, keepYoungerThan: flags.keepYoungerThan };
      if (opts.clock) input.now = opts.clock().toISOString();
      const result = await runHardPruneLocally(input, opened.ports, { prefixConcurrency: flags.concurrency });
      // Skipped: another run holds the lock (perhaps a hard prune that needs the registry read-only still).
      if (result.status === 'skipped' && result.skipped) return reportSkipped(io, 'image-pruner hard-prune', result.skipped);
      // However the run ended, it ran against a read-only registry that must now take pushes again.
      if (flags.confirm) io.stderr.write(`image-pruner hard-prune: finished; ${MAKE_WRITABLE_AGAIN}\n`);
      const report = result.output?.report;
      if (report) io.stdout.write(flags.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatHardPruneReport(report, flags.keepYoungerThan));
      if (result.output) io.stderr.write(`image-pruner hard-prune: report in ${opened.ports.artifacts.locate(result.output.reportKey)}\n`);
      if (result.status === 'failed') {
        // Failed deletions are listed in the report; any other failure (marking stopped, the cluster unreadable) is this one line.
        io.stderr.write(`image-pruner hard-prune: ${result.error?.message ?? 'the run failed'}\n`);
        return 1;
      }
      return report && report.failures.length > 0 ? 1 : 0;
    } finally {
      await opened.close().catch(() => undefined);
    }
  };
}

/** `image-pruner hard-prune`. */
export const hardPruneCommand: Command = makeHardPruneCommand();
export default hardPruneCommand;
