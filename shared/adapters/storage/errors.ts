// Errors of the registry storage adapter. Each names the storage location
// (s3://bucket/key or a file path) it was about; none carries a response body,
// a header or a credential.
import { PrunerError } from '../../errors.js';

/** A `--registry-storage` location that cannot be used (bad scheme, no bucket, relative path, unknown option). */
export class StorageUrlError extends PrunerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUrlError';
  }
}

/** Storage could not be read, listed or written at `location` (access denied, no such bucket, I/O error). */
export class StorageAccessError extends PrunerError {
  readonly location: string;
  constructor(location: string, message: string, options?: { cause?: unknown }) {
    super(`${location}: ${message}`, options);
    this.name = 'StorageAccessError';
    this.location = location;
  }
}

/** Storage holds something the distribution layout does not allow (a link that is not a digest, a blob too big to read). */
export class StorageLayoutError extends PrunerError {
  readonly location: string;
  constructor(location: string, message: string, options?: { cause?: unknown }) {
    super(`${location}: ${message}`, options);
    this.name = 'StorageLayoutError';
    this.location = location;
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

/** One blob could not be deleted from storage; `digest` names it. */
export class StorageBlobDeleteError extends PrunerError {
  readonly digest: string;
  constructor(digest: string, location: string, reason: string, options?: { cause?: unknown }) {
    super(`blob ${digest} in ${location}: ${reason}`, options);
    this.name = 'StorageBlobDeleteError';
    this.digest = digest;
  }
}
