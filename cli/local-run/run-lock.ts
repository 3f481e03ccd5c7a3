// The run lock of local runs (shared/workflow/run-lock.ts), with the
// semantics of the DynamoDB lock on AWS, in the artifacts folder: one run at
// a time per folder, a lease as long as the state machine's timeout and a
// margin, a re-entrant acquire, a release that only the holder can make.
//
// Race-free without a server: the lock is a sequence of numbered files in
// `<folder>/.run-lock/`, and the newest one says who holds it (a holder, or a
// release mark). Taking the lock when the newest file says it is free
// (released, expired, or its process is gone) is creating the next number,
// which the filesystem lets exactly one process do (a hard link fails when the
// name exists, and the file appears whole). The winner then checks that no
// newer number appeared meanwhile (a taker that read an old listing), and
// removes the older files. Files are never rewritten, so no reader sees half
// of one, and the newest file is never removed, so numbers never go back.
import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ARTIFACT_FILE_MODE, ARTIFACT_FOLDER_MODE } from '../../shared/adapters/artifacts/local-folder.js';
import type { AcquireOutcome, LockHolder, RunLock } from '../../shared/workflow/run-lock.js';
import { RunLockError, stateMachineOf } from '../../shared/workflow/run-lock.js';

/** The folder of the lock files, under the artifacts folder. */
export const LOCK_DIR = '.run-lock';

type Entry = (LockHolder & { pid: number; host: string }) | { releasedBy: string; releasedAt: string };

const NAME = /^(\d{12})\.json$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface FolderRunLockOptions {
  /** How long a lock lasts unless released: the state machine's timeout and a margin (leaseSecondsFor). */
  leaseSeconds: number;
  /** The clock, in ms (tests move it). */
  now?: () => number;
}

/** {@link RunLock} as numbered files in `<folder>/.run-lock/`. */
export class FolderRunLock implements RunLock {
  /** The lock files' folder. */
  readonly dir: string;
  private readonly now: () => number;

  constructor(
    folder: string,
    private readonly options: FolderRunLockOptions,
  ) {
    this.dir = join(folder, LOCK_DIR);
    this.now = options.now ?? Date.now;
  }

  async acquire(execution: string): Promise<AcquireOutcome> {
    await this.io('create the lock folder', () => mkdir(this.dir, { recursive: true, mode: ARTIFACT_FOLDER_MODE }));
    for (let attempt = 0; attempt < 20; attempt++) {
      const top = await this.newest();
      if (top === 'changed') continue;
      if (top && !('releasedBy' in top.entry)) {
        const held = top.entry;
        if (held.execution === execution) return { acquired: true, lease: holderOf(held) };
        if (!this.stale(held)) return { acquired: false, heldBy: holderOf(held) };
      }
      const nowMs = this.now();
      const entry: Entry = {
        execution,
        stateMachine: stateMachineOf(execution),
        acquiredAt: new Date(nowMs).toISOString(),
        expiresAt: new Date(nowMs + this.options.leaseSeconds * 1000).toISOString(),
        pid: process.pid,
        host: hostname(),
      };
      const mine = (top?.gen ?? 0) + 1;
      if (!(await this.create(mine, entry))) continue;
      // A taker that read an older listing may have made a newer number: then it was not ours to take.
      const after = await this.generations();
      if (after.some((g) => g > mine)) continue;
      await this.removeBelow(mine);
      return { acquired: true, lease: holderOf(entry) };
    }
    throw new RunLockError(`the lock in ${this.dir} keeps changing hands; try again`);
  }

  async release(execution: string): Promise<boolean> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const top = await this.newest();
      if (top === 'changed') continue;
      if (!top || 'releasedBy' in top.entry || top.entry.execution !== execution) return false;
      // A release mark after our own entry; when another took the lock (our lease expired) the name is taken and nothing changes.
      if (!(await this.create(top.gen + 1, { releasedBy: execution, releasedAt: new Date(this.now()).toISOString() }))) continue;
      await this.removeBelow(top.gen + 1);
      return true;
    }
    throw new RunLockError(`the lock in ${this.dir} keeps changing hands`);
  }

  /** Expired, or its process is gone (the local "execution ended": as the EventBridge rule releases on AWS). */
  private stale(held: LockHolder & { pid: number; host: string }): boolean {
    if (Date.parse(held.expiresAt) < this.now()) return true;
    return held.host === hostname() && !alive(held.pid);
  }

  private async generations(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new RunLockError(`cannot list ${this.dir}: ${(err as Error).message}`, { cause: err });
    }
    return names.flatMap((n) => {
      const m = NAME.exec(n);
      return m ? [Number(m[1])] : [];
    });
  }

  /** The newest file and what it says; 'changed' when it went away while being read (a newer one exists). */
  private async newest(): Promise<{ gen: number; entry: Entry } | undefined | 'changed'> {
    const gens = await this.generations();
    if (gens.length === 0) return undefined;
    const gen = Math.max(...gens);
    try {
      return { gen, entry: JSON.parse(await readFile(this.path(gen), 'utf8')) as Entry };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'changed';
      throw new RunLockError(`cannot read ${this.path(gen)}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Creates file `gen` whole, or returns false when it exists. */
  private async create(gen: number, entry: Entry): Promise<boolean> {
    const tmp = join(this.dir, `.tmp-${process.pid}-${randomUUID()}`);
    await this.io(`write ${tmp}`, () => writeFile(tmp, JSON.stringify(entry), { flag: 'wx', mode: ARTIFACT_FILE_MODE }));
    try {
      await link(tmp, this.path(gen));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new RunLockError(`cannot create ${this.path(gen)}: ${(err as Error).message}`, { cause: err });
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  /** Removes the files older than `gen` (best effort: they say nothing any more). */
  private async removeBelow(gen: number): Promise<void> {
    for (const g of await this.generations()) if (g < gen) await rm(this.path(g), { force: true }).catch(() => undefined);
  }

  private path(gen: number): string {
    return join(this.dir, `${String(gen).padStart(12, '0')}.json`);
  }

  private async io<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      throw new RunLockError(`cannot ${what}: ${(err as Error).message}`, { cause: err });
    }
  }
}

function holderOf(e: LockHolder): LockHolder {
  return { execution: e.execution, stateMachine: e.stateMachine, acquiredAt: e.acquiredAt, expiresAt: e.expiresAt };
}
