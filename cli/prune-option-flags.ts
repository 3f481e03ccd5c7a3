// The prune options oc adm prune images has besides the keep options, declared
// once for plan, run and start (named as oc names them), and their one step to
// the execution input: --prune-over-size-limit, --namespace/-n,
// --prune-registry and --num-workers.
import type { ExecutionInput } from '../shared/workflow/contracts.js';
import { DEFAULT_NUM_WORKERS, isDns1123Label, MAX_MAP_CONCURRENCY, notANamespace } from '../shared/workflow/run-options.js';
import { UsageError, type FlagSpecs } from './flags.js';

/**
 * The flags (see cli/flags.ts), to spread into a command's own. The booleans
 * have no default here, so a flag left out stays out of the execution input
 * and the deployment's (or the rules') default applies.
 */
export const PRUNE_OPTION_FLAGS = {
  'prune-over-size-limit': {
    type: 'boolean',
    help: "prune images over their namespace's LimitRange (type openshift.io/Image,\nmax storage), whatever their age or revision; not with the keep flags",
  },
  namespace: { type: 'string', short: 'n', metavar: 'NS', help: "trim only this namespace's image streams; no Image is deleted" },
  'prune-registry': {
    type: 'boolean',
    help: 'delete registry links and blobs (default true); false contacts no registry:\nonly image streams and Images change, hard-prune reclaims the storage later',
  },
  'num-workers': { type: 'int', min: 1, max: MAX_MAP_CONCURRENCY, help: `batches of registry deletes at once (default ${DEFAULT_NUM_WORKERS})` },
} as const satisfies FlagSpecs;

/** oc's words, word for word, so a script that worked with oc fails the same way. */
export const OVER_SIZE_WITH_KEEP_FLAGS = '--prune-over-size-limit cannot be specified with --keep-tag-revisions nor --keep-younger-than';

/** The parsed values {@link pruneOptionsInput} reads: these flags and the keep flags (undefined unless given). */
export interface PruneOptionValues {
  'prune-over-size-limit'?: boolean;
  namespace?: string;
  'prune-registry'?: boolean;
  'num-workers'?: number;
  'keep-tag-revisions'?: number;
  'keep-younger-than'?: unknown;
}

/**
 * The execution input fields of these flags, only those given. Throws
 * {@link UsageError} for over-size mode with an explicit keep flag (as oc) and
 * for a namespace name the API server would refuse.
 */
export function pruneOptionsInput(v: PruneOptionValues): Pick<ExecutionInput, 'pruneOverSizeLimit' | 'namespace' | 'pruneRegistry' | 'numWorkers'> {
  if (v['prune-over-size-limit'] === true && (v['keep-tag-revisions'] !== undefined || v['keep-younger-than'] !== undefined)) {
    throw new UsageError(OVER_SIZE_WITH_KEEP_FLAGS);
  }
  if (v.namespace !== undefined && !isDns1123Label(v.namespace)) throw new UsageError(`flag --namespace: ${notANamespace(v.namespace)}`);
  const input: Pick<ExecutionInput, 'pruneOverSizeLimit' | 'namespace' | 'pruneRegistry' | 'numWorkers'> = {};
  if (v['prune-over-size-limit'] !== undefined) input.pruneOverSizeLimit = v['prune-over-size-limit'];
  if (v.namespace !== undefined) input.namespace = v.namespace;
  if (v['prune-registry'] !== undefined) input.pruneRegistry = v['prune-registry'];
  if (v['num-workers'] !== undefined) input.numWorkers = v['num-workers'];
  return input;
}
