// A workflow is a table of tasks. One row says everything about one Lambda
// task: the event it takes, the function that does the work, the ports
// (adapters) it needs, its memory, timeout and retries. infra/ builds each
// function, its environment, grants and Retry rules from the row;
// functions/handler.ts serves any row; the local runner binds the same rows to
// the synthesized state machine. Nobody writes a string that must match a
// string elsewhere.
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.js';
import type { ClusterReader } from '../adapters/kubernetes/collector.js';
import type { ClusterCreator } from '../adapters/kubernetes/writers.js';
import type { RegistryStorage } from '../adapters/storage/index.js';
import type { BlobDeleter, ImageDeleter, ImageStreamUpdater, LayerLinkDeleter, ManifestDeleter, RegistryHealthChecker } from '../core/ports.js';
import type { RunOptions } from './contracts.js';
import { ERROR } from './errors.js';
import type { RunLock } from './run-lock.js';
import type { MetricsSink } from './report.js';
import type { ItemPolicy } from './run-items.js';

/** What the deployment (construct props, or the CLI's flags locally) tells every task. */
export interface Settings {
  /** Defaults of the execution input that the deployment sets (construct props). */
  defaults: Partial<Omit<RunOptions, 'now'>>;
  /** How many items one batch task has in flight. */
  itemPolicy: ItemPolicy;
  /**
   * The registry URL the deployment gives (--registry-url, the construct's
   * registryUrl); without one, "Find the registry" detects it from the image
   * streams (./registry-detection.ts).
   */
  registryUrl?: string;
  /**
   * How long one collect invocation lists before it hands on to the next
   * (default COLLECT_SLICE_SECONDS, 600: 10 of its 15 minutes). Locally a
   * smaller one shows the hand-over on a small cluster.
   */
  collectSliceSeconds?: number;
}

/** The adapters a task function may be given. A task names the ones it needs; it gets only those. */
export interface Ports {
  /** Run files: snapshots, plans, reports (the artifacts bucket on AWS, a folder locally). */
  artifacts: ArtifactStore;
  /** Complete, paged lists of the cluster's resources. */
  cluster: ClusterReader;
  /** Writes to the cluster: image stream revisions removed, Image objects deleted. */
  clusterWriter: ImageStreamUpdater & ImageDeleter;
  /** Creates in the cluster: Images, image streams and tags (fsck's recovery). */
  clusterCreator: ClusterCreator;
  /** The registry's API: health, manifest and layer-link deletes. */
  registry: RegistryHealthChecker & ManifestDeleter & LayerLinkDeleter;
  /** Blob deletes: through the registry, or in its storage when the deployment names it. */
  blobs: BlobDeleter;
  /** The registry's storage (distribution layout on S3 or a filesystem). */
  storage: RegistryStorage;
  /** The run lock shared by the state machines that act on one registry (./run-lock.ts). */
  lock: RunLock;
  /** Per-run metrics (CloudWatch EMF on AWS). */
  metrics: MetricsSink;
  /** The deployment's settings. */
  settings: Settings;
}

export type PortName = keyof Ports;

/** One Retry rule, as the ASL writes it. */
export interface RetryPolicy {
  errors: string[];
  intervalSeconds: number;
  maxAttempts: number;
  backoffRate: number;
}

/** Lambda service hiccups: retried on every task (AWS' recommended list). */
export const RETRY_LAMBDA_SERVICE: RetryPolicy = {
  errors: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
  intervalSeconds: 2,
  maxAttempts: 6,
  backoffRate: 2,
};

/** The artifact store (S3) briefly unavailable: retried a few times. */
export const RETRY_ARTIFACTS: RetryPolicy = { errors: [ERROR.artifacts], intervalSeconds: 2, maxAttempts: 3, backoffRate: 2 };

/** The run lock's store briefly unavailable: retried (acquire and release are idempotent for one execution). */
export const RETRY_RUN_LOCK: RetryPolicy = { errors: [ERROR.runLock], intervalSeconds: 2, maxAttempts: 3, backoffRate: 2 };

/** A collect that could not complete its lists: one more try from scratch, then stop. */
export const RETRY_COLLECT: RetryPolicy = { errors: [ERROR.collect], intervalSeconds: 5, maxAttempts: 2, backoffRate: 2 };

/**
 * A batch whose items kept failing inside the task (which already retried each
 * item): one more pass later, since every delete is idempotent. Then the Map fails.
 */
export const RETRY_BATCH: RetryPolicy = { errors: [ERROR.batchFailed], intervalSeconds: 10, maxAttempts: 1, backoffRate: 2 };

/** One Lambda task of a workflow. */
export interface Task<E = never, R = unknown, P extends PortName = PortName> {
  /** The function's id: its construct id and the handler's `PRUNER_TASK`; kebab-case, unique over all workflows. */
  readonly id: string;
  /** One line: what the task does (the function's description). */
  readonly summary: string;
  /** Parses the event the state machine hands the task; throws InvalidInputError naming the field. */
  readonly parse: (event: unknown) => E;
  /** The work. Gets exactly the ports it names. */
  readonly run: (event: E, ports: Pick<Ports, P>) => Promise<R>;
  readonly ports: readonly P[];
  readonly memoryMb: number;
  readonly timeoutMinutes: number;
  /** Retry rules beyond the Lambda service's (which every task has). */
  readonly retry: readonly RetryPolicy[];
  /** The task deletes from the registry's storage (grants delete, not only read, for ports storage and blobs). */
  readonly deletesFromStorage?: boolean;
  /** The task writes links into the registry's storage (fsck's recovery; grants put, not only read). */
  readonly writesToStorage?: boolean;
}

/** Any row of any table, for code that handles rows generically. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = Task<any, unknown, PortName>;

/** Declares one row; the types of `parse`, `run` and `ports` are checked against each other. */
export function defineTask<E, R, P extends PortName>(task: Task<E, R, P>): Task<E, R, P> {
  return task;
}
