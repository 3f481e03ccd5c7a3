// image-pruner plan: computes the prune plan from a cluster dump, offline. It
// never deletes anything; it is what a person reads before confirming.
import type { ExecutionInput } from '../../shared/workflow/contracts.js';
import { resolveRunOptions } from '../../shared/workflow/contracts.js';
import { planOptionsOf } from '../../shared/workflow/compute-plan.js';
import { computePlan } from '../../shared/core/plan.js';
import { DEFAULT_KEEP_TAG_REVISIONS, type Plan, type PlanOptions } from '../../shared/core/plan-types.js';
import type { Snapshot } from '../../shared/core/snapshot.js';
import { InvalidReferencesError, PrunerError } from '../../shared/errors.js';
import { blobSizesOf, formatPlanTable } from '../format.js';
import { writePrettyJson } from '../pretty-json.js';
import type { CliIO, Command } from '../io.js';
import { readSnapshotFile, type ReadSnapshotOptions } from '../snapshot-input.js';
import { CLUSTER_FLAGS, CLUSTER_FLAGS_HELP, clusterFlagsGiven, collectFromFlags, pickClusterFlags, SNAPSHOT_WITH_CLUSTER_FLAGS, type ClusterFlagValues } from '../cluster-flags.js';
import { formatFlags, parseFlags, UsageError, type FlagSpecs } from '../flags.js';

const FLAGS = {
  snapshot: { type: 'string', metavar: 'FILE', help: 'plan from this cluster dump instead of the live cluster' },
  'keep-tag-revisions': { type: 'int', default: DEFAULT_KEEP_TAG_REVISIONS, help: 'newest revisions per tag that are always kept' },
  'keep-younger-than': { type: 'duration', default: '60m', help: 'keep images, streams, revisions and pods younger than this' },
  now: { type: 'date', help: 'measure ages from this instant instead of the clock (e.g. 2026-11-01T00:00:00Z)' },
  all: { type: 'boolean', default: false, help: 'prune images not managed by OpenShift too' },
  'ignore-invalid-refs': { type: 'boolean', default: false, help: 'skip invalid image references with a warning instead of stopping' },
  output: { type: 'enum', short: 'o', values: ['table', 'json'], default: 'table', help: 'a report for people (default) or the plan as JSON' },
} as const satisfies FlagSpecs;

export const PLAN_HELP = `Usage: image-pruner plan [cluster flags] [flags]    (reads the live cluster, changes nothing)
   or: image-pruner plan --snapshot FILE [flags]    (reads a cluster dump, offline)

Computes what a prune would delete, without deleting anything. Without
--snapshot it reads the live cluster as oc does: the current context of
$KUBECONFIG or ~/.kube/config (or the cluster flags below). With --snapshot it
reads a cluster dump and touches no cluster or registry. FILE is a Kubernetes List as
  oc get images,imagestreams,pods,rc,dc,deploy,rs,sts,ds,jobs,cronjobs,builds,bc -A -o json
prints it; "-" reads standard input.

Flags (booleans take --flag, --flag=true or --flag=false):
${formatFlags(FLAGS)}
${CLUSTER_FLAGS_HELP}
Exit status: 0 plan computed, 1 bad input or invalid references, 2 bad flags.
`;

/** The flags of `plan`, parsed and checked. */
export interface PlanFlags {
  /** The dump to read; '' when planning from the live cluster given by {@link cluster} (the default kubeconfig when no flag names one). */
  snapshot: string;
  /** Cluster flags: plan from the live cluster (only when --snapshot is absent). */
  cluster?: ClusterFlagValues;
  options: PlanOptions;
  /** `--keep-younger-than` as written, for the report. */
  keepYoungerThan: string;
  output: 'table' | 'json';
}

/** Parses the flags of `plan`; `undefined` means `--help` was asked for. Throws {@link UsageError}. */
export function parsePlanFlags(argv: string[], clock: () => Date = () => new Date()): PlanFlags | undefined {
  const values = parseFlags(argv, { ...CLUSTER_FLAGS, ...FLAGS });
  if (!values) return undefined;
  if (clusterFlagsGiven(values) && values.snapshot !== undefined) throw new UsageError(SNAPSHOT_WITH_CLUSTER_FLAGS);
  // Without --snapshot, plan reads the live cluster as oc would: the cluster
  // flags given, else the default kubeconfig ($KUBECONFIG, ~/.kube/config).
  const cluster: ClusterFlagValues | undefined = values.snapshot === undefined ? pickClusterFlags(values) : undefined;
  if (values.snapshot === '') throw new UsageError('flag --snapshot: give a file (a cluster dump; - reads stdin)');
  const keepYoungerThan = values['keep-younger-than'];
  // The flags become an execution input, parsed as a run's is: one set of rules for every path to computePlan.
  const input: ExecutionInput = {
    keepTagRevisions: values['keep-tag-revisions'],
    keepYoungerThan: keepYoungerThan.text,
    all: values.all,
    ignoreInvalidRefs: values['ignore-invalid-refs'],
  };
  const now = (values.now ?? clock()).toISOString();
  return {
    snapshot: values.snapshot ?? '',
    ...(cluster ? { cluster } : {}),
    options: planOptionsOf(resolveRunOptions(input, {}, now)),
    keepYoungerThan: keepYoungerThan.text,
    output: values.output,
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
    const { snapshot, server } = await collectFromFlags(flags.cluster, io, 'plan');
    return { snapshot, source: `cluster ${server}` };
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
    // A UsageError goes up to cli/main.ts: exit status 2.
    const flags = parsePlanFlags(argv, opts.clock);
    if (!flags) {
      io.stdout.write(PLAN_HELP);
      return 0;
    }
    let loaded: LoadedSnapshot;
    try {
      loaded = await loadSnapshot(flags, io, opts.read);
    } catch (err) {
      if (err instanceof UsageError) throw err;
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
      // JSON.stringify(plan, null, 2) + newline, in small chunks: the text of a big plan is never held whole (cli/pretty-json.ts).
      writePrettyJson(plan, (chunk) => io.stdout.write(chunk), '\n');
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
