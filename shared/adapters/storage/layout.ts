// The distribution registry's storage layout (docs/rules.md, "Hard prune and
// fsck (registry storage)"): where blobs and links live under
// `<root>/docker/registry/v2/`. Paths here are relative to the root,
// '/'-separated, without a leading slash. Every name that goes into a path is
// checked first, so that no input can reach outside its repository (no "..",
// no empty component).
import { InvalidInputError } from '../../core/errors.js';

/** The layout's own prefix below the registry's root directory. */
export const V2 = 'docker/registry/v2';

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HEX64 = /^[a-f0-9]{64}$/;
// distribution's reference grammar for a repository path component and a tag.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** True when `s` is a `sha256:<64 hex>` digest (the only algorithm the registry stores). */
export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

/** True when `s` is a directory name of a blob or link: 64 lowercase hex digits. */
export function isHex64(s: string): boolean {
  return HEX64.test(s);
}

/** Throws InvalidInputError naming `field` unless `digest` is `sha256:<64 hex>`. */
export function checkDigest(digest: string, field = 'digest'): string {
  if (!isDigest(digest)) throw new InvalidInputError(`${field} "${digest}" is not a sha256 digest (sha256:<64 lowercase hex>)`);
  return digest;
}

/** Throws InvalidInputError naming `field` unless `name` is a valid repository name (`ns/name`, `a/b/c`). */
export function checkRepository(name: string, field = 'repository'): string {
  const parts = name.split('/');
  if (name.length > 255 || !parts.every((p) => COMPONENT.test(p))) {
    throw new InvalidInputError(`${field} "${name}" is not a repository name (lowercase path components separated by "/")`);
  }
  return name;
}

/** Throws InvalidInputError naming `field` unless `tag` is a valid tag. */
export function checkTag(tag: string, field = 'tag'): string {
  if (!TAG.test(tag)) throw new InvalidInputError(`${field} "${tag}" is not a tag`);
  return tag;
}

/** Throws InvalidInputError unless `prefix` is two lowercase hex digits (`00`..`ff`). */
export function checkBlobPrefix(prefix: string): string {
  if (!/^[a-f0-9]{2}$/.test(prefix)) throw new InvalidInputError(`blob prefix "${prefix}" is not two lowercase hex digits (00..ff)`);
  return prefix;
}

const hex = (digest: string) => digest.slice('sha256:'.length);

/** The blob store: `blobs/sha256/`. */
export const blobsDir = `${V2}/blobs/sha256/`;
/** One 2-hex shard of the blob store: `blobs/sha256/ab/`. */
export const blobShardDir = (prefix: string) => `${blobsDir}${checkBlobPrefix(prefix)}/`;
/** The directory of one blob: `blobs/sha256/ab/<hex>/`. Deleting a blob deletes all of it. */
export const blobDir = (digest: string) => `${blobsDir}${hex(checkDigest(digest)).slice(0, 2)}/${hex(digest)}/`;
/** The content of one blob. */
export const blobData = (digest: string) => `${blobDir(digest)}data`;

/** All repositories: `repositories/`. */
export const repositoriesDir = `${V2}/repositories/`;
/** One repository's own directory (nested repositories live below it too). */
export const repositoryDir = (repo: string) => `${repositoriesDir}${checkRepository(repo)}/`;
/** The three directories that make up a repository itself (not its nested repositories). */
export const REPOSITORY_PARTS = ['_layers', '_manifests', '_uploads'] as const;

export const uploadsDir = (repo: string) => `${repositoryDir(repo)}_uploads/`;
export const layerLinksDir = (repo: string) => `${repositoryDir(repo)}_layers/sha256/`;
export const revisionsDir = (repo: string) => `${repositoryDir(repo)}_manifests/revisions/sha256/`;
export const tagsDir = (repo: string) => `${repositoryDir(repo)}_manifests/tags/`;
export const tagDir = (repo: string, tag: string) => `${tagsDir(repo)}${checkTag(tag)}/`;
export const tagIndexDir = (repo: string, tag: string) => `${tagDir(repo, tag)}index/sha256/`;

/** A link file of a repository: what it points to is a digest. */
export type LinkRef =
  | { kind: 'layer'; repository: string; digest: string }
  | { kind: 'revision'; repository: string; digest: string }
  | { kind: 'tag-current'; repository: string; tag: string }
  | { kind: 'tag-index'; repository: string; tag: string; digest: string };

/** The directory holding a link's `link` file; deleting the link deletes this directory. */
export function linkDir(ref: LinkRef): string {
  switch (ref.kind) {
    case 'layer':
      return `${layerLinksDir(ref.repository)}${hex(checkDigest(ref.digest))}/`;
    case 'revision':
      return `${revisionsDir(ref.repository)}${hex(checkDigest(ref.digest))}/`;
    case 'tag-current':
      return `${tagDir(ref.repository, ref.tag)}current/`;
    case 'tag-index':
      return `${tagIndexDir(ref.repository, ref.tag)}${hex(checkDigest(ref.digest))}/`;
  }
}
