// "Another run going?" for local runs: a lock file in the artifacts folder,
// taken by the run's first state and released when the run ends. Private, as
// every artifact (shared/adapters/artifacts/local-folder.ts).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACT_FILE_MODE, ARTIFACT_FOLDER_MODE } from '../../shared/adapters/artifacts/local-folder.js';
import type { RunningExecutions } from '../../shared/workflow/refuse-second-run.js';

interface LockContent {
  pid: number;
  executionId: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One run per artifacts folder: the lock names the holder's process and execution. */
export class FolderRunLock implements RunningExecutions {
  private readonly path: string;
  private held?: string;

  constructor(folder: string) {
    this.path = join(folder, '.run.lock');
  }

  async othersRunning(executionId: string): Promise<string[]> {
    await mkdir(join(this.path, '..'), { recursive: true, mode: ARTIFACT_FOLDER_MODE });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(this.path, JSON.stringify({ pid: process.pid, executionId } satisfies LockContent), { flag: 'wx', mode: ARTIFACT_FILE_MODE });
        this.held = executionId;
        return [];
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let holder: LockContent | undefined;
      try {
        holder = JSON.parse(await readFile(this.path, 'utf8')) as LockContent;
      } catch {
        holder = undefined;
      }
      if (holder && holder.executionId === executionId) return [];
      if (holder && alive(holder.pid)) return [`${holder.executionId} (pid ${holder.pid})`];
      // The holder died without releasing: a stale lock does not block forever.
      await rm(this.path, { force: true });
    }
    return ['another run (lock file keeps reappearing)'];
  }

  /** Releases the lock if this run holds it. */
  async release(): Promise<void> {
    if (!this.held) return;
    try {
      const holder = JSON.parse(await readFile(this.path, 'utf8')) as LockContent;
      if (holder.executionId === this.held) await rm(this.path, { force: true });
    } catch {
      // Already gone.
    }
    this.held = undefined;
  }
}
