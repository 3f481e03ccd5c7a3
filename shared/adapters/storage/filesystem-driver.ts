// The registry's filesystem storage (distribution's `filesystem` driver, root =
// its `rootdirectory`). Directories are read with opendir, entry by entry, so a
// directory of a million blobs is never held in memory at once.
import { lstat, mkdir, opendir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StorageAccessError, StorageLayoutError, failureReason } from '../errors.js';
import type { ChildEntry, FileEntry, StorageDriver, TreeDeletion } from './driver.js';

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Storage in a local directory (the registry's `storage.filesystem.rootdirectory`). */
export class FilesystemDriver implements StorageDriver {
  readonly location: string;

  /** `root` must be absolute: it is the registry's root directory. */
  constructor(private readonly root: string) {
    this.location = root;
  }

  locate(p: string): string {
    return path.join(this.root, p);
  }

  async *children(dir: string): AsyncIterable<ChildEntry> {
    let handle;
    try {
      handle = await opendir(this.locate(dir));
    } catch (err) {
      if (isMissing(err)) return;
      throw new StorageAccessError(this.locate(dir), `cannot list: ${failureReason(err)}`, { cause: err });
    }
    for await (const e of handle) {
      if (e.isDirectory()) yield { name: e.name, dir: true };
      else if (e.isFile()) yield { name: e.name, dir: false };
    }
  }

  async *files(dir: string): AsyncIterable<FileEntry> {
    for await (const child of this.children(dir)) {
      const p = `${dir}${child.name}`;
      if (child.dir) {
        yield* this.files(`${p}/`);
        continue;
      }
      try {
        const s = await stat(this.locate(p));
        yield { path: p, size: s.size, lastModified: s.mtime };
      } catch (err) {
        if (!isMissing(err)) throw new StorageAccessError(this.locate(p), `cannot stat: ${failureReason(err)}`, { cause: err });
        // deleted while walking: not there any more
      }
    }
  }

  async read(p: string, maxBytes: number): Promise<Buffer | undefined> {
    const file = this.locate(p);
    try {
      const s = await stat(file);
      if (s.size > maxBytes) throw new StorageLayoutError(file, `is ${s.size} bytes, more than the ${maxBytes} this reads`);
      return await readFile(file);
    } catch (err) {
      if (err instanceof StorageLayoutError) throw err;
      if (isMissing(err)) return undefined;
      throw new StorageAccessError(file, `cannot read: ${failureReason(err)}`, { cause: err });
    }
  }

  async write(p: string, data: Buffer): Promise<void> {
    const file = this.locate(p);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      // Written aside and renamed, as distribution's filesystem driver does, so a reader never sees half a link.
      const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temp, data);
      await rename(temp, file);
    } catch (err) {
      throw new StorageAccessError(file, `cannot write: ${failureReason(err)}`, { cause: err });
    }
  }

  async *deleteTrees(dirs: AsyncIterable<string> | Iterable<string>): AsyncIterable<TreeDeletion> {
    const seen = new Set<string>();
    for await (const dir of dirs) {
      if (seen.has(dir)) continue;
      seen.add(dir);
      const target = this.locate(dir);
      try {
        await lstat(target);
      } catch (err) {
        if (isMissing(err)) {
          yield { dir, status: 'gone' };
          continue;
        }
        yield { dir, status: 'failed', reason: `cannot stat ${target}: ${failureReason(err)}` };
        continue;
      }
      try {
        await rm(target, { recursive: true });
        yield { dir, status: 'done' };
      } catch (err) {
        yield { dir, status: 'failed', reason: `cannot delete ${target}: ${failureReason(err)}` };
      }
    }
  }

  async removeEmptyDirs(dir: string, stopAt: string): Promise<void> {
    let current = dir.replace(/\/+$/, '');
    const stop = stopAt.replace(/\/+$/, '');
    while (current.startsWith(`${stop}/`)) {
      try {
        await rmdir(this.locate(current));
      } catch (err) {
        // Not empty (or already gone): the parents are not empty either.
        if (!isMissing(err)) return;
      }
      current = current.slice(0, current.lastIndexOf('/'));
    }
  }
}
