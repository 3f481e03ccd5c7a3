// Errors of the cluster adapter. None carries a token, a response body or
// response headers: only the object, the HTTP status and the API's reason.
import { PrunerError } from '../../errors.js';

/** The cluster connection cannot be set up (kubeconfig, context, token file, CA bundle). */
export class ClusterConfigError extends PrunerError {
  constructor(message: string, options?: { cause?: unknown }) {
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
  constructor(kind: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ListIncompleteError';
    this.kind = kind;
  }
}

/** A request about one object (read, update, delete, create) failed for good. */
export class ClusterRequestError extends PrunerError {
  /** The HTTP status, or 0 when no answer came (connection error, timeout). */
  readonly status: number;
  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterRequestError';
    this.status = status;
  }
}

/** An image stream update still conflicted (409) after every re-read and re-apply. */
export class ImageStreamConflictError extends PrunerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageStreamConflictError';
  }
}
