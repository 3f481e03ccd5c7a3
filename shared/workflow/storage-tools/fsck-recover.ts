// "Recover lost manifests", the Fsck state machine's task after the checks
// when the execution input says `confirm` (`image-pruner fsck --recover`),
// as docs/rules.md's "fsck, recover" says: each lost manifest is tagged in its
// stream as `lost-found-<hex>` through the cluster API, creating the stream
// when it is missing and recreating the Image from the manifest in storage
// when it is missing; the missing Image a stream revision still names is
// recreated; the missing revision and layer links of stream revisions whose
// blobs are present are written. No Image is recreated before its config and
// every layer (or a list's children) are checked present in storage. The
// order of the cluster writes is shared/core/fsck.ts's recoveryActions.
import { repositoryOfStream } from '../../core/repository.js';
import type { ArtifactStore } from '../../adapters/artifacts/artifact-store.js';
import { putJson } from '../../adapters/artifacts/artifact-store.js';
import type { ClusterCreator } from '../../adapters/kubernetes/writers.js';
import type { RegistryStorage } from '../../adapters/storage/index.js';
import { blobsToVerify, imageFromManifest, recoveryActions } from '../../core/fsck.js';
import { parseManifest } from '../../core/manifest.js';
import type { Image, ImageStream } from '../../core/kube-types.js';
import { InvalidInputError } from '../../errors.js';
import { parseToolState, readCollected } from './common.js';
import type { RecoverResult } from './contracts.js';
import { toolKeys } from './contracts.js';
import { fsckExpectationsOf, fsckFindings, type RecoveryRecord } from './fsck.js';
import type { LostManifestReport, MissingImageReport, MissingLinksReport } from './reports.js';

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
  /** Config blobs of those manifests, by the manifest's digest, for `dockerImageMetadata`. */
  configs?: ReadonlyMap<string, string>;
  /** Manifests that must not be restored, with why (a blob they need is missing). */
  problems?: ReadonlyMap<string, string>;
  now: Date;
}

/**
 * Reads each manifest to restore and checks its config and every layer (or a
 * list's children) are in storage: the manifests that pass, their config
 * blobs, and why each other one must not be restored.
 */
export async function verifiedManifests(digests: Iterable<string>, storage: RegistryStorage): Promise<{ manifests: Map<string, string>; configs: Map<string, string>; problems: Map<string, string> }> {
  const out = { manifests: new Map<string, string>(), configs: new Map<string, string>(), problems: new Map<string, string>() };
  for (const digest of new Set(digests)) {
    const data = await storage.readBlob(digest);
    if (!data) {
      out.problems.set(digest, 'its manifest blob is missing from storage, so its Image cannot be recreated');
      continue;
    }
    const text = data.toString('utf8');
    const needed = blobsToVerify(text);
    if (!needed) {
      out.problems.set(digest, 'the blob in storage is not a manifest, so its Image cannot be recreated');
      continue;
    }
    const absent: string[] = [];
    for (const d of needed) if (!(await storage.statBlob(d))) absent.push(d);
    if (absent.length > 0) {
      out.problems.set(digest, `blobs it needs are missing from storage (${absent.join(', ')}), so it is not restored (it would not pull)`);
      continue;
    }
    out.manifests.set(digest, text);
    const config = parseManifest(text).manifest?.config;
    const configData = config ? await storage.readBlob(config) : undefined;
    if (configData) out.configs.set(digest, configData.toString('utf8'));
  }
  return out;
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
        const problem = c.problems?.get(action.digest);
        if (problem !== undefined) {
          fail(repository, action.digest, problem);
          continue;
        }
        const manifest = c.manifests.get(action.digest);
        if (manifest === undefined) {
          fail(repository, action.digest, 'its manifest blob is missing from storage, so its Image cannot be recreated');
          continue;
        }
        const config = c.configs?.get(action.digest);
        const image = imageFromManifest({ digest: action.digest, manifest, dockerImageRepository: dockerImageRepositoryFor(repository, c.images, c.streams), now: c.now, ...(config !== undefined ? { config } : {}) });
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
 * Recreates the Images that stream revisions name but the cluster lost, from
 * their manifests in storage (only those the repository check found there,
 * and that passed {@link verifiedManifests}); sets `recreated` or `problem`
 * on each finding (mutated).
 */
export async function recreateMissingImages(found: MissingImageReport[], cluster: ClusterCreator, c: RecoveryContext): Promise<void> {
  const done = new Map<string, string | undefined>();
  for (const f of found) {
    if (!f.manifestInStorage) continue;
    if (!done.has(f.image)) {
      const repository = `${f.namespace}/${f.name}`;
      const problem = c.problems?.get(f.image);
      const manifest = c.manifests.get(f.image);
      const config = c.configs?.get(f.image);
      const image =
        problem === undefined && manifest !== undefined
          ? imageFromManifest({ digest: f.image, manifest, dockerImageRepository: dockerImageRepositoryFor(repository, c.images, c.streams), now: c.now, ...(config !== undefined ? { config } : {}) })
          : undefined;
      if (problem !== undefined) done.set(f.image, problem);
      else if (!image) done.set(f.image, 'the blob in storage is not a manifest, so its Image cannot be recreated');
      else {
        try {
          await cluster.createImage(image);
          done.set(f.image, undefined);
        } catch (err) {
          done.set(f.image, `recovery failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    const why = done.get(f.image);
    if (why === undefined) f.recreated = true;
    else f.problem = why;
  }
}

/**
 * Writes the missing links of stream revisions (their blobs are present: the
 * findings hold no link to a missing blob); sets `restored` or `problem` on
 * each finding (mutated). A link holds its digest, as the registry writes it.
 */
export async function restoreLinks(found: MissingLinksReport[], storage: RegistryStorage): Promise<void> {
  for (const f of found) {
    try {
      for (const l of f.missing) await storage.writeLink({ kind: l.kind, repository: f.repository, digest: l.digest }, l.digest);
      f.restored = true;
    } catch (err) {
      f.problem = `restoring the links failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}

/**
 * "Recover lost manifests": reads the findings of the batches, recovers them
 * (lost manifests, missing Images a stream names, missing links), and writes
 * the findings with their outcome to `runs/<id>/fsck/recovery.json` for the
 * report. Refuses to run without `confirm` (the Choice before it already
 * checked: the task does not trust its caller). The cluster is opened only
 * once the event is valid and there is something to write to it.
 */
export async function recoverLostManifests(event: unknown, artifacts: ArtifactStore, storage: RegistryStorage, cluster: () => Promise<ClusterCreator>): Promise<RecoverResult> {
  const state = parseToolState(event, 'fsck');
  if (!state.tool.confirm) throw new InvalidInputError('event.tool.confirm: recovery writes to the cluster and runs only with confirm: true');
  const runId = state.run.runId;
  const e = await fsckExpectationsOf(state, artifacts);
  const found = await fsckFindings(e, artifacts, runId);
  const lost: LostManifestReport[] = found.lost;
  const { images, streams } = await readCollected(state, artifacts);
  // Only Images that must be recreated are read and verified.
  // Every lost manifest is verified, even one whose Image exists: a tag on a manifest with a missing blob would not pull.
  const toRebuild = [...lost.filter((f) => f.recoverable).map((f) => f.digest), ...found.missingImages.filter((f) => f.manifestInStorage).map((f) => f.image)];
  const verified = await verifiedManifests(toRebuild, storage);
  for (const f of lost) if (f.recoverable && !f.problem && verified.problems.has(f.digest)) f.problem = verified.problems.get(f.digest);
  const context: RecoveryContext = { images, streams, ...verified, now: new Date(state.run.options.now) };
  await restoreLinks(found.missingLinks, storage);
  const toRecover = lost.filter((f) => f.recoverable && !f.problem);
  if (toRecover.length > 0 || found.missingImages.some((f) => f.manifestInStorage)) {
    const writer = await cluster();
    await recoverFindings(toRecover, writer, context);
    await recreateMissingImages(found.missingImages, writer, context);
  }
  const key = toolKeys.recovery(runId);
  const record: RecoveryRecord = { lostManifests: lost, missingImages: found.missingImages, missingLinks: found.missingLinks };
  await putJson(artifacts, key, record);
  return {
    key,
    recovered: lost.filter((f) => f.recoveredAs).length + found.missingImages.filter((f) => f.recreated).length + found.missingLinks.filter((f) => f.restored).length,
    failed: lost.filter((f) => f.recoverable && !f.recoveredAs).length + found.missingImages.filter((f) => f.problem).length + found.missingLinks.filter((f) => f.problem).length,
  };
}
