// image-pruner plan: computes the prune plan from a cluster dump, offline. It
// never deletes anything; it is what a person reads before confirming.
import { parseArgs } from 'node:util';
import { computePlan } from '../../shared/core/plan.js';
import { DEFAULT_KEEP_TAG_REVISIONS, type Plan, type PlanOptions } from '../../shared/core/plan-types.js';
import { parseDuration } from '../../shared/core/duration.js';
import type { Snapshot } from '../../shared/core/snapshot.js';
import { InvalidInputError, InvalidReferencesError, PrunerError } from '../../shared/errors.js';
import { blobSizesOf, formatPlanTable } from '../format.js';
import type { CliIO, Command } from '../io.js';
import { readSnapshotFile, type ReadSnapshotOptions } from '../snapshot-input.js';
import { CLUSTER_FLAGS, CLUSTER_FLAGS_HELP, ClusterFlagError, clusterFlagsGiven, collectFromFlags, type ClusterFlagValues } from '../cluster-flags.js';

export const PLAN_HELP = `Usage: image-pruner plan --snapshot FILE [flags]
   or: image-pruner plan [cluster flags] [flags]    (reads the live cluster, changes nothing)

Computes what a prune would delete, from a cluster dump, without touching any
cluster or registry. FILE is a Kubernetes List as
  oc get images,imagestreams,pods,rc,dc,deploy,rs,sts,ds,jobs,cronjobs,builds,bc -A -o json
prints it; "-" reads standard input.

Flags:
  --snapshot FILE            the cluster dump to plan from (required)
  --keep-tag-revisions N     newest revisions per tag that are always kept (default ${DEFAULT_KEEP_TAG_REVISIONS})
  --keep-younger-than DUR    keep images, streams, revisions and pods younger than this (default 60m)
  --now ISO-8601             measure ages from this instant instead of the clock (e.g. 2026-11-01T00:00:00Z)
  --all                      prune images not managed by OpenShift too
  --ignore-invalid-refs      skip invalid image references with a warning instead of stopping
  --output table|json        a report for people (default) or the plan as JSON
  -h, --help                 show this help

${CLUSTER_FLAGS_HELP}
Exit status: 0 plan computed, 1 bad input or invalid references, 2 bad flags.
`;

const FLAGS = {
  ...CLUSTER_FLAGS,
  snapshot: { type: 'string' },
  'keep-tag-revisions': { type: 'string' },
  'keep-younger-than': { type: 'string' },
  now: { type: 'string' },
  all: { type: 'boolean' },
  'ignore-invalid-refs': { type: 'boolean' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flags of `plan`, parsed and checked. */
export interface PlanFlags {
  /** The dump to read; '' when planning from the live cluster given by {@link cluster}. */
  snapshot: string;
  /** Cluster flags: plan from the live cluster (only when --snapshot is absent). */
  cluster?: ClusterFlagValues;
  options: PlanOptions;
  /** `--keep-younger-than` as written, for the report. */
  keepYoungerThan: string;
  output: 'table' | 'json';
}

/** A flag the user got wrong: exit status 2 and a one-line message. */
export class UsageError extends InvalidInputError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Turns node:util parseArgs's messages into one line naming the flag. */
function parseArgsMessage(err: Error & { code?: string }): string {
  const flag = /'(-[^' ]+)/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (!flag) return err.message;
      if (/ambiguous/.test(err.message)) return `flag ${flag}: write a value that starts with "-" as ${flag}=VALUE`;
      return `flag ${flag} ${/argument missing/.test(err.message) ? 'needs a value' : 'takes no value'}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(err.message)?.[1] ?? ''} (every input is given with a flag)`.trim();
    default:
      return err.message;
  }
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses the flags of `plan`; `undefined` means `--help` was asked for. Throws {@link UsageError}. */
export function parsePlanFlags(argv: string[], clock: () => Date = () => new Date()): PlanFlags | undefined {
  let values: { [K in keyof typeof FLAGS]?: (typeof FLAGS)[K]['type'] extends 'string' ? string : boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(parseArgsMessage(err as Error));
  }
  if (values.help) return undefined;
  const cluster: ClusterFlagValues | undefined = clusterFlagsGiven(values) ? values : undefined;
  if (cluster && values.snapshot !== undefined) throw new UsageError('flag --snapshot cannot be combined with cluster flags (--kubeconfig, --server, ...)');
  if (!cluster && (values.snapshot === undefined || values.snapshot === '')) {
    throw new UsageError('flag --snapshot FILE is required (a cluster dump; - reads stdin), or cluster flags (--kubeconfig, --server, ...) to plan from a live cluster');
  }

  let keepTagRevisions = DEFAULT_KEEP_TAG_REVISIONS;
  const ktr = values['keep-tag-revisions'];
  if (ktr !== undefined) {
    if (!/^\d+$/.test(ktr) || !Number.isSafeInteger(Number(ktr))) throw new UsageError(`flag --keep-tag-revisions: "${ktr}" is not a whole number >= 0`);
    keepTagRevisions = Number(ktr);
  }
  const keepYoungerThan = values['keep-younger-than'] ?? '60m';
  let keepYoungerThanMs: number;
  try {
    keepYoungerThanMs = parseDuration(keepYoungerThan, 'flag --keep-younger-than');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let now: Date;
  if (values.now !== undefined) {
    now = new Date(values.now);
    if (!ISO_8601.test(values.now) || Number.isNaN(now.getTime())) {
      throw new UsageError(`flag --now: "${values.now}" is not an ISO-8601 instant (example: 2026-11-01T00:00:00Z)`);
    }
  } else {
    now = clock();
  }
  const output = values.output ?? 'table';
  if (output !== 'table' && output !== 'json') throw new UsageError(`flag --output: "${output}" is not one of table, json`);

  return {
    snapshot: values.snapshot ?? '',
    ...(cluster ? { cluster } : {}),
    options: { keepTagRevisions, keepYoungerThanMs, now, all: values.all ?? false, ignoreInvalidRefs: values['ignore-invalid-refs'] ?? false },
    keepYoungerThan,
    output,
  };
}

/** Where a snapshot came from, for the report. */
export interface LoadedSnapshot {
  snapshot: Snapshot;
  /** e.g. `examples/cluster.json`, `stdin`. */
  source: string;
}

/**
 * The one place that decides where the snapshot comes from: a dump file or
 * stdin, or the live cluster that the cluster flags (`--kubeconfig`,
 * `--context`, `--server`, ...) name (collected, complete or an error).
 */
export async function loadSnapshot(flags: Pick<PlanFlags, 'snapshot' | 'cluster'>, io: CliIO, read: ReadSnapshotOptions = {}): Promise<LoadedSnapshot> {
  if (flags.cluster) {
    try {
      const { snapshot, server } = await collectFromFlags(flags.cluster, io, 'plan');
      return { snapshot, source: `cluster ${server}` };
    } catch (err) {
      if (err instanceof ClusterFlagError) throw new UsageError(err.message);
      throw err;
    }
  }
  const { snapshot } = await readSnapshotFile(flags.snapshot, io.stdin, read);
  return { snapshot, source: flags.snapshot === '-' ? 'stdin' : flags.snapshot };
}

/** Options for tests: a fixed clock, a lower streaming threshold. */
export interface PlanCommandOptions {
  clock?: () => Date;
  read?: ReadSnapshotOptions;
}

/** Builds the `plan` command; the default export uses the real clock and thresholds. */
export function makePlanCommand(opts: PlanCommandOptions = {}): Command {
  return async (argv, io) => {
    let flags: PlanFlags | undefined;
    try {
      flags = parsePlanFlags(argv, opts.clock);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      io.stderr.write(`image-pruner plan: ${err.message} (see image-pruner plan --help)\n`);
      return 2;
    }
    if (!flags) {
      io.stdout.write(PLAN_HELP);
      return 0;
    }
    let loaded: LoadedSnapshot;
    try {
      loaded = await loadSnapshot(flags, io, opts.read);
    } catch (err) {
      if (err instanceof UsageError) {
        io.stderr.write(`image-pruner plan: ${err.message} (see image-pruner plan --help)\n`);
        return 2;
      }
      // Bad input is one line naming the file and item; anything else is a bug and keeps its stack.
      if (!(err instanceof PrunerError)) throw err;
      io.stderr.write(`image-pruner plan: ${err.message}\n`);
      return 1;
    }
    const { snapshot, source } = loaded;
    let plan: Plan;
    try {
      plan = computePlan(snapshot, flags.options);
    } catch (err) {
      if (!(err instanceof InvalidReferencesError)) throw err;
      io.stderr.write(
        `image-pruner plan: ${err.offenders.length} invalid image reference(s); nothing is planned ` +
          `(fix them, or pass --ignore-invalid-refs to skip them with a warning):\n${err.offenders.map((o) => `  ${o}\n`).join('')}`,
      );
      return 1;
    }
    // `plan ... | head` closes the pipe early: that is the reader's choice, not an error.
    io.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
    if (flags.output === 'json') {
      io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    } else {
      io.stdout.write(
        formatPlanTable(plan, {
          blobSizes: blobSizesOf(snapshot.images),
          source,
          now: flags.options.now,
          keepTagRevisions: flags.options.keepTagRevisions,
          keepYoungerThan: flags.keepYoungerThan,
          all: flags.options.all,
        }),
      );
    }
    return 0;
  };
}

/** `image-pruner plan`. */
export const planCommand: Command = makePlanCommand();
export default planCommand;
