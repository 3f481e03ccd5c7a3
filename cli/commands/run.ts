// image-pruner run: the prune workflow, locally. The state machine CDK
// synthesizes runs in-process with aws-local-stepfunctions; artifacts go to a
// local folder. Dry run unless --confirm.
import { resolve } from 'node:path';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import type { ClusterClient } from '../../shared/adapters/kubernetes/connection.js';
import { clusterBearerToken } from '../../shared/adapters/kubernetes/connection.js';
import { checkCluster } from '../../shared/adapters/kubernetes/reachability.js';
import { KubernetesCollector } from '../../shared/adapters/kubernetes/collector.js';
import { KubernetesClusterWriter } from '../../shared/adapters/kubernetes/writers.js';
import { RegistryDeleter } from '../../shared/adapters/registry/deleter.js';
import { openRegistryStorage, parseStorageUrl } from '../../shared/adapters/storage/storage-url.js';
import { resolveOrigins } from '../../shared/adapters/registry/client.js';
import { StorageBatchBlobDeleter } from '../../shared/workflow/storage-blobs.js';
import type { BlobDeleter, ImageDeleter, ImageStreamUpdater } from '../../shared/core/ports.js';
import { InvalidInputError } from '../../shared/errors.js';
import type { ExecutionInput } from '../../shared/workflow/contracts.js';
import { runKeys } from '../../shared/workflow/contracts.js';
import { CLUSTER_FLAGS, CLUSTER_FLAGS_HELP, clusterFlagsGiven, connectFromFlags, pickClusterFlags, SNAPSHOT_WITH_CLUSTER_FLAGS } from '../cluster-flags.js';
import { formatFlags, parseFlags, UsageError, type FlagSpecs } from '../flags.js';
import { PRUNE_OPTION_FLAGS, pruneOptionsInput } from '../prune-option-flags.js';
import type { CliIO, Command } from '../io.js';
import { checkOutputDir } from '../output-path.js';
import { readSnapshotFile } from '../snapshot-input.js';
import { formatReport, ProgressPrinter } from '../local-run/progress.js';
import { FolderRunLock } from '../local-run/run-lock.js';
import { leaseSecondsFor, RUN_TIMEOUT_SECONDS } from '../../shared/workflow/run-lock.js';
import { reportSkipped } from '../skipped.js';
import type { LocalPorts } from '../local-run/runner.js';
import { runLocally } from '../local-run/runner.js';
import { SnapshotClusterReader } from '../local-run/snapshot-reader.js';

const FLAGS = {
  confirm: { type: 'boolean', default: false, help: 'carry out the plan (default: dry run)' },
  snapshot: { type: 'string', metavar: 'FILE', help: 'plan from a cluster dump instead of a live cluster (dry run only)' },
  'registry-url': {
    type: 'url',
    schemes: ['https', 'http'],
    bareHost: true,
    check: (url) => void resolveOrigins(url, false),
    help: "the registry (https unless the URL says http://); default: the route\nthe image streams name (status.publicDockerImageRepository)",
  },
  'certificate-authority': { type: 'string', metavar: 'PATH', help: "PEM of the CA that signed the registry's certificate" },
  'registry-storage': {
    type: 'url',
    schemes: ['s3', 'file'],
    check: (url) => void parseStorageUrl(url),
    help: 'delete blobs in storage: s3://bucket/root or file:///path\n(a plain distribution registry has no blob delete endpoint)',
  },
  artifacts: { type: 'string', metavar: 'DIR', default: '.artifacts', help: 'where runs/<id>/ goes' },
  'keep-tag-revisions': { type: 'int', help: 'newest revisions per tag always kept (default 3)' },
  'keep-younger-than': { type: 'duration', help: 'keep anything younger than this (default 60m)' },
  now: { type: 'date', help: 'measure ages from this instant' },
  all: { type: 'boolean', default: false, help: 'prune images not managed by OpenShift too' },
  'ignore-invalid-refs': { type: 'boolean', default: false, help: 'skip invalid image references with a warning' },
  ...PRUNE_OPTION_FLAGS,
} as const satisfies FlagSpecs;

export const RUN_HELP = `Usage: image-pruner run [--confirm] [flags]

Runs the prune workflow (the Step Functions state machine that CDK synthesizes)
on this machine: collect, plan, and with --confirm delete registry data, update
image streams and delete Image objects, then report. Without --confirm nothing
is changed (dry run). Plans and the report are written under --artifacts.

Flags (booleans take --flag, --flag=true or --flag=false):
${formatFlags(FLAGS)}
${CLUSTER_FLAGS_HELP}
Note: as for oc adm prune images, --certificate-authority is the registry's CA;
the API server's is --cluster-certificate-authority.

Runs are one at a time per --artifacts folder: a run started while another
holds the folder's run lock does nothing and says which run holds it (exit 3).

Exit status: 0 run succeeded, 1 run failed or refused (see the report), 2 bad
flags, 3 skipped: another run holds the run lock.
`;

/** The flags of `run`, checked; undefined for --help. Throws {@link UsageError}. */
export function parseRunFlags(argv: string[]) {
  const v = parseFlags(argv, { ...FLAGS, ...CLUSTER_FLAGS });
  if (!v) return undefined;
  // Options left out stay out: the workflow applies its defaults (resolveRunOptions).
  const input: ExecutionInput = { confirm: v.confirm, all: v.all, ignoreInvalidRefs: v['ignore-invalid-refs'], ...pruneOptionsInput(v) };
  if (v['keep-tag-revisions'] !== undefined) input.keepTagRevisions = v['keep-tag-revisions'];
  if (v['keep-younger-than'] !== undefined) input.keepYoungerThan = v['keep-younger-than'].text;
  if (v.now !== undefined) input.now = v.now.toISOString();
  if (v.snapshot !== undefined && input.confirm) throw new UsageError('flag --snapshot: a dump can only be planned, not pruned; leave out --confirm');
  if (v.snapshot !== undefined && clusterFlagsGiven(v)) throw new UsageError(SNAPSHOT_WITH_CLUSTER_FLAGS);
  // The cluster's token goes with every delete: over plain http only when asked for, as oc does.
  if (v['registry-url'] !== undefined && /^http:\/\//i.test(v['registry-url']) && !v['force-insecure']) {
    throw new UsageError('flag --registry-url http://... needs --force-insecure: plain http would send the cluster token in clear (or use https)');
  }
  return { values: v, input, cluster: pickClusterFlags(v) };
}

/** Refuses every write: the ports of a run with nothing to write to (a snapshot). */
const NO_CLUSTER_WRITES: ImageStreamUpdater & ImageDeleter = {
  updateImageStream: () => Promise.reject(new InvalidInputError('run --snapshot: there is no cluster to update')),
  deleteImage: () => Promise.reject(new InvalidInputError('run --snapshot: there is no cluster to delete from')),
};

export const run: Command = async (argv: string[], io: CliIO): Promise<number> => {
  // A UsageError goes up to cli/main.ts: exit status 2.
  const flags = parseRunFlags(argv);
  if (!flags) {
    io.stdout.write(RUN_HELP);
    return 0;
  }
  const { values: v, input, cluster: clusterFlags } = flags;

  const artifactsDir = resolve(v.artifacts);
  // Before the cluster is read: artifacts that cannot be written fail now.
  checkOutputDir('--artifacts', artifactsDir);
  const artifacts = new LocalFolderArtifacts(artifactsDir);
  const closers: (() => Promise<void>)[] = [];
  try {
    let cluster: LocalPorts['cluster'];
    let writer: ImageStreamUpdater & ImageDeleter = NO_CLUSTER_WRITES;
    let clusterClient: ClusterClient | undefined;
    if (v.snapshot !== undefined) {
      const read = await readSnapshotFile(v.snapshot, io.stdin);
      cluster = new SnapshotClusterReader(read.snapshot);
    } else {
      clusterClient = await connectFromFlags(clusterFlags, io.env);
      closers.push(() => clusterClient!.close());
      // A server that is down or a rejected token is one line before the run starts.
      await checkCluster(clusterClient);
      cluster = new KubernetesCollector(clusterClient);
      writer = new KubernetesClusterWriter(clusterClient);
    }

    // The registry "Find the registry" chose: --registry-url, else the route the
    // image streams name (shared/workflow/registry-detection.ts). Opened once per URL.
    // The OpenShift registry takes the cluster user's token.
    const token = clusterClient ? await clusterBearerToken(clusterClient) : undefined;
    const registries = new Map<string, RegistryDeleter>();
    const registryAt = (url: string): RegistryDeleter => {
      let registry = registries.get(url);
      if (!registry) {
        registry = RegistryDeleter.fromOptions({ url, token, caFile: v['certificate-authority'], insecure: v['force-insecure'] ?? false });
        registries.set(url, registry);
        closers.push(() => registry!.close());
      }
      return registry;
    };
    let blobs: BlobDeleter | undefined;
    // --prune-registry=false: a --registry-storage given anyway is not even opened.
    const pruneRegistry = input.pruneRegistry !== false;
    if (pruneRegistry && v['registry-storage'] !== undefined) blobs = new StorageBatchBlobDeleter(openRegistryStorage(v['registry-storage']));

    const ports: LocalPorts = {
      artifacts,
      cluster,
      lock: new FolderRunLock(artifactsDir, { leaseSeconds: leaseSecondsFor(RUN_TIMEOUT_SECONDS.prune) }),
      registryAt,
      ...(blobs ? { blobs } : {}),
      clusterWriter: writer,
      ...(v['registry-url'] !== undefined ? { settings: { registryUrl: v['registry-url'] } } : {}),
    };
    const printer = new ProgressPrinter(io.stderr);
    const result = await runLocally({ input, ports, onProgress: (p) => printer.update(p) });
    printer.finish();
    if (result.status === 'skipped' && result.skipped) return reportSkipped(io, 'image-pruner run', result.skipped);
    if (result.report) io.stdout.write(formatReport(result.report, artifacts.locate(result.report.reportKey), artifacts.locate(runKeys.reportHtml(result.report.runId))));
    if (result.status === 'failed') {
      io.stderr.write(`image-pruner run: the run failed: ${result.error?.name ?? 'Error'}: ${result.error?.message ?? ''}\n`);
      return 1;
    }
    return 0;
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
};

export default run;
