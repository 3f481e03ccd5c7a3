/**
 * The one base class of every error this project throws on purpose. Subclasses
 * end in `Error`, set a stable `name` (Step Functions Retry/Catch match on it)
 * and say which object and field went wrong.
 */
export class PrunerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PrunerError';
  }
}

/** Input that does not have the shape the rules read (a snapshot item, an event, a flag). */
export class InvalidInputError extends PrunerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidInputError';
  }
}

/** One or more image references that do not parse; the plan stops unless they are ignored. */
export class InvalidReferencesError extends PrunerError {
  readonly offenders: string[];
  constructor(offenders: string[]) {
    super(`${offenders.length} invalid image reference(s):\n  ${offenders.join('\n  ')}`);
    this.name = 'InvalidReferencesError';
    this.offenders = offenders;
  }
}
