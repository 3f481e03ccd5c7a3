// The process-per-task runner of the aws-scale benchmark: each task row gets
// its own long-lived worker processes (warm Lambda containers), as many as are
// busy at once (a Distributed Map's MaxConcurrency for the batch rows), and the
// local engine's `invoke` hook hands every task state's event to one of them
// over IPC. The payload limits stay checked in the parent, where AWS checks
// them (cli/local-run/limits.ts); what each invocation cost is measured in the
// child (bench/aws-scale-worker.ts) and gathered here per row.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PayloadMeasure } from '../cli/local-run/limits.js';
import type { AnyTask } from '../shared/workflow/task.js';
import type { WorkerConfig, WorkerReply } from './aws-scale-worker.js';

const WORKER_SOURCE = fileURLToPath(new URL('./aws-scale-worker.ts', import.meta.url));
/** Inside the repository, so that the bundle's packages resolve from node_modules (dist/ is not committed). */
const WORKER_BUNDLE = fileURLToPath(new URL('../dist/bench/aws-scale-worker.mjs', import.meta.url));

/**
 * Bundles the worker into plain JavaScript (as scripts/build.js bundles the
 * CLI), so that no TypeScript loader sits in the task processes' memory.
 */
export async function buildWorker(): Promise<string> {
  const { build } = await import('esbuild');
  await build({ entryPoints: [WORKER_SOURCE], outfile: WORKER_BUNDLE, bundle: true, platform: 'node', target: 'node22', format: 'esm', packages: 'external', logLevel: 'warning' });
  return WORKER_BUNDLE;
}

/** What one task row cost over a run. */
export interface RowFigures {
  row: AnyTask;
  invocations: number;
  /** Worker processes the row needed (its concurrency). */
  processes: number;
  /** The CPU time of the costliest invocation, and of all together. */
  maxCpuMs: number;
  totalCpuMs: number;
  /** The highest peak RSS of the row's processes. */
  peakRssBytes: number;
  /** The RSS of a fresh process of the row, before its first invocation (runtime and code). */
  baseRssBytes: number;
  /** The largest state input or task input (after Parameters), and the largest result. */
  maxInputBytes: number;
  maxOutputBytes: number;
  /** The largest ItemBatcher batch handed to the row (batch rows only). */
  maxBatchBytes: number;
}

interface Worker {
  child: ChildProcess;
  busy: boolean;
  pending?: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void };
}

/** A Lambda container that died during an invocation, as Lambda names it. */
export class TaskProcessExitError extends Error {
  constructor(row: string, code: number | null, signal: NodeJS.Signals | null, options?: { cause?: unknown }) {
    super(`task ${row}: its process exited (code ${code}, signal ${signal}) during an invocation`, options);
    this.name = 'Runtime.ExitError';
  }
}

/** Worker processes per task row, and the figures of every invocation. */
export class TaskProcessPool {
  private readonly workers = new Map<string, Worker[]>();
  private readonly rows = new Map<string, RowFigures>();
  private nextId = 1;

  /**
   * @param config where the workers find the servers and folders
   * @param heapMb each worker's V8 heap limit (--max-old-space-size)
   * @param batchRowOfMap the batch row each Distributed Map runs, by Map name
   */
  constructor(
    private readonly workerPath: string,
    private readonly config: WorkerConfig,
    private readonly heapMb: number,
    private readonly batchRowOfMap: ReadonlyMap<string, AnyTask>,
    private readonly rowOfState: ReadonlyMap<string, AnyTask>,
  ) {}

  private figures(row: AnyTask): RowFigures {
    let f = this.rows.get(row.id);
    if (!f) this.rows.set(row.id, (f = { row, invocations: 0, processes: 0, maxCpuMs: 0, totalCpuMs: 0, peakRssBytes: 0, baseRssBytes: 0, maxInputBytes: 0, maxOutputBytes: 0, maxBatchBytes: 0 }));
    return f;
  }

  /** Every row that ran, in the order it first ran. */
  results(): RowFigures[] {
    return [...this.rows.values()];
  }

  /** For the engine's `onPayload`: sizes as the limits measured them. */
  readonly onPayload = (m: PayloadMeasure): void => {
    if (m.what === 'batch') {
      const row = this.batchRowOfMap.get(m.state);
      if (row) this.figures(row).maxBatchBytes = Math.max(this.figures(row).maxBatchBytes, m.bytes);
      return;
    }
    const row = this.rowOfState.get(m.state);
    if (!row) return;
    const f = this.figures(row);
    if (m.what === 'output') f.maxOutputBytes = Math.max(f.maxOutputBytes, m.bytes);
    else f.maxInputBytes = Math.max(f.maxInputBytes, m.bytes);
  };

  /** For the engine's `invoke`: runs the row in an idle worker of its own (a new one when all are busy). */
  readonly invoke = async (_state: string, task: AnyTask, event: unknown): Promise<unknown> => {
    // Marked busy by idleWorker before it returns: two calls never share one.
    const w = await this.idleWorker(task);
    const id = this.nextId++;
    try {
      const reply = await new Promise<WorkerReply>((resolve, reject) => {
        w.pending = { resolve, reject };
        w.child.send({ type: 'invoke', id, event });
      });
      const f = this.figures(task);
      f.invocations += 1;
      f.maxCpuMs = Math.max(f.maxCpuMs, reply.cpuMs);
      f.totalCpuMs += reply.cpuMs;
      f.peakRssBytes = Math.max(f.peakRssBytes, reply.maxRssBytes);
      if (reply.error) {
        // The name is what Retry and Catch match, as the Lambda error type is on AWS.
        const err = new Error(reply.error.message);
        err.name = reply.error.name;
        throw err;
      }
      return reply.result;
    } finally {
      w.pending = undefined;
      w.busy = false;
    }
  };

  private async idleWorker(task: AnyTask): Promise<Worker> {
    const list = this.workers.get(task.id) ?? [];
    this.workers.set(task.id, list);
    const idle = list.find((w) => !w.busy && w.child.exitCode === null && w.child.signalCode === null);
    if (idle) {
      idle.busy = true;
      return idle;
    }
    const child = fork(this.workerPath, [task.id, JSON.stringify(this.config)], {
      execArgv: [`--max-old-space-size=${this.heapMb}`],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const w: Worker = { child, busy: true };
    list.push(w);
    this.figures(task).processes += 1;
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: { type: string; rssBytes?: number }): void => {
        if (m.type === 'ready') {
          const f = this.figures(task);
          f.baseRssBytes = Math.max(f.baseRssBytes, m.rssBytes ?? 0);
          child.off('exit', onEarlyExit);
          resolve();
        }
      };
      const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null): void => reject(new TaskProcessExitError(task.id, code, signal));
      child.on('message', onMessage);
      child.once('exit', onEarlyExit);
    });
    child.on('message', (m: WorkerReply) => {
      if (m.type === 'done') w.pending?.resolve(m);
    });
    child.on('exit', (code, signal) => w.pending?.reject(new TaskProcessExitError(task.id, code, signal)));
    return w;
  }

  /** Ends every worker (their IPC channel closes; each exits when idle). */
  async close(): Promise<void> {
    const all = [...this.workers.values()].flat().filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    await Promise.all(
      all.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.child.once('exit', () => resolve());
            w.child.kill('SIGTERM');
          }),
      ),
    );
  }
}
