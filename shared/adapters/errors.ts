// The errors of every adapter (cluster, registry, registry storage), in one
// place so that their names, which Step Functions Retry/Catch and the CLI
// match on, are seen together. None carries a token, a credential, a response
// body or headers: only the object, the status and the server's reason.
import { PrunerError, type ErrorOptions } from '../core/errors.js';

// ---------------------------------------------------------------------------
// Cluster (shared/adapters/kubernetes)

/** The cluster connection cannot be set up (kubeconfig, context, token file, CA bundle). */
export class ClusterConfigError extends PrunerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClusterConfigError';
  }
}

/**
 * A list that could not be completed (retries or restarts exhausted). The
 * collection fails: a plan is never computed from a partial list.
 */
export class ListIncompleteError extends PrunerError {
  /** The kind whose list failed, e.g. `Image`. */
  readonly kind: string;
  constructor(kind: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ListIncompleteError';
    this.kind = kind;
  }
}

/** A request about one object (read, update, delete, create) failed for good. */
export class ClusterRequestError extends PrunerError {
  /** The HTTP status, or 0 when no answer came (connection error, timeout). */
  readonly status: number;
  constructor(message: string, status: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClusterRequestError';
    this.status = status;
  }
}

/** An image stream update still conflicted (409) after every re-read and re-apply. */
export class ImageStreamConflictError extends PrunerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ImageStreamConflictError';
  }
}

// ---------------------------------------------------------------------------
// Registry (shared/adapters/registry). Messages name the registry, the request
// and what to change.

/**
 * A registry error that every further request would hit too (wrong endpoint,
 * deleting disabled, bad credentials, registry down): a batch stops starting new
 * items when it sees one.
 */
export abstract class RegistryFatalError extends PrunerError {
  readonly fatal = true;
}

/**
 * A fatal error that is the registry's answer, not an accident: asking again
 * later gets the same answer, so a run that met one fails at once instead of
 * being retried (the names are {@link FINAL_REGISTRY_ERROR_NAMES}).
 */
export abstract class RegistryAnswerError extends RegistryFatalError {}

/** The registry cannot be reached or does not say it is healthy; nothing was deleted. Fatal, but may pass: retried. */
export class RegistryUnreachableError extends RegistryFatalError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegistryUnreachableError';
  }
}

/** The registry answered 405 / UNSUPPORTED to a DELETE: `storage.delete.enabled` is off. */
export class RegistryDeleteDisabledError extends RegistryAnswerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegistryDeleteDisabledError';
  }
}

/**
 * A 404 without a registry error body: the endpoint does not exist (as
 * `/admin/blobs` on a plain distribution registry). Never read as "already gone".
 */
export class RegistryEndpointNotFoundError extends RegistryAnswerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegistryEndpointNotFoundError';
  }
}

/** The registry refused the credentials (401/403). */
export class RegistryAuthError extends RegistryAnswerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegistryAuthError';
  }
}

/** One request failed (an unexpected status, or 5xx/429 still after every retry). */
export class RegistryRequestError extends PrunerError {
  /** The last HTTP status, when there was an answer. */
  readonly status?: number;
  constructor(message: string, options?: ErrorOptions & { status?: number }) {
    super(message, options);
    this.name = 'RegistryRequestError';
    this.status = options?.status;
  }
}

/** Every concrete {@link RegistryAnswerError}; a new one must be added here to be final. */
const FINAL_REGISTRY_ERRORS: ReadonlyArray<new (message: string) => RegistryAnswerError> = [
  RegistryDeleteDisabledError,
  RegistryEndpointNotFoundError,
  RegistryAuthError,
];

/**
 * The `name`s of the registry's final answers (the {@link RegistryAnswerError}
 * classes): the state machine does not retry them, and a batch that met one
 * throws it instead of a retried batch failure. Read off the classes, so the
 * list and the hierarchy cannot disagree.
 */
export const FINAL_REGISTRY_ERROR_NAMES: readonly string[] = FINAL_REGISTRY_ERRORS.map((E) => new E('').name);

/** True for errors after which no further registry request should be started. */
export function isFatalRegistryError(err: unknown): boolean {
  return err instanceof RegistryFatalError;
}

/** True for the registry's final answers ({@link FINAL_REGISTRY_ERROR_NAMES}). */
export function isFinalRegistryError(err: unknown): boolean {
  return err instanceof RegistryAnswerError;
}

// ---------------------------------------------------------------------------
// Registry storage (shared/adapters/storage). Each names the storage location
// (s3://bucket/key or a file path) it was about.

/** A `--registry-storage` location that cannot be used (bad scheme, no bucket, relative path, unknown option). */
export class StorageUrlError extends PrunerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageUrlError';
  }
}

/** Storage could not be read, listed or written at `location` (access denied, no such bucket, I/O error). */
export class StorageAccessError extends PrunerError {
  readonly location: string;
  constructor(location: string, message: string, options?: ErrorOptions) {
    super(`${location}: ${message}`, options);
    this.name = 'StorageAccessError';
    this.location = location;
  }
}

/** Storage holds something the distribution layout does not allow (a link that is not a digest, a blob too big to read). */
export class StorageLayoutError extends PrunerError {
  readonly location: string;
  constructor(location: string, message: string, options?: ErrorOptions) {
    super(`${location}: ${message}`, options);
    this.name = 'StorageLayoutError';
    this.location = location;
  }
}

/** `--registry-storage` names a place without the distribution layout: a wrong path would read as an empty registry. */
export class NotARegistryRootError extends PrunerError {
  readonly location: string;
  constructor(location: string, options?: ErrorOptions) {
    super(`${location} is not a registry root: no docker/registry/v2/blobs or docker/registry/v2/repositories below it (give the registry's storage rootdirectory)`, options);
    this.name = 'NotARegistryRootError';
    this.location = location;
  }
}

/** One blob could not be deleted from storage; `digest` names it. */
export class StorageBlobDeleteError extends PrunerError {
  readonly digest: string;
  constructor(digest: string, location: string, reason: string, options?: ErrorOptions) {
    super(`blob ${digest} in ${location}: ${reason}`, options);
    this.name = 'StorageBlobDeleteError';
    this.digest = digest;
  }
}

/** One line about why an SDK or file system call failed: its error name or code, never its body. */
export function failureReason(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    if (typeof e.code === 'string' && e.code) return e.code;
    if (typeof e.name === 'string' && e.name && e.name !== 'Error') return status ? `${e.name} (HTTP ${status})` : e.name;
    if (status) return `HTTP ${status}`;
  }
  return 'unknown error';
}

/** The Node/undici error code (`ECONNRESET`, `ERR_TLS_…`) of `err` or of its causes, if any. */
export function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
