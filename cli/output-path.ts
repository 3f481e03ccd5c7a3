// Output paths are checked before any work starts: a collection of a big
// cluster should not end with "cannot write FILE" after minutes of listing.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidInputError } from '../shared/errors.js';

/** An output path that cannot be written; the message names the flag and the path. */
export class OutputPathError extends InvalidInputError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutputPathError';
  }
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'error';
}

/**
 * Checks that the file `path` (given with `flag`) can be written: it is not a
 * directory, and its directory exists and is writable. "-" (standard output)
 * always can. Throws {@link OutputPathError}.
 */
export function checkOutputFile(flag: string, path: string): void {
  if (path === '-') return;
  const target = resolve(path);
  try {
    if (statSync(target).isDirectory()) throw new OutputPathError(`${flag} ${path}: is a directory (give a file name)`);
  } catch (err) {
    if (err instanceof OutputPathError) throw err;
    if (code(err) !== 'ENOENT') throw new OutputPathError(`${flag} ${path}: cannot be written (${code(err)})`, { cause: err });
  }
  const dir = dirname(target);
  try {
    if (!statSync(dir).isDirectory()) throw new OutputPathError(`${flag} ${path}: ${dir} is not a directory`);
    accessSync(dir, constants.W_OK);
  } catch (err) {
    if (err instanceof OutputPathError) throw err;
    const why = code(err) === 'ENOENT' ? `the directory ${dir} does not exist` : `the directory ${dir} is not writable (${code(err)})`;
    throw new OutputPathError(`${flag} ${path}: ${why}`, { cause: err });
  }
}

/**
 * Checks that the directory `path` (given with `flag`) can be written,
 * creating it (and its parents) when missing, as the command would. Throws
 * {@link OutputPathError}.
 */
export function checkOutputDir(flag: string, path: string): void {
  try {
    // Private, as every folder the artifacts store makes: runs hold plans and snapshots.
    mkdirSync(path, { recursive: true, mode: 0o700 });
    if (!statSync(path).isDirectory()) throw new OutputPathError(`${flag} ${path}: is not a directory`);
    accessSync(path, constants.W_OK);
  } catch (err) {
    if (err instanceof OutputPathError) throw err;
    const c = code(err);
    const why = c === 'EEXIST' || c === 'ENOTDIR' ? 'is not a directory' : `cannot be written (${c})`;
    throw new OutputPathError(`${flag} ${path}: ${why}`, { cause: err });
  }
}
