// Run artifacts in a local folder: what `image-pruner run` uses. They are
// private to the user who ran it (files 0600, the folders created 0700): plans,
// reports and snapshots name every image, stream and pod of the cluster.
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ArtifactsError } from '../../workflow/contracts.js';
import type { ArtifactStore } from './artifact-store.js';
import { checkKey } from './artifact-store.js';

/** Mode of every artifact file: read and written by its owner only. */
export const ARTIFACT_FILE_MODE = 0o600;
/** Mode of every folder created for artifacts. */
export const ARTIFACT_FOLDER_MODE = 0o700;

/** Keeps artifacts as files under one folder; keys are relative paths. */
export class LocalFolderArtifacts implements ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  locate(key: string): string {
    return join(this.root, ...checkKey(key).split('/'));
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    const path = this.locate(key);
    try {
      await mkdir(dirname(path), { recursive: true, mode: ARTIFACT_FOLDER_MODE });
      // Write then rename, so a reader never sees half a plan file. The mode
      // is set at creation: the file is never readable by others, even briefly.
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, body, { mode: ARTIFACT_FILE_MODE });
      await rename(tmp, path);
    } catch (err) {
      throw new ArtifactsError(key, `cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
    }
  }

  async get(key: string): Promise<Buffer> {
    const path = this.locate(key);
    try {
      return await readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ArtifactsError(key, code === 'ENOENT' ? `does not exist (${path})` : `cannot read ${path}: ${code ?? 'error'}`, { cause: err });
    }
  }

  async list(prefix: string): Promise<string[]> {
    const base = join(this.root, ...prefix.split('/').filter(Boolean));
    let entries: string[];
    try {
      // Files only: keys name objects, as on S3, never the folders between them.
      const dirents = await readdir(base, { recursive: true, withFileTypes: true });
      entries = dirents.filter((e) => e.isFile()).map((e) => relative(base, join((e as { parentPath?: string }).parentPath ?? e.path, e.name)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new ArtifactsError(prefix, 'cannot list', { cause: err });
    }
    return entries
      .map((e) => relative(this.root, join(base, e)).split(sep).join('/'))
      .filter((k) => !k.endsWith('.tmp'))
      .sort();
  }
}
