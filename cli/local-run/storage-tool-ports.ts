// The local adapters of `image-pruner hard-prune` and `image-pruner fsck`:
// artifacts in a folder with its run lock (as `image-pruner run`), the
// cluster from the cluster flags or a --snapshot file, and, for fsck
// --recover, the cluster writer.
import { resolve } from 'node:path';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import type { ClusterClient } from '../../shared/adapters/kubernetes/connection.js';
import { KubernetesCollector } from '../../shared/adapters/kubernetes/collector.js';
import { KubernetesClusterWriter } from '../../shared/adapters/kubernetes/writers.js';
import type { RegistryStorage } from '../../shared/adapters/storage/index.js';
import { connectFromFlags, progressLines, type ClusterFlagValues } from '../cluster-flags.js';
import type { CliIO } from '../io.js';
import { readSnapshotFile } from '../snapshot-input.js';
import { leaseSecondsFor, RUN_TIMEOUT_SECONDS } from '../../shared/workflow/run-lock.js';
import { FolderRunLock } from './run-lock.js';
import { SnapshotClusterReader } from './snapshot-reader.js';
import type { StorageToolPorts } from './storage-tools.js';

/** Where a storage-tool command's inputs come from. */
export interface StorageToolSources {
  /** Which command, for progress lines. */
  command: string;
  storage: RegistryStorage;
  /** A dump instead of the cluster (the flag parser already refused it with cluster flags). */
  snapshot?: string;
  cluster: Record<string, string | boolean | undefined>;
  /** Also open the cluster for writes (fsck --recover). */
  write?: boolean;
  /** The artifacts folder; runs go to `<dir>/runs/<id>/`. */
  artifactsDir: string;
}

/** The ports of one local run, the folder they write to, and what to close afterwards. */
export interface OpenedStorageToolPorts {
  ports: StorageToolPorts & { artifacts: LocalFolderArtifacts };
  close(): Promise<void>;
}

/** Default artifacts folder, as for `image-pruner run`. */
export const DEFAULT_ARTIFACTS_DIR = '.artifacts';

/**
 * Opens the ports. Throws UsageError for a wrong cluster flag (exit 2)
 * and the snapshot reader's errors for a bad file.
 */
export async function openStorageToolPorts(s: StorageToolSources, io: Pick<CliIO, 'env' | 'stdin' | 'stderr'>): Promise<OpenedStorageToolPorts> {
  const dir = resolve(s.artifactsDir);
  const base = { artifacts: new LocalFolderArtifacts(dir), storage: s.storage, lock: new FolderRunLock(dir, { leaseSeconds: leaseSecondsFor(RUN_TIMEOUT_SECONDS.storageTools) }) };
  if (s.snapshot !== undefined) {
    const { snapshot } = await readSnapshotFile(s.snapshot, io.stdin);
    return { ports: { ...base, cluster: new SnapshotClusterReader(snapshot) }, close: async () => undefined };
  }
  const client: ClusterClient = await connectFromFlags(s.cluster as ClusterFlagValues, io.env);
  const cluster = new KubernetesCollector(client, { onProgress: progressLines(io.stderr, `image-pruner ${s.command}`) });
  return {
    ports: { ...base, cluster, ...(s.write ? { clusterWriter: new KubernetesClusterWriter(client) } : {}) },
    close: () => client.close(),
  };
}
