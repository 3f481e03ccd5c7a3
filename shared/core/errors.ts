// The errors of the rules layer, and the one base class every error this
// project throws on purpose extends. It lives here because core is the lowest
// layer: adapters, workflow, functions and the CLI all build on it, and
// shared/errors.ts re-exports it for them.

/** What every error of this project takes besides its message. */
export interface ErrorOptions {
  /** The error this one explains (kept for logs, never shown in one-line messages). */
  cause?: unknown;
}

/**
 * The one base class of every error this project throws on purpose. Subclasses
 * end in `Error`, set a stable `name` (Step Functions Retry/Catch match on it),
 * take `{ cause }`, and say which object and field went wrong.
 */
export class PrunerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PrunerError';
  }
}

/** Input that does not have the shape the rules read (a snapshot item, an event, a flag). */
export class InvalidInputError extends PrunerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidInputError';
  }
}

/** An image reference that does not fit the pull-spec grammar; the message says why. */
export class InvalidReferenceError extends PrunerError {
  constructor(
    readonly reference: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`invalid image reference ${JSON.stringify(reference)}: ${reason}`, options);
    this.name = 'InvalidReferenceError';
  }
}

/** One or more image references that do not parse; the plan stops unless they are ignored. */
export class InvalidReferencesError extends PrunerError {
  readonly offenders: string[];
  constructor(offenders: string[], options?: ErrorOptions) {
    super(`${offenders.length} invalid image reference(s):\n  ${offenders.join('\n  ')}`, options);
    this.name = 'InvalidReferencesError';
    this.offenders = offenders;
  }
}

/** The hard-prune sweep was asked to decide before every manifest it must keep was marked (a manifest-list child, a stream revision without Image): it could delete their layers. */
export class IncompleteMarkingError extends PrunerError {
  constructor(
    readonly unresolved: string[],
    options?: ErrorOptions,
  ) {
    const more = unresolved.length > 5 ? ` and ${unresolved.length - 5} more` : '';
    super(`hard prune: manifests not marked (children of manifest lists or stream revisions without Image object, not read from storage): ${unresolved.slice(0, 5).join(', ')}${more}`, options);
    this.name = 'IncompleteMarkingError';
  }
}

/**
 * Hard prune was asked to sweep on a partial view of the cluster: no Image at
 * all while storage holds manifests (an empty or streams-only dump, the wrong
 * cluster). Every blob would look unused; nothing may be deleted.
 */
export class PartialClusterViewError extends PrunerError {
  constructor(message: string, options?: ErrorOptions) {
    super(`hard prune: nothing deleted: ${message}`, options);
    this.name = 'PartialClusterViewError';
  }
}
