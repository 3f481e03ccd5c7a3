// image-pruner plan: computes the prune plan from a cluster dump, offline. It
// never deletes anything; it is what a person reads before confirming.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ExecutionInput } from '../../shared/workflow/contracts.js';
import { mergeRunOptions, planOptionsOf } from '../../shared/workflow/run-options.js';
import { computePlan, computePlanWithReasons } from '../../shared/core/plan.js';
import { DEFAULT_KEEP_TAG_REVISIONS, type Plan, type PlanOptions, type PlanReasonsSource } from '../../shared/core/plan-types.js';
import type { Snapshot } from '../../shared/core/snapshot.js';
import { InvalidReferencesError, PrunerError } from '../../shared/errors.js';
import { blobSizesOf, formatPlanTable } from '../format.js';
import { StreamedList, writePrettyJson } from '../pretty-json.js';
import type { CliIO, Command } from '../io.js';
import { readSnapshotFile, type ReadSnapshotOptions } from '../snapshot-input.js';
import { CLUSTER_FLAGS, CLUSTER_FLAGS_HELP, clusterFlagsGiven, collectFromFlags, pickClusterFlags, SNAPSHOT_WITH_CLUSTER_FLAGS, type ClusterFlagValues } from '../cluster-flags.js';
import { formatFlags, parseFlags, UsageError, type FlagSpecs } from '../flags.js';
import { PRUNE_OPTION_FLAGS, pruneOptionsInput } from '../prune-option-flags.js';
import { checkOutputFile } from '../output-path.js';

/** The flags of `plan` (explain takes the same). */
export const PLAN_FLAGS = {
  snapshot: { type: 'string', metavar: 'FILE', help: 'plan from this cluster dump instead of the live cluster' },
  // No default in the spec: over-size mode refuses them only when given (as oc).
  'keep-tag-revisions': { type: 'int', help: `newest revisions per tag that are always kept (default ${DEFAULT_KEEP_TAG_REVISIONS})` },
  'keep-younger-than': { type: 'duration', help: 'keep images, streams, revisions and pods younger than this (default 60m)' },
  now: { type: 'date', help: 'measure ages from this instant instead of the clock (e.g. 2026-11-01T00:00:00Z)' },
  all: { type: 'boolean', default: false, help: 'prune images not managed by OpenShift too' },
  'ignore-invalid-refs': { type: 'boolean', default: false, help: 'skip invalid image references with a warning instead of stopping' },
  output: { type: 'enum', short: 'o', values: ['table', 'json', 'html'], default: 'table', help: 'a report for people (default), the plan as JSON (with the reasons), or a\nself-contained HTML page with charts (docs/plan.md)' },
  out: { type: 'string', metavar: 'FILE', help: 'write the output to FILE instead of standard output' },
  // --num-workers is taken (and checked) so one set of flags works for plan, run and start; a plan deletes nothing.
  ...PRUNE_OPTION_FLAGS,
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
${formatFlags(PLAN_FLAGS)}
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
  output: 'table' | 'json' | 'html';
  /** Where the output goes; '-' is standard output. */
  out: string;
}

/** Parses the flags of `plan`; `undefined` means `--help` was asked for. Throws {@link UsageError}. */
export function parsePlanFlags(argv: string[], clock: () => Date = () => new Date()): PlanFlags | undefined {
  const values = parseFlags(argv, { ...CLUSTER_FLAGS, ...PLAN_FLAGS });
  if (!values) return undefined;
  if (clusterFlagsGiven(values) && values.snapshot !== undefined) throw new UsageError(SNAPSHOT_WITH_CLUSTER_FLAGS);
  // Without --snapshot, plan reads the live cluster as oc would: the cluster
  // flags given, else the default kubeconfig ($KUBECONFIG, ~/.kube/config).
  const cluster: ClusterFlagValues | undefined = values.snapshot === undefined ? pickClusterFlags(values) : undefined;
  if (values.snapshot === '') throw new UsageError('flag --snapshot: give a file (a cluster dump; - reads stdin)');
  if (values.out === '') throw new UsageError('flag --out: give a file (- is standard output)');
  // Before the snapshot is read: a plan of a big dump should not end with "cannot write FILE".
  if (values.out !== undefined) checkOutputFile('--out', values.out);
  // The flags become an execution input, resolved as a run's is: one set of
  // rules for every path to computePlan. Each flag is checked already, as
  // strictly as the input's schema checks its field (test/cli/plan-flags.test.ts
  // holds the two together), so the schemas are not loaded: zod is ~70 ms of
  // the start-up of every plan.
  const input: ExecutionInput = {
    all: values.all,
    ignoreInvalidRefs: values['ignore-invalid-refs'],
    ...pruneOptionsInput(values),
  };
  if (values['keep-tag-revisions'] !== undefined) input.keepTagRevisions = values['keep-tag-revisions'];
  if (values['keep-younger-than'] !== undefined) input.keepYoungerThan = values['keep-younger-than'].text;
  const now = (values.now ?? clock()).toISOString();
  const resolved = mergeRunOptions(input, {}, now);
  return {
    snapshot: values.snapshot ?? '',
    ...(cluster ? { cluster } : {}),
    options: planOptionsOf(resolved),
    keepYoungerThan: resolved.keepYoungerThan,
    output: values.output,
    out: values.out ?? '-',
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
    let reasons: PlanReasonsSource | undefined;
    try {
      // The JSON plan and the HTML report say why (the `reasons` field); the table does not need them.
      // The JSON's reasons are worked out as they are written, never held whole.
      if (flags.output === 'json') ({ plan, reasons } = computePlanWithReasons(snapshot, flags.options));
      else plan = computePlan(snapshot, flags.options, { reasons: flags.output === 'html' });
    } catch (err) {
      if (!(err instanceof InvalidReferencesError)) throw err;
      io.stderr.write(
        `image-pruner plan: ${err.offenders.length} invalid image reference(s); nothing is planned ` +
          `(fix them, or pass --ignore-invalid-refs to skip them with a warning):\n${err.offenders.map((o) => `  ${o}\n`).join('')}`,
      );
      return 1;
    }
    // Loaded only for --output html: the report's modules are start-up every other plan would pay.
    const planReportHtml = flags.output === 'html' ? (await import('../plan-report.js')).planReportHtml : undefined;
    // JSON is written in small chunks (cli/pretty-json.ts): the text of a big plan is never held whole.
    const emit = (write: (chunk: string) => void): void => {
      if (flags.output === 'json') {
        const streamed = reasons && { images: new StreamedList(reasons.images.bind(reasons)), revisions: new StreamedList(reasons.revisions.bind(reasons)) };
        writePrettyJson({ ...plan, reasons: streamed }, write, '\n');
      } else if (planReportHtml) {
        write(planReportHtml(plan, snapshot, flags, source));
      } else {
        write(
          formatPlanTable(plan, {
            blobSizes: blobSizesOf(snapshot.images),
            source,
            now: flags.options.now,
            keepTagRevisions: flags.options.keepTagRevisions,
            keepYoungerThan: flags.keepYoungerThan,
            all: flags.options.all,
            pruneOverSizeLimit: flags.options.pruneOverSizeLimit,
            namespace: flags.options.namespace,
            pruneRegistry: flags.options.pruneRegistry,
          }),
        );
      }
    };
    if (flags.out !== '-') {
      const fd = openSync(flags.out, 'w');
      try {
        emit((chunk) => writeSync(fd, chunk));
      } finally {
        closeSync(fd);
      }
      io.stderr.write(`image-pruner plan: wrote ${flags.out}\n`);
      return 0;
    }
    // `plan ... | head` closes the pipe early: that is the reader's choice, not an error.
    io.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
    emit((chunk) => io.stdout.write(chunk));
    return 0;
  };
}

/** `image-pruner plan`. */
export const planCommand: Command = makePlanCommand();
export default planCommand;
