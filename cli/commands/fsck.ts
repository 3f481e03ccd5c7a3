// image-pruner fsck: checks the cluster's Images and image streams against the
// registry's storage and, with --recover, tags manifests that storage holds but
// no tag reaches as `lost-found-<hex>`. The findings are shared/core/fsck.ts;
// this file lists storage (only the blob prefixes it needs, one repository at a
// time) and carries out the recovery through the cluster API.
import {
  fsckExpectations,
  imageFromManifest,
  lostFoundTag,
  lostManifests,
  missingBlobFindings,
  missingInPrefix,
  prefixOf,
  recoveryActions,
  type FsckScope,
  type LostManifestFinding,
  type MissingBlobsFinding,
  type MissingImageFinding,
  type TagPointer,
} from '../../shared/core/fsck.js';
import { repositoryOf, repositoryOfStream } from '../../shared/core/repository.js';
import type { Image, ImageStream } from '../../shared/core/kube-types.js';
import { KubernetesClusterWriter, type ClusterCreator } from '../../shared/adapters/kubernetes/index.js';
import { openRegistryStorage, type OpenStorageOptions, type RegistryStorage } from '../../shared/adapters/storage/index.js';
import type { CliIO, Command } from '../io.js';
import { CLUSTER_FLAGS, CLUSTER_FLAGS_HELP, ClusterFlagError } from '../cluster-flags.js';
import {
  forEachLimit,
  loadImagesAndStreams,
  openCluster,
  parseStorageToolFlags,
  StorageToolUsageError,
} from './hard-prune.js';

export const FSCK_HELP = `Usage: image-pruner fsck --registry-storage URL [cluster flags | --snapshot FILE] [flags]

Checks the cluster against the registry's storage and reports, each with what
to do about it:
  - broken revisions: image stream revisions whose Image object is missing;
  - broken images: managed Images whose manifest, config or layer blobs are
    missing from storage, with the tags that point at them;
  - lost manifests: manifests in a repository's storage that no tag of its
    image stream reaches.
With --recover, each lost manifest is tagged in its stream as
lost-found-<hex digest> (the stream is created when missing, the Image is
recreated from the manifest in storage when missing). Labels, annotations and
the original tag names cannot be recovered. Storage is never changed.

Flags:
  --registry-storage URL        s3://bucket/rootdirectory[?endpoint=URL&region=R&force-path-style=true]
                                or file:///rootdirectory (the registry's storage root)
  --namespace NS                check only this namespace's streams, repositories and their images
  --snapshot FILE               read Images and ImageStreams from a dump (not with --recover)
  --recover                     tag lost manifests as lost-found-<hex> through the cluster API
  --concurrency N               blob prefixes listed at once (default 16)
  --output table|json           a report for people (default) or JSON
  -h, --help                    show this help


${CLUSTER_FLAGS_HELP}
Exit status: 0 nothing found (or everything found was recovered), 1 findings
remain or bad input, 2 bad flags.
`;

const FLAGS = {
  'registry-storage': { type: 'string' },
  namespace: { type: 'string' },
  snapshot: { type: 'string' },
  ...CLUSTER_FLAGS,
  recover: { type: 'boolean' },
  concurrency: { type: 'string' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A lost manifest, with whether (and how) it was recovered. */
export interface LostManifestReport extends LostManifestFinding {
  /** The manifest's own blob is readable in storage (needed to recreate a missing Image). */
  manifestReadable: boolean;
  /** `namespace/name:lost-found-<hex>` once recovered. */
  recoveredAs?: string;
  /** Why recovery failed or was impossible. */
  problem?: string;
}

/** What fsck found (and recovered). */
export interface FsckReport {
  location: string;
  namespace?: string;
  recover: boolean;
  missingImages: MissingImageFinding[];
  missingBlobs: MissingBlobsFinding[];
  lostManifests: LostManifestReport[];
  /** Blob prefixes listed and repositories checked, for the record. */
  listed: { prefixes: number; repositories: number };
  warnings: string[];
}

/** What to check and, for recovery, how to reach the cluster. */
export interface FsckOptions {
  storage: RegistryStorage;
  images: readonly Image[];
  streams: readonly ImageStream[];
  scope: FsckScope;
  /** Recovery through this cluster writer; absent: check only. */
  recoverWith?: ClusterCreator;
  now: Date;
  prefixConcurrency: number;
}

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

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Checks storage against the cluster and, when asked, recovers lost manifests. */
export async function runFsck(o: FsckOptions): Promise<FsckReport> {
  const e = fsckExpectations(o.images, o.streams, o.scope);
  // Only the prefixes that hold a needed blob are listed: with a namespace that is a few of 256.
  const prefixes = [...new Set([...e.blobs.keys()].map(prefixOf))].sort();
  const missing: string[] = [];
  await forEachLimit(prefixes, o.prefixConcurrency, async (prefix) => {
    const present: string[] = [];
    for await (const b of o.storage.blobs({ prefix })) present.push(b.digest);
    missing.push(...missingInPrefix(e, prefix, present));
  });

  const repositories = (await collect(o.storage.repositories())).sort();
  const lost: LostManifestReport[] = [];
  await forEachLimit(repositories, 8, async (repository) => {
    const found = lostManifests(e, repository, await collect(o.storage.manifestRevisions(repository)));
    for (const f of found) lost.push({ ...f, manifestReadable: true });
  });
  lost.sort((a, b) => (a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : a.digest < b.digest ? -1 : 1));

  // A missing Image can only be recreated from its manifest in storage.
  const manifests = new Map<string, string>();
  for (const f of lost) {
    if (f.imageExists) continue;
    if (!manifests.has(f.digest)) {
      const data = await o.storage.readBlob(f.digest);
      if (data) manifests.set(f.digest, data.toString('utf8'));
    }
    if (!manifests.has(f.digest)) {
      f.manifestReadable = false;
      f.recoverable = false;
      f.problem = 'its manifest blob is missing from storage, so its Image cannot be recreated';
    } else if (!f.recoverable) {
      f.problem = 'the repository name is not namespace/name, so no image stream can hold it';
    }
  }
  for (const f of lost) if (!f.recoverable && !f.problem) f.problem = 'the repository name is not namespace/name, so no image stream can hold it';

  const report: FsckReport = {
    location: o.storage.location,
    recover: o.recoverWith !== undefined,
    missingImages: e.missingImages,
    missingBlobs: missingBlobFindings(e, missing),
    lostManifests: lost,
    listed: { prefixes: prefixes.length, repositories: repositories.length },
    warnings: e.warnings,
  };
  if (o.scope.namespace !== undefined) report.namespace = o.scope.namespace;
  if (o.recoverWith) await recover(o, report, manifests);
  return report;
}

async function recover(o: FsckOptions, report: FsckReport, manifests: Map<string, string>): Promise<void> {
  const cluster = o.recoverWith!;
  const existing = new Map(o.images.map((i) => [i.metadata.name, i]));
  const rebuilt = new Map<string, Image>();
  const failedStreams = new Set<string>();
  const byKey = new Map(report.lostManifests.map((f) => [`${f.repository}@${f.digest}`, f]));
  const fail = (repository: string, digest: string | undefined, why: string) => {
    for (const f of report.lostManifests) if (f.repository === repository && (digest === undefined || f.digest === digest) && !f.problem) f.problem = why;
  };
  for (const action of recoveryActions(report.lostManifests.filter((f) => f.recoverable))) {
    const repository = action.action === 'create-image' ? action.repository : repositoryOf(action.namespace, action.name);
    try {
      if (action.action === 'create-stream') {
        await cluster.createImageStream(action.namespace, action.name);
      } else if (action.action === 'create-image') {
        const image = imageFromManifest({
          digest: action.digest,
          manifest: manifests.get(action.digest)!,
          dockerImageRepository: dockerImageRepositoryFor(repository, o.images, o.streams),
          now: o.now,
        });
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
        const image: Image = {
          ...base,
          dockerImageReference: `${dockerImageRepositoryFor(repository, o.images, o.streams)}@${action.digest}`,
        };
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

function tagList(tags: TagPointer[]): string {
  if (tags.length === 0) return 'no tag';
  return tags.map((t) => `${t.namespace}/${t.name}:${t.tag}${t.index > 0 ? ` (revision ${t.index})` : ''}`).join(', ');
}

/** How many findings are left once recovery has done what it could. */
export function openFindings(r: FsckReport): number {
  return r.missingImages.length + r.missingBlobs.length + r.lostManifests.filter((f) => !f.recoveredAs).length;
}

/** The report for people: each finding, then what to do about it. */
export function formatFsckReport(r: FsckReport): string {
  const lines = [`fsck of ${r.location} (${r.namespace ? `namespace ${r.namespace}` : 'all namespaces'}${r.recover ? ', recovering' : ', check only'})`, ''];
  for (const f of r.missingImages) {
    lines.push(`BROKEN REVISION ${f.namespace}/${f.name}:${f.tag} revision ${f.index}: Image ${f.image} does not exist.`);
    lines.push(`  To do: pulls of this revision fail. Push the image again if it is needed; a prune removes the revision once it is old.`);
  }
  for (const f of r.missingBlobs) {
    lines.push(`BROKEN IMAGE ${f.image}: missing from storage: ${f.missing.map((m) => `${m.role} ${m.digest}`).join(', ')}.`);
    lines.push(`  Tags: ${tagList(f.tags)}.`);
    lines.push(`  To do: pulls of these tags fail. Push the image again (same content restores the same digest), or re-tag the streams to a good image.`);
  }
  for (const f of r.lostManifests) {
    lines.push(`LOST MANIFEST ${f.repository}@${f.digest}: no tag of ${f.streamExists ? 'its image stream' : 'any image stream (there is none)'} reaches it${f.imageExists ? ' (its Image exists)' : ' (its Image is gone too)'}.`);
    if (f.recoveredAs) lines.push(`  Recovered: tagged as ${f.recoveredAs}.`);
    else if (f.problem) lines.push(`  Cannot recover: ${f.problem}. hard-prune removes it.`);
    else lines.push(`  To do: image-pruner fsck --recover tags it as ${f.repository}:${lostFoundTag(f.digest)}; or hard-prune removes it.`);
  }
  const total = r.missingImages.length + r.missingBlobs.length + r.lostManifests.length;
  if (total === 0) lines.push('No problems found.');
  lines.push(
    '',
    `Summary: ${r.missingImages.length} broken revision(s), ${r.missingBlobs.length} broken image(s), ${r.lostManifests.length} lost manifest(s)` +
      `${r.recover ? `, ${r.lostManifests.filter((f) => f.recoveredAs).length} recovered` : ''}; ` +
      `listed ${r.listed.prefixes} blob prefix(es) and ${r.listed.repositories} repositories.`,
  );
  if (r.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const w of r.warnings) lines.push(`  ${w}`);
  }
  return `${lines.join('\n')}\n`;
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

/** Parses the flags; undefined for --help. Throws {@link StorageToolUsageError}. */
export function parseFsckFlags(argv: string[]): FsckFlags | undefined {
  const common = parseStorageToolFlags(argv, FLAGS);
  if (!common) return undefined;
  const namespace = common.values.namespace as string | undefined;
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) throw new StorageToolUsageError(`flag --namespace: "${namespace}" is not a namespace name`);
  const recover = common.values.recover === true;
  if (recover && common.snapshot !== undefined) throw new StorageToolUsageError('--recover writes through the cluster API: give cluster flags, not --snapshot');
  const { storage, snapshot, cluster, concurrency, output } = common;
  return { storage, namespace, snapshot, cluster, recover, concurrency, output };
}

/** Test seams: the clock and how storage is opened. */
export interface FsckCommandOptions {
  clock?: () => Date;
  storageOptions?: OpenStorageOptions;
}

/** Builds the `fsck` command. */
export function makeFsckCommand(opts: FsckCommandOptions = {}): Command {
  return async (argv: string[], io: CliIO) => {
    let flags: FsckFlags | undefined;
    try {
      flags = parseFsckFlags(argv);
    } catch (err) {
      if (!(err instanceof StorageToolUsageError)) throw err;
      io.stderr.write(`image-pruner fsck: ${err.message} (see image-pruner fsck --help)\n`);
      return 2;
    }
    if (!flags) {
      io.stdout.write(FSCK_HELP);
      return 0;
    }
    const storage = openRegistryStorage(flags.storage, opts.storageOptions);
    let loaded: { images: Image[]; streams: ImageStream[] };
    try {
      loaded = await loadImagesAndStreams({ snapshot: flags.snapshot, cluster: flags.cluster }, io, 'fsck');
    } catch (err) {
      if (!(err instanceof ClusterFlagError)) throw err;
      io.stderr.write(`image-pruner fsck: ${err.message} (see image-pruner fsck --help)\n`);
      return 2;
    }
    const { images, streams } = loaded;
    const scope: FsckScope = flags.namespace === undefined ? {} : { namespace: flags.namespace };
    const base = { storage, images, streams, scope, now: (opts.clock ?? (() => new Date()))(), prefixConcurrency: flags.concurrency };
    let report: FsckReport;
    if (flags.recover) {
      const client = await openCluster(flags.cluster, io.env);
      try {
        report = await runFsck({ ...base, recoverWith: new KubernetesClusterWriter(client) });
      } finally {
        await client.close();
      }
    } else {
      report = await runFsck(base);
    }
    io.stdout.write(flags.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatFsckReport(report));
    return openFindings(report) > 0 ? 1 : 0;
  };
}

/** `image-pruner fsck`. */
export const fsckCommand: Command = makeFsckCommand();
export default fsckCommand;
