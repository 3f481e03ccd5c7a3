// The flags of the storage tools, hard-prune and fsck, on the one flag parser
// (cli/flags.ts): their declarations, help texts and the checks of how they
// combine. What the tools do with them is in hard-prune.ts and fsck.ts.
import { parseStorageUrl } from '../../shared/adapters/storage/storage-url.js';
import { formatDuration } from '../../shared/core/duration.js';
import { DEFAULT_KEEP_YOUNGER_THAN_MS } from '../../shared/core/plan-types.js';
import { CLUSTER_FLAGS, CLUSTER_FLAGS_HELP, SNAPSHOT_WITH_CLUSTER_FLAGS } from '../cluster-flags.js';
import { formatFlags, parseFlags, UsageError, type FlagSpecs } from '../flags.js';


const REGISTRY_STORAGE = {
  type: 'url',
  schemes: ['s3', 'file'],
  // The scheme alone does not show a bad bucket name or an unknown option: the storage adapter's own parser does.
  check: (url: string) => void parseStorageUrl(url),
  help: 's3://bucket/rootdirectory[?endpoint=URL&region=R&force-path-style=true]\nor file:///rootdirectory (the registry\'s storage root)',
} as const;

const OUTPUT = { type: 'enum', short: 'o', values: ['table', 'json'], default: 'table', help: 'a report for people (default) or JSON' } as const;

const HARD_PRUNE_FLAGS = {
  'registry-storage': REGISTRY_STORAGE,
  snapshot: { type: 'string', metavar: 'FILE', help: 'read Images and ImageStreams from a dump instead of the cluster (dry run only)' },
  'keep-younger-than': { type: 'duration', help: 'never delete blobs modified less than this long ago (default 60m)' },
  concurrency: { type: 'int', min: 1, max: 256, default: 16, help: 'batches of 8 blob prefixes (of 256) swept at once' },
  confirm: { type: 'boolean', default: false, help: 'delete (default: dry run, nothing is changed)' },
  'registry-read-only-confirmed': { type: 'boolean', default: false, help: 'required with --confirm: you have made the registry read-only' },
  output: OUTPUT,
  ...CLUSTER_FLAGS,
} as const satisfies FlagSpecs;

const FSCK_FLAGS = {
  'registry-storage': REGISTRY_STORAGE,
  namespace: { type: 'string', metavar: 'NS', help: "check only this namespace's streams, repositories and their images" },
  snapshot: { type: 'string', metavar: 'FILE', help: 'read Images and ImageStreams from a dump (not with --recover)' },
  recover: { type: 'boolean', default: false, help: 'restore what storage still holds: lost manifests, missing Images, missing links' },
  concurrency: { type: 'int', min: 1, max: 256, default: 16, help: 'batches of 8 blob prefixes checked at once' },
  output: OUTPUT,
  ...CLUSTER_FLAGS,
} as const satisfies FlagSpecs;

/** The flags of a storage tool without the cluster flags (those have their own help section). */
function ownFlags(specs: FlagSpecs): FlagSpecs {
  return Object.fromEntries(Object.entries(specs).filter(([name]) => !(name in CLUSTER_FLAGS)));
}

export const HARD_PRUNE_HELP = `Usage: image-pruner hard-prune --registry-storage URL (cluster flags | --snapshot FILE) [flags]

Sweeps the registry's storage directly. Every blob of every Image in the
cluster (managed or not, any age, children of manifest lists included) is kept,
and every blob of a manifest some stream's history names even without Image;
then, in storage:
  - a repository with no image stream of its name is removed whole, unless it
    holds an upload or links a blob younger than --keep-younger-than;
  - a manifest revision link is removed when its digest is not in the history
    of the repository's image stream (nor a child of a manifest that is);
  - a layer link is removed when its blob is not kept;
  - a blob is deleted when it is not kept and is older than --keep-younger-than
    (a younger one may belong to a push in progress).
Folders below repositories/ whose names are not repository names are reported
and left alone. Dry run by default: prints what would go, per repository, with
counts and bytes (and each digest and link when there are at most 50; all of
them with --output json).

Refused, with nothing deleted: a storage location that is not a registry root
(no docker/registry/v2/); a cluster or snapshot with no Image while storage
holds manifests; --confirm with --snapshot (a dump taken before a push would
delete that push).

The registry must be read-only while hard prune deletes (a push that finishes
during the sweep could lose its blobs): set storage.maintenance.readonly.enabled
in the registry's configuration (OpenShift: oc patch configs.imageregistry.operator.openshift.io
cluster --type merge -p '{"spec":{"readOnly":true}}'), run hard-prune --confirm
--registry-read-only-confirmed, then make it writable again.

Flags (booleans take --flag, --flag=true or --flag=false):
${formatFlags(ownFlags(HARD_PRUNE_FLAGS))}

${CLUSTER_FLAGS_HELP}
Exit status: 0 done, 1 a deletion failed or bad input, 2 bad flags, 3 skipped:
another run holds the run lock of the --artifacts folder.
`;

export const FSCK_HELP = `Usage: image-pruner fsck --registry-storage URL [cluster flags | --snapshot FILE] [flags]

Checks the cluster against the registry's storage and reports, each with what
to do about it:
  - broken revisions: image stream revisions whose Image object is missing
    (saying when storage still holds the manifest);
  - broken images: managed Images (and children of manifest lists without an
    Image) whose manifest, config or layer blobs are missing from storage, with
    the tags that point at them;
  - missing links: revisions whose revision or layer links are missing from
    their repository although the blobs are there (pulls answer 404);
  - lost manifests: manifests in a repository's storage that no tag of its
    image stream reaches;
  - invalid repository folders: names no repository can have (not checked).
A path that is not a registry root is refused.
With --recover, after checking that each manifest's config and layers are in
storage (a manifest with a missing blob is never restored): each lost manifest
is tagged in its stream as lost-found-<hex digest> (the stream is created when
missing, the Image recreated from storage when missing); the missing Image a
revision names is recreated from storage; missing links whose blobs are present
are written again (the only change fsck makes to storage). Labels, annotations
and the original tag names cannot be recovered.

Flags (booleans take --flag, --flag=true or --flag=false):
${formatFlags(ownFlags(FSCK_FLAGS))}

${CLUSTER_FLAGS_HELP}
Exit status: 0 nothing found (or everything found was recovered), 1 findings
remain or bad input, 2 bad flags, 3 skipped: another run holds the run lock of
the --artifacts folder.
`;

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

/** The flags of fsck, checked. */
export interface FsckFlags {
  storage: string;
  namespace?: string;
  snapshot?: string;
  cluster: Record<string, string | boolean | undefined>;
  recover: boolean;
  concurrency: number;
  output: 'table' | 'json';
}

/** The flags both storage tools take, checked: storage, where Images come from, concurrency, output. */
export interface StorageToolFlags {
  /** Every flag's parsed value, by long name (see cli/flags.ts for the types). */
  values: Record<string, unknown>;
  storage: string;
  snapshot?: string;
  cluster: Record<string, string | boolean | undefined>;
  concurrency: number;
  output: 'table' | 'json';
}

/**
 * Parses the flags shared by hard-prune and fsck against `specs` (which must
 * hold them: --registry-storage, --snapshot, --concurrency, --output and the
 * cluster flags); undefined for --help. Throws {@link UsageError}.
 */
export function parseStorageToolFlags(argv: string[], specs: FlagSpecs): StorageToolFlags | undefined {
  const values = parseFlags(argv, specs) as Record<string, unknown> | undefined;
  if (!values) return undefined;
  const storage = values['registry-storage'];
  if (typeof storage !== 'string' || storage === '') throw new UsageError('flag --registry-storage URL is required (s3://bucket/root or file:///path)');
  const cluster: Record<string, string | boolean | undefined> = {};
  // `--in-cluster=false` says the same as leaving the flag out.
  for (const k of Object.keys(CLUSTER_FLAGS)) cluster[k] = values[k] === false ? undefined : (values[k] as string | boolean | undefined);
  const snapshot = values.snapshot as string | undefined;
  if (snapshot !== undefined && Object.values(cluster).some((v) => v !== undefined)) throw new UsageError(SNAPSHOT_WITH_CLUSTER_FLAGS);
  return { values, storage, snapshot, cluster, concurrency: values.concurrency as number, output: values.output as 'table' | 'json' };
}

/** Parses the flags of hard-prune; undefined for --help. Throws {@link UsageError}. */
export function parseHardPruneFlags(argv: string[]): HardPruneFlags | undefined {
  const common = parseStorageToolFlags(argv, HARD_PRUNE_FLAGS);
  if (!common) return undefined;
  const values = common.values as { 'keep-younger-than'?: { text: string; ms: number }; confirm: boolean; 'registry-read-only-confirmed': boolean };
  const keepYoungerThan = values['keep-younger-than'] ?? { text: formatDuration(DEFAULT_KEEP_YOUNGER_THAN_MS), ms: DEFAULT_KEEP_YOUNGER_THAN_MS };
  if (values.confirm && !values['registry-read-only-confirmed']) {
    throw new UsageError(
      'flag --confirm needs --registry-read-only-confirmed: the registry must be read-only while hard prune deletes, ' +
        'or an image pushed during the sweep can lose its blobs. Make it read-only, then add the flag.',
    );
  }
  if (values.confirm && common.snapshot !== undefined) {
    throw new UsageError(
      'flag --confirm cannot be used with --snapshot: a dump taken before a push would delete that push. ' +
        'A dry run from a snapshot is fine; delete with cluster flags (the live cluster).',
    );
  }
  return {
    storage: common.storage,
    snapshot: common.snapshot,
    cluster: common.cluster,
    keepYoungerThanMs: keepYoungerThan.ms,
    keepYoungerThan: keepYoungerThan.text,
    concurrency: common.concurrency,
    confirm: values.confirm,
    output: common.output,
  };
}

/** Parses the flags of fsck; undefined for --help. Throws {@link UsageError}. */
export function parseFsckFlags(argv: string[]): FsckFlags | undefined {
  const common = parseStorageToolFlags(argv, FSCK_FLAGS);
  if (!common) return undefined;
  const namespace = common.values.namespace as string | undefined;
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) throw new UsageError(`flag --namespace: "${namespace}" is not a namespace name`);
  const recover = common.values.recover === true;
  if (recover && common.snapshot !== undefined) throw new UsageError('flag --recover writes through the cluster API: give cluster flags, not --snapshot');
  const { storage, snapshot, cluster, concurrency, output } = common;
  return { storage, namespace, snapshot, cluster, recover, concurrency, output };
}
