// image-pruner run: the prune workflow, locally. The state machine CDK
// synthesizes runs in-process with aws-local-stepfunctions; artifacts go to a
// local folder. Dry run unless --confirm.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import type { ClusterClient } from '../../shared/adapters/kubernetes/connection.js';
import { clusterBearerToken, connectCluster } from '../../shared/adapters/kubernetes/connection.js';
import { KubernetesCollector } from '../../shared/adapters/kubernetes/collector.js';
import { KubernetesClusterWriter } from '../../shared/adapters/kubernetes/writers.js';
import { RegistryDeleter } from '../../shared/adapters/registry/deleter.js';
import { openRegistryStorage } from '../../shared/adapters/storage/storage-url.js';
import { StorageBatchBlobDeleter } from '../../shared/workflow/storage-blobs.js';
import { parseDuration } from '../../shared/core/duration.js';
import type { BlobDeleter, ImageDeleter, ImageStreamUpdater } from '../../shared/core/ports.js';
import { InvalidInputError } from '../../shared/errors.js';
import type { ExecutionInput } from '../../shared/workflow/contracts.js';
import { CLUSTER_FLAGS, CLUSTER_FLAGS_HELP, clusterFlagsGiven, connectionOptionsFromFlags, type ClusterFlagValues } from '../cluster-flags.js';
import type { CliIO, Command } from '../io.js';
import { readSnapshotFile } from '../snapshot-input.js';
import { formatReport, ProgressPrinter } from '../local-run/progress.js';
import { FolderRunLock } from '../local-run/run-lock.js';
import type { LocalPorts } from '../local-run/runner.js';
import { runLocally } from '../local-run/runner.js';
import { SnapshotClusterReader } from '../local-run/snapshot-reader.js';

export const RUN_HELP = `Usage: image-pruner run [--confirm] [flags]

Runs the prune workflow (the Step Functions state machine that CDK synthesizes)
on this machine: collect, plan, and with --confirm delete registry data, update
image streams and delete Image objects, then report. Without --confirm nothing
is changed (dry run). Plans and the report are written under --artifacts.

Flags:
  --confirm                      carry out the plan (default: dry run)
  --snapshot FILE                plan from a cluster dump instead of a live cluster (dry run only)
  --registry-url URL             the registry (https unless the URL says http://)
  --certificate-authority PATH   PEM of the CA that signed the registry's certificate
  --force-insecure               allow plain http and unverified TLS to the registry
  --registry-storage URL         delete blobs in storage: s3://bucket/root or file:///path
                                 (a plain distribution registry has no blob delete endpoint)
  --artifacts DIR                where runs/<id>/ goes (default .artifacts)
  --keep-tag-revisions N         newest revisions per tag always kept (default 3)
  --keep-younger-than DUR        keep anything younger than this (default 60m)
  --now ISO-8601                 measure ages from this instant
  --all                          prune images not managed by OpenShift too
  --ignore-invalid-refs          skip invalid image references with a warning
  -h, --help                     show this help
${CLUSTER_FLAGS_HELP}
Note: as for oc adm prune images, --certificate-authority is the registry's CA;
the API server's is --cluster-certificate-authority.

Exit status: 0 run succeeded, 1 run failed or refused (see the report), 2 bad flags.
`;

const FLAGS = {
  ...CLUSTER_FLAGS,
  confirm: { type: 'boolean' },
  snapshot: { type: 'string' },
  'registry-url': { type: 'string' },
  'certificate-authority': { type: 'string' },
  'force-insecure': { type: 'boolean' },
  'registry-storage': { type: 'string' },
  artifacts: { type: 'string' },
  'keep-tag-revisions': { type: 'string' },
  'keep-younger-than': { type: 'string' },
  now: { type: 'string' },
  all: { type: 'boolean' },
  'ignore-invalid-refs': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A flag the user got wrong (exit status 2). */
export class RunUsageError extends InvalidInputError {
  constructor(message: string) {
    super(message);
    this.name = 'RunUsageError';
  }
}

function executionInput(v: Record<string, string | boolean | undefined>): ExecutionInput {
  const input: ExecutionInput = { confirm: v.confirm === true, all: v.all === true, ignoreInvalidRefs: v['ignore-invalid-refs'] === true };
  if (typeof v['keep-tag-revisions'] === 'string') {
    const n = Number(v['keep-tag-revisions']);
    if (!/^\d+$/.test(v['keep-tag-revisions']) || !Number.isSafeInteger(n)) throw new RunUsageError(`flag --keep-tag-revisions: "${v['keep-tag-revisions']}" is not a whole number >= 0`);
    input.keepTagRevisions = n;
  }
  if (typeof v['keep-younger-than'] === 'string') {
    parseDuration(v['keep-younger-than'], 'flag --keep-younger-than');
    input.keepYoungerThan = v['keep-younger-than'];
  }
  if (typeof v.now === 'string') {
    if (Number.isNaN(Date.parse(v.now))) throw new RunUsageError(`flag --now: "${v.now}" is not an ISO-8601 timestamp`);
    input.now = new Date(v.now).toISOString();
  }
  return input;
}

/** Refuses every write: the ports of a run with nothing to write to (a snapshot). */
const NO_CLUSTER_WRITES: ImageStreamUpdater & ImageDeleter = {
  updateImageStream: () => Promise.reject(new InvalidInputError('run --snapshot: there is no cluster to update')),
  deleteImage: () => Promise.reject(new InvalidInputError('run --snapshot: there is no cluster to delete from')),
};

export const run: Command = async (argv: string[], io: CliIO): Promise<number> => {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({ args: argv, options: FLAGS, allowPositionals: false, strict: true }).values as typeof v;
  } catch (err) {
    io.stderr.write(`image-pruner run: ${(err as Error).message}\n\nRun "image-pruner run --help" for the flags.\n`);
    return 2;
  }
  if (v.help) {
    io.stdout.write(RUN_HELP);
    return 0;
  }
  let input: ExecutionInput;
  try {
    input = executionInput(v);
    if (typeof v.snapshot === 'string' && input.confirm) throw new RunUsageError('flag --snapshot: a dump can only be planned, not pruned; leave out --confirm');
    if (typeof v.snapshot === 'string' && clusterFlagsGiven(v as ClusterFlagValues)) throw new RunUsageError('flag --snapshot cannot be combined with cluster flags');
    if (input.confirm && typeof v['registry-url'] !== 'string') throw new RunUsageError('flag --confirm needs --registry-url (the registry to delete from)');
  } catch (err) {
    if (err instanceof InvalidInputError) {
      io.stderr.write(`image-pruner run: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const artifactsDir = resolve(typeof v.artifacts === 'string' ? v.artifacts : '.artifacts');
  const artifacts = new LocalFolderArtifacts(artifactsDir);
  const closers: (() => Promise<void>)[] = [];
  try {
    let cluster: LocalPorts['cluster'];
    let writer: ImageStreamUpdater & ImageDeleter = NO_CLUSTER_WRITES;
    let clusterClient: ClusterClient | undefined;
    if (typeof v.snapshot === 'string') {
      const read = await readSnapshotFile(v.snapshot, io.stdin);
      cluster = new SnapshotClusterReader(read.snapshot);
    } else {
      clusterClient = await connectCluster(connectionOptionsFromFlags(v as ClusterFlagValues, io.env));
      closers.push(() => clusterClient!.close());
      cluster = new KubernetesCollector(clusterClient);
      writer = new KubernetesClusterWriter(clusterClient);
    }

    let registry: RegistryDeleter | undefined;
    if (typeof v['registry-url'] === 'string') {
      // The OpenShift registry takes the cluster user's token.
      const token = clusterClient ? await clusterBearerToken(clusterClient) : undefined;
      registry = RegistryDeleter.fromOptions({
        url: v['registry-url'],
        token,
        caFile: typeof v['certificate-authority'] === 'string' ? v['certificate-authority'] : undefined,
        insecure: v['force-insecure'] === true,
      });
      closers.push(() => registry!.close());
    }
    let blobs: BlobDeleter | undefined = registry;
    if (typeof v['registry-storage'] === 'string') blobs = new StorageBatchBlobDeleter(openRegistryStorage(v['registry-storage']));

    const refuse = (what: string) => () => Promise.reject(new InvalidInputError(`no registry to ${what}`));
    const ports: LocalPorts = {
      artifacts,
      cluster,
      lock: new FolderRunLock(artifactsDir),
      registry: registry ?? { checkHealth: () => Promise.reject(new InvalidInputError('no --registry-url given')), deleteManifest: refuse('delete manifests from'), deleteLayerLink: refuse('delete layer links from') },
      blobs: blobs ?? { deleteBlob: refuse('delete blobs from') },
      clusterWriter: writer,
    };
    const printer = new ProgressPrinter(io.stderr);
    const result = await runLocally({ input, ports, onProgress: (p) => printer.update(p) });
    printer.finish();
    if (result.report) io.stdout.write(formatReport(result.report, artifacts.locate(result.report.reportKey)));
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
