// The few primitives the distribution layout needs from a storage backend,
// after distribution's own storage drivers: list a directory, walk the files
// below one, read a file, delete whole directory trees. Paths are relative to
// the registry's root directory, '/'-separated; directory paths end in '/'.
import type { ItemStatus } from '../../core/ports.js';

/** A file found by a walk, with what S3 and stat both know about it. */
export interface FileEntry {
  path: string;
  size: number;
  lastModified: Date;
}

/** A direct child of a directory. */
export interface ChildEntry {
  name: string;
  dir: boolean;
}

/** How the deletion of one directory tree ended: `gone` when nothing was there. */
export interface TreeDeletion {
  dir: string;
  status: ItemStatus;
  reason?: string;
}

/** Lists, reads and deletes below a registry's root directory, on S3 or a filesystem. */
export interface StorageDriver {
  /** Where the root is, for messages: `s3://bucket/root` or `/path`. Never holds credentials. */
  readonly location: string;
  /** The location of one path, for messages. */
  locate(path: string): string;
  /** The direct children of `dir`, paged; nothing when `dir` does not exist. */
  children(dir: string): AsyncIterable<ChildEntry>;
  /** Every file below `dir`, recursively, paged; nothing when `dir` does not exist. */
  files(dir: string): AsyncIterable<FileEntry>;
  /** The content of `path`, or undefined when there is no such file. Throws when it is larger than `maxBytes`. */
  read(path: string, maxBytes: number): Promise<Buffer | undefined>;
  /** Writes `data` to `path`, creating the directories it needs (fsck's recovery writes links). */
  write(path: string, data: Buffer): Promise<void>;
  /** Deletes each directory tree (everything below it), batching where the backend can; one result per distinct tree. */
  deleteTrees(dirs: AsyncIterable<string> | Iterable<string>): AsyncIterable<TreeDeletion>;
  /** Removes `dir` and then its parents while they are empty, never `stopAt` or above (a no-op where directories do not exist). */
  removeEmptyDirs(dir: string, stopAt: string): Promise<void>;
}
