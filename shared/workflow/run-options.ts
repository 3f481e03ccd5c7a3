// The run options without their schemas: the constants, the defaults, and the
// steps from a validated execution input to the options of a run and on to
// what computePlan reads. No zod here: `image-pruner plan`, whose flags are
// already checked one by one, gets its options through these without loading
// the schema library (~70 ms of a plan's start-up). The schemas of
// ./schemas/prune.ts validate what a person or a deployment writes and end in
// the same mergeRunOptions.
import { parseDuration } from '../core/duration.js';
import { DEFAULT_KEEP_TAG_REVISIONS, type PlanOptions } from '../core/plan-types.js';
import { InvalidInputError } from '../errors.js';
import type { ExecutionInput, RunDefaults, RunOptions } from './schemas/prune.js';

/** Child executions a Distributed Map may run at once (Step Functions' limit): the most `numWorkers` may be. */
export const MAX_MAP_CONCURRENCY = 10_000;

// A Kubernetes namespace name: a DNS-1123 label, as the API server checks it.
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** True when `name` is a DNS-1123 label (what a namespace name must be): at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit. */
export function isDns1123Label(name: string): boolean {
  return name.length <= 63 && DNS_1123_LABEL.test(name);
}

/** What a bad namespace name is told (after its path or flag). */
export function notANamespace(name: string): string {
  return `${JSON.stringify(name)} is not a namespace name (a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit)`;
}

/** oc's words for over-size mode with explicit keep options, in the field names of an execution input or props. */
export const OVER_SIZE_WITH_KEEP = 'pruneOverSizeLimit cannot be combined with keepTagRevisions nor keepYoungerThan (over-size mode ignores both, as oc adm prune images)';

/**
 * Delete batches at once when nobody says otherwise: 10, the Distributed Maps'
 * concurrency before `numWorkers` existed (oc's --num-workers defaults to 5
 * goroutines of one delete each; a batch here keeps up to itemConcurrency
 * deletes in flight, so 10 batches already go well past oc).
 */
export const DEFAULT_NUM_WORKERS = 10;

/** Defaults when neither the execution input nor the construct's props say otherwise (`namespace` absent: every namespace). */
export const DEFAULT_RUN_OPTIONS: Omit<RunOptions, 'now' | 'namespace'> = {
  confirm: false,
  keepTagRevisions: DEFAULT_KEEP_TAG_REVISIONS,
  keepYoungerThan: '60m',
  all: false,
  ignoreInvalidRefs: false,
  pruneOverSizeLimit: false,
  pruneRegistry: true,
  numWorkers: DEFAULT_NUM_WORKERS,
};

/** `o` without the keys whose value is undefined, so spreading it keeps what it does not set. */
function given<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The rules' options of a run: the one step from the parsed execution input
 * (the same for a Lambda run, `image-pruner run` and `image-pruner plan`) to
 * what computePlan reads.
 */
export function planOptionsOf(o: RunOptions): PlanOptions {
  return {
    keepTagRevisions: o.keepTagRevisions,
    keepYoungerThanMs: parseDuration(o.keepYoungerThan, 'keepYoungerThan'),
    now: new Date(o.now),
    all: o.all,
    ignoreInvalidRefs: o.ignoreInvalidRefs,
    pruneOverSizeLimit: o.pruneOverSizeLimit,
    // Absent, not undefined: "every namespace".
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    pruneRegistry: o.pruneRegistry,
  };
}

/**
 * The options of a run from a validated execution input and the deployment's
 * validated defaults: the input's fields, else the defaults, else
 * {@link DEFAULT_RUN_OPTIONS}; `now` defaults to `start`. Throws
 * InvalidInputError when the deployment's over-size mode meets this input's
 * keep option.
 */
export function mergeRunOptions(fromInput: ExecutionInput, fromProps: RunDefaults, start: string): RunOptions {
  const options: RunOptions = { ...DEFAULT_RUN_OPTIONS, ...given(fromProps), ...given(fromInput), now: fromInput.now ?? start };
  // The deployment's over-size mode and this execution's keep option: the input asks for both at once.
  const keep = fromInput.keepTagRevisions !== undefined ? 'keepTagRevisions' : fromInput.keepYoungerThan !== undefined ? 'keepYoungerThan' : undefined;
  if (options.pruneOverSizeLimit && keep) {
    throw new InvalidInputError(`execution input.${keep}: ${OVER_SIZE_WITH_KEEP}; the deployment defaults to pruneOverSizeLimit: give pruneOverSizeLimit: false with it`);
  }
  return options;
}
