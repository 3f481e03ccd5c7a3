// Runs handlers as Lambda would: the exported middy handler with a fake
// context, the dependencies bound to real local components.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskDependencies } from '../../functions/common/dependencies.js';
import { useDependencies } from '../../functions/common/dependencies.js';
import type { Context } from '../../functions/common/powertools.js';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import type { ClusterReader } from '../../shared/adapters/kubernetes/collector.js';
import type { ClusterCreator } from '../../shared/adapters/kubernetes/writers.js';
import type { ImageDeleter, ImageStreamUpdater } from '../../shared/core/ports.js';
import { DescribingDeleters } from '../../shared/workflow/describing-ports.js';
import type { RunContext } from '../../shared/workflow/contracts.js';
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
    options: { confirm: false, keepTagRevisions: 3, keepYoungerThan: '60m', all: false, ignoreInvalidRefs: false, now: '2026-11-20T00:00:00.000Z', ...over },
  };
}

export interface Harness {
  dir: string;
  artifacts: LocalFolderArtifacts;
  lock: FolderRunLock;
  lines: string[];
  bind(over?: Partial<{ cluster: ClusterReader; writer: ImageStreamUpdater & ImageDeleter; creator: ClusterCreator }>): void;
  stop(): Promise<void>;
}

/** A temporary artifacts folder and dependencies made of local components. */
export async function harness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'pruner-fn-'));
  const artifacts = new LocalFolderArtifacts(join(dir, 'artifacts'));
  const lock = new FolderRunLock(join(dir, 'lock'));
  const lines: string[] = [];
  const describing = new DescribingDeleters((l) => lines.push(l));
  const h: Harness = {
    dir,
    artifacts,
    lock,
    lines,
    bind(over = {}) {
      const deps: TaskDependencies = {
        artifacts: () => artifacts,
        runningExecutions: () => lock,
        defaults: () => ({ keepTagRevisions: 5 }),
        clusterReader: async () => over.cluster ?? Promise.reject(new Error('no cluster in this test')),
        clusterWriter: async () => over.writer ?? describing,
        clusterCreator: async () => over.creator ?? Promise.reject(new Error('no cluster to write to in this test')),
        registryHealth: async () => ({ checkHealth: async () => undefined }),
        registryDeleter: async () => describing,
        blobDeleter: async () => describing,
        metrics: () => ({ add: () => undefined }),
        itemPolicy: () => ({ concurrency: 4 }),
      };
      useDependencies(deps);
    },
    async stop() {
      useDependencies(undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  h.bind();
  return h;
}
