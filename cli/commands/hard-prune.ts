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
import { runHardPruneLocally, type HardPruneInput } from '../local-run/storage-tools.js';

import { HARD_PRUNE_HELP, parseHardPruneFlags } from './storage-tool-flags.js';

// The flag parsing lives in storage-tool-flags.ts; these names stay importable from here.
export { HARD_PRUNE_HELP, parseHardPruneFlags, parseStorageToolFlags, type HardPruneFlags, type StorageToolFlags } from './storage-tool-flags.js';

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
