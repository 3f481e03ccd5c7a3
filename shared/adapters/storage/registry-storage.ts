// The registry's storage as the pruner sees it: repositories, their links, and
// the blob store, in the distribution layout, on whichever driver holds them.
// Everything is listed as it is paged in (async iterables), never collected.
import type { ItemResult, ItemStatus } from '../../core/ports.js';
import { NotARegistryRootError, StorageLayoutError } from '../errors.js';
import type { StorageDriver } from './driver.js';
import {
  REPOSITORY_PARTS,
  blobData,
  blobDir,
  blobShardDir,
  blobsDir,
  isDigest,
  isHex64,
  layerLinksDir,
  linkDir,
  repositoriesDir,
  repositoryDir,
  checkDigest,
  checkRepository,
  revisionsDir,
  tagDir,
  tagIndexDir,
  tagsDir,
  uploadsDir,
  V2,
  type LinkRef,
} from './layout.js';

/** One blob of the blob store. Same shape as hard prune's `StoredBlob`. */
export interface BlobInfo {
  digest: string;
  size: number;
  lastModified: Date;
}

/** One tag of a repository: what it points at now, and every digest it ever pointed at. */
export interface TagLinks {
  tag: string;
  /** The digest in `current/link`; undefined when the tag has no current link. */
  current?: string;
  /** The digests of `index/sha256/<hex>/`. */
  index: string[];
}

/** Options of {@link RegistryStorage.readBlob}. */
export interface ReadBlobOptions {
  /** Refuse (StorageLayoutError) blobs larger than this; default 4 MiB, plenty for manifests. */
  maxBytes?: number;
}

/**
 * One folder of `repositories/`: a repository, or a folder whose name no
 * repository can have (`Bad`, `a..b`), which is reported and never entered.
 */
export type RepositoryFolder = { kind: 'repository'; name: string } | { kind: 'invalid'; location: string; reason: string };

/** Lists, reads and deletes a registry's repositories, links and blobs in its storage. */
export interface RegistryStorage {
  /** `s3://bucket/root` or the root directory: for messages. */
  readonly location: string;
  /**
   * Throws NotARegistryRootError unless the location holds the distribution
   * layout (`docker/registry/v2/blobs/` or `.../repositories/`): a wrong path
   * must not read as an empty registry.
   */
  checkRoot(): Promise<void>;
  /** Every repository name (`ns/name`, `a/b/c`): a directory holding `_manifests`, `_layers` or `_uploads`. */
  repositories(): AsyncIterable<string>;
  /** Every repository, and every folder below `repositories/` whose name is not a repository name. */
  repositoryFolders(): AsyncIterable<RepositoryFolder>;
  /** When the newest file of the repository's `_uploads/` was written (a push in progress); undefined when it has none. */
  newestUpload(repository: string): Promise<Date | undefined>;
  /** Digests of the repository's manifest revision links. */
  manifestRevisions(repository: string): AsyncIterable<string>;
  /** Digests of the repository's layer links. */
  layerLinks(repository: string): AsyncIterable<string>;
  /**
   * Digests of the repository's revision (`kind: 'revision'`) or layer links
   * that hold a `link` file, in one listing. A manifest DELETE through the
   * registry removes the link file and leaves its folder: that is no link.
   */
  linked(repository: string, kind: 'revision' | 'layer'): AsyncIterable<string>;
  /** A blob's size and time without reading it, or undefined when it is not stored. */
  statBlob(digest: string): Promise<BlobInfo | undefined>;
  /** Writes a link (fsck's recovery of a link whose blob is present); the content is the digest, as the registry writes it. */
  writeLink(ref: LinkRef, digest: string): Promise<void>;
  /** The repository's tags with their current and index links. */
  tags(repository: string): AsyncIterable<TagLinks>;
  /** Every blob, or only those of one 2-hex prefix (`00`..`ff`), with size and last-modified time. */
  blobs(options?: { prefix?: string }): AsyncIterable<BlobInfo>;
  /** A blob's content (a manifest, a config), or undefined when it is not stored. */
  readBlob(digest: string, options?: ReadBlobOptions): Promise<Buffer | undefined>;
  /** The digest a link points at, or undefined when there is no such link. */
  readLink(ref: LinkRef): Promise<string | undefined>;
  /** Deletes blobs (each its whole `blobs/sha256/xx/<hex>/` directory); one result per distinct digest, in no order. */
  deleteBlobs(digests: AsyncIterable<string> | Iterable<string>): AsyncIterable<ItemResult<string>>;
  /** Deletes links (each its `<hex>/` or `current/` directory); one result per link, in no order. */
  deleteLinks(refs: AsyncIterable<LinkRef> | Iterable<LinkRef>): AsyncIterable<ItemResult<LinkRef>>;
  /** Deletes a tag: its current link and its index. */
  deleteTag(repository: string, tag: string): Promise<ItemResult<string>>;
  /**
   * Deletes a repository: its `_manifests`, `_layers` and `_uploads`. Repositories
   * nested below it (`a/b` below `a`) are other repositories and stay.
   */
  deleteRepository(repository: string): Promise<ItemResult<string>>;
}

const MANIFESTS_LINK_MAX = 1024;

function combine(statuses: ItemStatus[]): ItemStatus {
  if (statuses.includes('failed')) return 'failed';
  return statuses.every((s) => s === 'gone') ? 'gone' : 'done';
}

/** A deletion input that is not a valid digest fails on its own, so one bad entry never stops the rest. */
function invalidDigestReason(digest: unknown): string {
  return `not a sha256 digest (sha256:<64 lowercase hex>): ${JSON.stringify(digest)}`;
}

/** {@link RegistryStorage} over any {@link StorageDriver}. */
export class DistributionStorage implements RegistryStorage {
  readonly location: string;

  constructor(private readonly driver: StorageDriver) {
    this.location = driver.location;
  }

  async checkRoot(): Promise<void> {
    for await (const child of this.driver.children(`${V2}/`)) if (child.dir && (child.name === 'blobs' || child.name === 'repositories')) return;
    throw new NotARegistryRootError(this.location);
  }

  async *repositories(): AsyncIterable<string> {
    for await (const f of this.repositoryFolders()) if (f.kind === 'repository') yield f.name;
  }

  async *repositoryFolders(): AsyncIterable<RepositoryFolder> {
    yield* this.repositoriesBelow(repositoriesDir, '');
  }

  private async *repositoriesBelow(dir: string, name: string): AsyncIterable<RepositoryFolder> {
    let isRepository = false;
    for await (const child of this.driver.children(dir)) {
      if (!child.dir) continue;
      if ((REPOSITORY_PARTS as readonly string[]).includes(child.name)) {
        if (name && !isRepository) yield { kind: 'repository', name };
        isRepository = true;
        continue;
      }
      const nested = name ? `${name}/${child.name}` : child.name;
      const reason = invalidRepositoryReason(nested);
      if (reason === undefined) yield* this.repositoriesBelow(`${dir}${child.name}/`, nested);
      // Never entered: a name the registry cannot serve may hold anything, and a sweep must not guess.
      else yield { kind: 'invalid', location: this.driver.locate(`${dir}${child.name}/`), reason };
    }
  }

  async newestUpload(repository: string): Promise<Date | undefined> {
    let newest: Date | undefined;
    for await (const f of this.driver.files(uploadsDir(repository))) if (!newest || f.lastModified > newest) newest = f.lastModified;
    return newest;
  }

  async *manifestRevisions(repository: string): AsyncIterable<string> {
    yield* this.digestDirs(revisionsDir(repository));
  }

  async *layerLinks(repository: string): AsyncIterable<string> {
    yield* this.digestDirs(layerLinksDir(repository));
  }

  async *linked(repository: string, kind: 'revision' | 'layer'): AsyncIterable<string> {
    const dir = kind === 'revision' ? revisionsDir(repository) : layerLinksDir(repository);
    for await (const f of this.driver.files(dir)) {
      const m = /^([a-f0-9]{64})\/link$/.exec(f.path.slice(dir.length));
      if (m) yield `sha256:${m[1]}`;
    }
  }

  async statBlob(digest: string): Promise<BlobInfo | undefined> {
    const data = blobData(digest);
    for await (const f of this.driver.files(blobDir(digest))) if (f.path === data) return { digest, size: f.size, lastModified: f.lastModified };
    return undefined;
  }

  async writeLink(ref: LinkRef, digest: string): Promise<void> {
    await this.driver.write(`${linkDir(ref)}link`, Buffer.from(checkDigest(digest), 'utf8'));
  }

  private async *digestDirs(dir: string): AsyncIterable<string> {
    for await (const child of this.driver.children(dir)) if (child.dir && isHex64(child.name)) yield `sha256:${child.name}`;
  }

  async *tags(repository: string): AsyncIterable<TagLinks> {
    for await (const child of this.driver.children(tagsDir(repository))) {
      if (!child.dir || !/^[\w][\w.-]{0,127}$/.test(child.name)) continue;
      const tag = child.name;
      const current = await this.readLink({ kind: 'tag-current', repository, tag });
      const index: string[] = [];
      for await (const d of this.digestDirs(tagIndexDir(repository, tag))) index.push(d);
      yield current === undefined ? { tag, index } : { tag, current, index };
    }
  }

  async *blobs(options: { prefix?: string } = {}): AsyncIterable<BlobInfo> {
    const dir = options.prefix === undefined ? blobsDir : blobShardDir(options.prefix);
    for await (const f of this.driver.files(dir)) {
      // blobs/sha256/<2 hex>/<64 hex>/data and nothing else is a blob.
      const m = /\/([a-f0-9]{2})\/([a-f0-9]{64})\/data$/.exec(f.path);
      if (!m || !m[2].startsWith(m[1]) || f.path !== blobData(`sha256:${m[2]}`)) continue;
      yield { digest: `sha256:${m[2]}`, size: f.size, lastModified: f.lastModified };
    }
  }

  async readBlob(digest: string, options: ReadBlobOptions = {}): Promise<Buffer | undefined> {
    return this.driver.read(blobData(digest), options.maxBytes ?? 4 * 1024 * 1024);
  }

  async readLink(ref: LinkRef): Promise<string | undefined> {
    const path = `${linkDir(ref)}link`;
    const content = await this.driver.read(path, MANIFESTS_LINK_MAX);
    if (content === undefined) return undefined;
    const digest = content.toString('utf8').trim();
    if (!isDigest(digest)) throw new StorageLayoutError(this.driver.locate(path), 'link does not hold a sha256 digest');
    return digest;
  }

  async *deleteBlobs(digests: AsyncIterable<string> | Iterable<string>): AsyncIterable<ItemResult<string>> {
    const invalid: string[] = [];
    async function* dirsOf(source: AsyncIterable<string> | Iterable<string>) {
      for await (const d of source) {
        if (typeof d === 'string' && isDigest(d)) yield blobDir(d);
        else invalid.push(d);
      }
    }
    for await (const r of this.driver.deleteTrees(dirsOf(digests))) {
      for (const d of invalid.splice(0)) yield { item: d, status: 'failed', reason: invalidDigestReason(d) };
      const hex = r.dir.slice(0, -1).split('/').pop()!;
      yield r.reason === undefined ? { item: `sha256:${hex}`, status: r.status } : { item: `sha256:${hex}`, status: r.status, reason: r.reason };
    }
    for (const d of invalid.splice(0)) yield { item: d, status: 'failed', reason: invalidDigestReason(d) };
  }

  async *deleteLinks(refs: AsyncIterable<LinkRef> | Iterable<LinkRef>): AsyncIterable<ItemResult<LinkRef>> {
    const byDir = new Map<string, LinkRef>();
    const invalid: { ref: LinkRef; reason: string }[] = [];
    async function* dirsOf(source: AsyncIterable<LinkRef> | Iterable<LinkRef>) {
      for await (const ref of source) {
        let dir: string;
        try {
          dir = linkDir(ref);
        } catch (err) {
          invalid.push({ ref, reason: err instanceof Error ? err.message : String(err) });
          continue;
        }
        byDir.set(dir, ref);
        yield dir;
      }
    }
    for await (const r of this.driver.deleteTrees(dirsOf(refs))) {
      for (const i of invalid.splice(0)) yield { item: i.ref, status: 'failed', reason: i.reason };
      const item = byDir.get(r.dir)!;
      byDir.delete(r.dir);
      yield r.reason === undefined ? { item, status: r.status } : { item, status: r.status, reason: r.reason };
    }
    for (const i of invalid.splice(0)) yield { item: i.ref, status: 'failed', reason: i.reason };
  }

  async deleteTag(repository: string, tag: string): Promise<ItemResult<string>> {
    return this.deleteDirs(`${repository}:${tag}`, [tagDir(repository, tag)]);
  }

  async deleteRepository(repository: string): Promise<ItemResult<string>> {
    const dir = repositoryDir(checkRepository(repository));
    const result = await this.deleteDirs(repository, REPOSITORY_PARTS.map((p) => `${dir}${p}/`));
    if (result.status !== 'failed') await this.driver.removeEmptyDirs(dir, repositoriesDir);
    return result;
  }

  private async deleteDirs(item: string, dirs: string[]): Promise<ItemResult<string>> {
    const statuses: ItemStatus[] = [];
    const reasons: string[] = [];
    for await (const r of this.driver.deleteTrees(dirs)) {
      statuses.push(r.status);
      if (r.reason) reasons.push(r.reason);
    }
    const status = combine(statuses);
    return reasons.length ? { item, status, reason: reasons.join('; ') } : { item, status };
  }
}

function invalidRepositoryReason(name: string): string | undefined {
  try {
    checkRepository(name);
    return undefined;
  } catch {
    return name.split('/').pop()!.startsWith('_')
      ? 'not a repository name (a folder of the layout starting with "_" that the registry does not write)'
      : 'not a repository name (lowercase letters, digits and . _ - only)';
  }
}
