// Runs handlers as Lambda would: the generic middy handler of a task-table row
// with a fake context, its ports bound to real local components.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PortSource } from '../../functions/ports-middleware.js';
import type { Context } from '../../functions/powertools.js';
import { taskHandler } from '../../functions/task-handler.js';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import { DescribingDeleters } from '../../shared/workflow/describing-ports.js';
import { DEFAULT_RUN_OPTIONS, type RunContext } from '../../shared/workflow/contracts.js';
import type { AnyTask, PortName, Ports } from '../../shared/workflow/task.js';
import { FolderRunLock } from '../../cli/local-run/run-lock.js';

/** A Lambda context as the runtime passes it (the parts anything reads). */
export function fakeContext(functionName = 'pruner-test'): Context {
  return {
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/24/[$LATEST]abc',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60_000,
  };
}

/** A run context as "Refuse to run twice" returns it. */
export function runContext(over: Partial<RunContext['options']> = {}): RunContext {
  return {
    runId: '20261124T000000Z-test',
    executionId: 'arn:aws:states:eu-west-1:123456789012:execution:ImagePruner:test',
    options: { ...DEFAULT_RUN_OPTIONS, now: '2026-11-20T00:00:00.000Z', ...over } as RunContext['options'],
  };
}

const PORT_NAMES: readonly PortName[] = ['artifacts', 'cluster', 'clusterWriter', 'clusterCreator', 'registry', 'blobs', 'storage', 'lock', 'metrics', 'settings'];

export interface Harness {
  dir: string;
  artifacts: LocalFolderArtifacts;
  lock: FolderRunLock;
  /** What the describing deleters said they would do. */
  lines: string[];
  /** The ports every handler gets from now on: those bound so far with `over` on top. */
  bind(over?: Partial<Ports>): void;
  /** The Lambda handler of `task`, its ports from this harness. */
  handler(task: AnyTask): (event: unknown, context: Context) => Promise<unknown>;
  stop(): Promise<void>;
}

/** A temporary artifacts folder and ports made of local components; registry and cluster writes only describe. */
export async function harness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'pruner-fn-'));
  const artifacts = new LocalFolderArtifacts(join(dir, 'artifacts'));
  const lock = new FolderRunLock(join(dir, 'lock'), { leaseSeconds: 3600 });
  const lines: string[] = [];
  const describing = new DescribingDeleters((l) => lines.push(l));
  const defaults: Partial<Ports> = {
    artifacts,
    lock,
    settings: { defaults: { keepTagRevisions: 5 }, itemPolicy: { concurrency: 4 } },
    registry: Object.assign(describing, { checkHealth: async () => undefined }),
    blobs: describing,
    clusterWriter: describing,
    clusterCreator: {
      createImage: () => Promise.reject(new Error('no cluster to create in, in this test')),
      createImageStream: () => Promise.reject(new Error('no cluster to create in, in this test')),
      createImageStreamMapping: () => Promise.reject(new Error('no cluster to create in, in this test')),
    },
    metrics: { add: () => undefined },
  };
  let current: Partial<Ports> = defaults;
  const source = Object.fromEntries(
    PORT_NAMES.map((name) => [
      name,
      async () => {
        const port = current[name];
        if (port === undefined) throw new Error(`no ${name} in this test`);
        return port;
      },
    ]),
  ) as PortSource;
  const h: Harness = {
    dir,
    artifacts,
    lock,
    lines,
    bind(over = {}) {
      current = { ...current, ...over };
    },
    handler: (task) => taskHandler(task, { ports: source }) as (event: unknown, context: Context) => Promise<unknown>,
    async stop() {
      await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/**
 * The Lambda handler of each row of `table`, bound to the harness `current()`
 * returns when it is called (tests make a new harness in beforeEach).
 */
export function handlersOf<T extends Record<string, AnyTask>>(table: T, current: () => Harness): { [K in keyof T]: (event: unknown, context: Context) => Promise<unknown> } {
  return Object.fromEntries(Object.entries(table).map(([name, task]) => [name, (event: unknown, context: Context) => current().handler(task)(event, context)])) as {
    [K in keyof T]: (event: unknown, context: Context) => Promise<unknown>;
  };
}
