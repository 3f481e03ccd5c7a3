// "Recover lost manifests", the Fsck state machine's task after the checks
// when the execution input says `confirm` (`image-pruner fsck --recover`):
// each lost manifest is tagged in its stream as `lost-found-<hex>` through the
// cluster API, creating the stream when it is missing and recreating the Image
// from the manifest in storage when it is missing. Storage is only read. The
// order of the writes is shared/core/fsck.ts's recoveryActions.
import { repositoryOfStream } from '../../core/repository.js';
import type { ArtifactStore } from '../../adapters/artifacts/artifact-store.js';
import { putJson } from '../../adapters/artifacts/artifact-store.js';
import type { ClusterCreator } from '../../adapters/kubernetes/writers.js';
import type { RegistryStorage } from '../../adapters/storage/index.js';
import { imageFromManifest, recoveryActions } from '../../core/fsck.js';
import type { Image, ImageStream } from '../../core/kube-types.js';
import { InvalidInputError } from '../../errors.js';
import { parseToolState, readCollected } from './common.js';
import type { RecoverResult } from './contracts.js';
import { toolKeys } from './contracts.js';
import { readLostManifests } from './fsck.js';
import type { LostManifestReport } from './reports.js';

/**
 * The `host/namespace/name` a recovered Image's reference starts with: the
 * stream's own repository when it says; else the host the streams or the
 * managed Images use; else just `namespace/name`.
 */
export function dockerImageRepositoryFor(repository: string, images: readonly Image[], streams: readonly ImageStream[]): string {
  for (const s of streams) {
    if (repositoryOfStream(s) === repository && s.status?.dockerImageRepository) return s.status.dockerImageRepository;
  }
  const hosts = new Map<string, number>();
  const count = (ref: string | undefined, tail: number) => {
    const parts = ref?.split('@')[0].split('/') ?? [];
    if (parts.length === tail + 1 && /[.:]|^localhost$/.test(parts[0])) hosts.set(parts[0], (hosts.get(parts[0]) ?? 0) + 1);
  };
  for (const s of streams) count(s.status?.dockerImageRepository, 2);
  for (const i of images) if (i.metadata.annotations?.['openshift.io/image.managed'] === 'true') count(i.dockerImageReference, 2);
  const host = [...hosts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
  return host ? `${host}/${repository}` : repository;
}

/** What recovery needs besides the findings: the collected cluster, the manifests read from storage, and the clock. */
interface RecoveryContext {
  images: readonly Image[];
  streams: readonly ImageStream[];
  manifests: ReadonlyMap<string, string>;
  now: Date;
}

/**
 * Carries out the recovery actions, setting `recoveredAs` or `problem` on each
 * finding (mutated). A failed write is recorded on the findings it concerns and
 * recovery goes on: every write is idempotent, so running fsck again finishes it.
 */
export async function recoverFindings(lost: LostManifestReport[], cluster: ClusterCreator, c: RecoveryContext): Promise<void> {
  const existing = new Map(c.images.map((i) => [i.metadata.name, i]));
  const rebuilt = new Map<string, Image>();
  const failedStreams = new Set<string>();
  const byKey = new Map(lost.map((f) => [`${f.repository}@${f.digest}`, f]));
  const fail = (repository: string, digest: string | undefined, why: string) => {
    for (const f of lost) if (f.repository === repository && (digest === undefined || f.digest === digest) && !f.problem) f.problem = why;
  };
  for (const action of recoveryActions(lost.filter((f) => f.recoverable))) {
    const repository = action.action === 'create-image' ? action.repository : `${action.namespace}/${action.name}`;
    try {
      if (action.action === 'create-stream') {
        await cluster.createImageStream(action.namespace, action.name);
      } else if (action.action === 'create-image') {
        const manifest = c.manifests.get(action.digest);
        if (manifest === undefined) {
          fail(repository, action.digest, 'its manifest blob is missing from storage, so its Image cannot be recreated');
          continue;
        }
        const image = imageFromManifest({ digest: action.digest, manifest, dockerImageRepository: dockerImageRepositoryFor(repository, c.images, c.streams), now: c.now });
        if (!image) {
          fail(repository, action.digest, 'the blob in storage is not a manifest, so its Image cannot be recreated');
          continue;
        }
        await cluster.createImage(image);
        rebuilt.set(action.digest, image);
      } else {
        if (failedStreams.has(repository)) continue;
        const f = byKey.get(`${repository}@${action.digest}`);
        if (f?.problem) continue;
        const base = existing.get(action.digest) ?? rebuilt.get(action.digest);
        if (!base) continue;
        const image: Image = { ...base, dockerImageReference: `${dockerImageRepositoryFor(repository, c.images, c.streams)}@${action.digest}` };
        await cluster.createImageStreamMapping(action.namespace, action.name, action.tag, image);
        if (f) f.recoveredAs = `${repository}:${action.tag}`;
      }
    } catch (err) {
      const why = `recovery failed: ${err instanceof Error ? err.message : String(err)}`;
      if (action.action === 'create-stream') {
        failedStreams.add(repository);
        fail(repository, undefined, why);
      } else {
        fail(repository, action.digest, why);
      }
    }
  }
}

/**
 * "Recover lost manifests": reads the findings of the repository batches,
 * recovers them, and writes the findings with their outcome to
 * `runs/<id>/fsck/recovery.json` for the report. Refuses to run without
 * `confirm` (the Choice before it already checked: the task does not trust
 * its caller). The cluster is opened only once the event is valid and there
 * is something to recover.
 */
export async function recoverLostManifests(event: unknown, artifacts: ArtifactStore, storage: RegistryStorage, cluster: () => Promise<ClusterCreator>): Promise<RecoverResult> {
  const state = parseToolState(event, 'fsck');
  if (!state.tool.confirm) throw new InvalidInputError('event.tool.confirm: recovery writes to the cluster and runs only with confirm: true');
  const runId = state.run.runId;
  const lost = await readLostManifests(artifacts, runId);
  const { images, streams } = await readCollected(state, artifacts);
  // A missing Image can only be recreated from its manifest in storage (the check already saw it is readable).
  const manifests = new Map<string, string>();
  for (const f of lost) {
    if (!f.recoverable || f.imageExists || manifests.has(f.digest)) continue;
    const data = await storage.readBlob(f.digest);
    if (data) manifests.set(f.digest, data.toString('utf8'));
  }
  if (lost.some((f) => f.recoverable)) await recoverFindings(lost, await cluster(), { images, streams, manifests, now: new Date(state.run.options.now) });
  const key = toolKeys.recovery(runId);
  await putJson(artifacts, key, lost);
  return { key, recovered: lost.filter((f) => f.recoveredAs).length, failed: lost.filter((f) => f.recoverable && !f.recoveredAs).length };
}
