// What can go wrong talking to the registry. Messages name the registry, the
// request and what to change; they never carry tokens, response bodies or headers.
import { PrunerError } from '../../errors.js';

/**
 * A registry error that every further request would hit too (wrong endpoint,
 * deleting disabled, bad credentials, registry down): a batch stops starting new
 * items when it sees one.
 */
export abstract class RegistryFatalError extends PrunerError {
  readonly fatal = true;
}

/** The registry cannot be reached or does not say it is healthy; nothing was deleted. */
export class RegistryUnreachableError extends RegistryFatalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryUnreachableError';
  }
}

/** The registry answered 405 / UNSUPPORTED to a DELETE: `storage.delete.enabled` is off. */
export class RegistryDeleteDisabledError extends RegistryFatalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryDeleteDisabledError';
  }
}

/**
 * A 404 without a registry error body: the endpoint does not exist (as
 * `/admin/blobs` on a plain distribution registry). Never read as "already gone".
 */
export class RegistryEndpointNotFoundError extends RegistryFatalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryEndpointNotFoundError';
  }
}

/** The registry refused the credentials (401/403). */
export class RegistryAuthError extends RegistryFatalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryAuthError';
  }
}

/** One request failed (an unexpected status, or 5xx/429 still after every retry). */
export class RegistryRequestError extends PrunerError {
  /** The last HTTP status, when there was an answer. */
  readonly status?: number;
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.name = 'RegistryRequestError';
    this.status = options?.status;
  }
}

/** True for errors after which no further registry request should be started. */
export function isFatalRegistryError(err: unknown): boolean {
  return err instanceof RegistryFatalError;
}
