// image-pruner hard-prune: runs the HardPrune state machine locally (as
// `image-pruner run` does the prune workflow): marks every blob of every Image
// in the cluster, then sweeps the registry's storage directly (S3 or a
// filesystem): repositories without an image stream, manifest and layer links
// nothing reaches, and old unmarked blobs. Dry run unless --confirm. The tasks
// are shared/workflow/storage-tools/hard-prune.ts, the decisions
// shared/core/hard-prune.ts; this file parses the flags and prints the report.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatDuration, parseDuration } from '../../shared/core/duration.js';
import { DEFAULT_KEEP_YOUNGER_THAN_MS } from '../../shared/core/plan-types.js';
import { openRegistryStorage, type OpenStorageOptions } from '../../shared/adapters/storage/index.js';
import type { HardPruneReport } from '../../shared/workflow/storage-tools/reports.js';
import { formatBytes } from '../format.js';
import type { CliIO, Command } from '../io.js';
import { CLUSTER_FLAGS, CLUSTER_FLAGS_HELP, ClusterFlagError } from '../cluster-flags.js';
import { InvalidInputError } from '../../shared/errors.js';
import { DEFAULT_ARTIFACTS_DIR, openStorageToolPorts } from '../local-run/storage-tool-ports.js';
import { runHardPruneLocally, type HardPruneInput } from '../local-run/storage-tools.js';

/** A flag the user got wrong: exit status 2 and one line. */
export class StorageToolUsageError extends InvalidInputError {
  constructor(message: string) {
    super(message);
    this.name = 'StorageToolUsageError';
  }
}

/** Turns node:util parseArgs's messages into one line naming the flag. */
export function parseArgsMessage(err: Error & { code?: string }): string {
  const flag = /'(-[^' ]+)/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return flag ? `flag ${flag} ${/argument missing/.test(err.message) ? 'needs a value' : 'takes no value'}` : err.message;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(err.message)?.[1] ?? ''} (every input is given with a flag)`.trim();
    default:
      return err.message;
  }
}

export const HARD_PRUNE_HELP = `Usage: image-pruner hard-prune --registry-storage URL (cluster flags | --snapshot FILE) [flags]

Sweeps the registry's storage directly. Every blob of every Image in the
cluster (managed or not, any age, children of manifest lists included) is kept;
then, in storage:
  - a repository with no image stream of its name is removed whole;
  - a manifest revision link is removed when its digest is no Image, or is not
    in the history of the repository's image stream (nor a child of a manifest
    that is);
  - a layer link is removed when its blob is not kept;
  - a blob is deleted when it is not kept and is older than --keep-younger-than
    (a younger one may belong to a push in progress).
Dry run by default: prints what would go, per repository, with counts and bytes.

The registry must be read-only while hard prune deletes (a push that finishes
during the sweep could lose its blobs): set storage.maintenance.readonly.enabled
in the registry's configuration (OpenShift: oc patch configs.imageregistry.operator.openshift.io
cluster --type merge -p '{"spec":{"readOnly":true}}'), run hard-prune --confirm
--registry-read-only-confirmed, then make it writable again.

Flags:
  --registry-storage URL        s3://bucket/rootdirectory[?endpoint=URL&region=R&force-path-style=true]
                                or file:///rootdirectory (the registry's storage root)
  --snapshot FILE               read Images and ImageStreams from a dump instead of the cluster
  --keep-younger-than DUR       never delete blobs modified less than this long ago (default 60m)
  --concurrency N               blob prefixes (of 256) swept at once (default 16)
  --confirm                     delete (default: dry run, nothing is changed)
  --registry-read-only-confirmed
                                required with --confirm: you have made the registry read-only
  --output table|json           a report for people (default) or JSON
  -h, --help                    show this help


${CLUSTER_FLAGS_HELP}
Exit status: 0 done, 1 a deletion failed or bad input, 2 bad flags.
`;

const FLAGS = {
  'registry-storage': { type: 'string' },
  snapshot: { type: 'string' },
  ...CLUSTER_FLAGS,
  'keep-younger-than': { type: 'string' },
  concurrency: { type: 'string' },
  confirm: { type: 'boolean' },
  'registry-read-only-confirmed': { type: 'boolean' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

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

/** The flags of hard-prune, checked. */
export interface HardPruneFlags {
  storage: string;
  snapshot?: string;
  cluster: Record<string, string | boolean | undefined>;
  keepYoungerThanMs: number;
  keepYoungerThan: string;
  concurrency: number;
  confirm: boolean;
  output: 'table' | 'json';
}

/** The flags both storage tools take, checked: storage, where Images come from, concurrency, output. */
export interface StorageToolFlags {
  values: Record<string, string | boolean | undefined>;
  storage: string;
  snapshot?: string;
  cluster: Record<string, string | boolean | undefined>;
  concurrency: number;
  output: 'table' | 'json';
}

/** Parses the flags shared by hard-prune and fsck; undefined for --help. Throws {@link StorageToolUsageError}. */
export function parseStorageToolFlags(argv: string[], options: ParseArgsConfig['options']): StorageToolFlags | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }) as { values: Record<string, string | boolean | undefined> });
  } catch (err) {
    throw new StorageToolUsageError(parseArgsMessage(err as Error));
  }
  if (values.help) return undefined;
  const storage = values['registry-storage'];
  if (typeof storage !== 'string' || storage === '') throw new StorageToolUsageError('flag --registry-storage URL is required (s3://bucket/root or file:///path)');
  const cluster: Record<string, string | boolean | undefined> = {};
  for (const k of Object.keys(CLUSTER_FLAGS)) cluster[k] = values[k];
  const snapshot = values.snapshot as string | undefined;
  if (snapshot !== undefined && Object.values(cluster).some((v) => v !== undefined)) throw new StorageToolUsageError('--snapshot and cluster flags exclude each other');
  const c = (values.concurrency as string | undefined) ?? '16';
  if (!/^\d+$/.test(c) || Number(c) < 1 || Number(c) > 256) throw new StorageToolUsageError(`flag --concurrency: "${c}" is not a whole number from 1 to 256`);
  const output = (values.output as string | undefined) ?? 'table';
  if (output !== 'table' && output !== 'json') throw new StorageToolUsageError(`flag --output: "${output}" is not one of table, json`);
  return { values, storage, snapshot, cluster, concurrency: Number(c), output };
}

/** Parses the flags; undefined for --help. Throws {@link StorageToolUsageError}. */
export function parseHardPruneFlags(argv: string[]): HardPruneFlags | undefined {
  const common = parseStorageToolFlags(argv, FLAGS);
  if (!common) return undefined;
  const { values } = common;
  const keepYoungerThan = (values['keep-younger-than'] as string | undefined) ?? formatDuration(DEFAULT_KEEP_YOUNGER_THAN_MS);
  let keepYoungerThanMs: number;
  try {
    keepYoungerThanMs = parseDuration(keepYoungerThan, 'flag --keep-younger-than');
  } catch (err) {
    throw new StorageToolUsageError((err as Error).message);
  }
  const confirm = values.confirm === true;
  if (confirm && values['registry-read-only-confirmed'] !== true) {
    throw new StorageToolUsageError(
      '--confirm needs --registry-read-only-confirmed: the registry must be read-only while hard prune deletes, ' +
        'or an image pushed during the sweep can lose its blobs. Make it read-only, then add the flag.',
    );
  }
  return {
    storage: common.storage,
    snapshot: common.snapshot,
    cluster: common.cluster,
    keepYoungerThanMs,
    keepYoungerThan,
    concurrency: common.concurrency,
    confirm,
    output: common.output,
  };
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
    let opened;
    try {
      opened = await openStorageToolPorts({ command: 'hard-prune', storage, snapshot: flags.snapshot, cluster: flags.cluster, artifactsDir: opts.artifactsDir ?? DEFAULT_ARTIFACTS_DIR }, io);
    } catch (err) {
      if (!(err instanceof ClusterFlagError)) throw err;
      io.stderr.write(`image-pruner hard-prune: ${err.message} (see image-pruner hard-prune --help)\n`);
      return 2;
    }
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
