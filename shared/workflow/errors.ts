// The errors of the workflow layer: what a task throws on purpose, under the
// stable names the state machines' Retry and Catch rules match (ERROR). A test
// (test/functions/error-names.test.ts) checks each matched name is thrown.
import { FINAL_REGISTRY_ERROR_NAMES } from '../adapters/errors.js';
import { PrunerError } from '../errors.js';
import type { DeletionKind } from './contracts.js';

/** Error names the state machine matches in Retry and Catch; each is thrown by the code named. */
export const ERROR = {
  /** the start tasks and release-run-lock: the run lock's store (DynamoDB, the lock folder) could not be asked. */
  runLock: 'RunLockError',
  /** every task: the event does not have the documented shape. */
  invalidInput: 'InvalidInputError',
  /** collect: a list could not be completed (the run stops before planning). */
  collect: 'CollectError',
  /** compute-plan: invalid image references and `ignoreInvalidRefs` not set. */
  invalidReferences: 'InvalidReferencesError',
  /** check-health: the registry cannot be reached or is unhealthy. */
  registryUnhealthy: 'RegistryUnhealthyError',
  /** batch tasks: items still failed after the in-task retries. */
  batchFailed: 'BatchItemsFailedError',
  /** every task that reads or writes run artifacts: transient artifact store trouble. */
  artifacts: 'ArtifactsError',
  /** HardPrune sweep tasks: deletions of the batch still failed after the storage client's retries. */
  sweepFailed: 'SweepItemsFailedError',
} as const;

/**
 * The registry's answers that every further request would get too (the
 * RegistryAnswerError classes of shared/adapters/errors.ts). A batch task that met one
 * stops and throws under that name instead of BatchItemsFailedError, so the
 * state machine fails the run at once rather than retrying the batch.
 */
export const REGISTRY_ANSWER_ERRORS: readonly string[] = FINAL_REGISTRY_ERROR_NAMES;

/**
 * Error names that are never retried: they are answers, not accidents. A failed
 * HardPrune sweep is not retried either: the storage client already retried
 * each request, and the run is finished by starting it again (every deletion
 * is idempotent).
 */
export const NOT_RETRIED: readonly string[] = [ERROR.invalidInput, ERROR.invalidReferences, ERROR.registryUnhealthy, ERROR.sweepFailed, ...REGISTRY_ANSWER_ERRORS];

/** A resource group could not be listed completely; the run stops before planning. */
export class CollectError extends PrunerError {
  constructor(readonly group: string, message: string, options?: { cause?: unknown }) {
    super(`collect ${group}: ${message}`, options);
    this.name = ERROR.collect;
  }
}

/** The registry did not answer as healthy; nothing was deleted. */
export class RegistryUnhealthyError extends PrunerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`registry health check failed: ${message}`, options);
    this.name = ERROR.registryUnhealthy;
  }
}

/** The artifact store could not read or write a key. */
export class ArtifactsError extends PrunerError {
  constructor(readonly key: string, message: string, options?: { cause?: unknown }) {
    super(`artifacts ${key}: ${message}`, options);
    this.name = ERROR.artifacts;
  }
}

/** Items of a batch that still failed after retries, each with its reason. */
export class BatchItemsFailedError extends PrunerError {
  constructor(readonly kind: DeletionKind, readonly failed: { item: string; reason: string }[], readonly total: number, readonly others?: { done: number; gone: number }) {
    super(describeFailedItems(kind, failed, total, others));
    this.name = ERROR.batchFailed;
  }
}

/** How many failed items a batch error's message names; the rest are counted. */
export const FAILED_ITEMS_IN_MESSAGE = 20;

/**
 * "3 of 100 manifests failed:", the failed items with their reasons (at most
 * {@link FAILED_ITEMS_IN_MESSAGE}), and how the other items of the batch went:
 * the message of a failed batch, which is all Step Functions keeps of it (the
 * Cause of the failed child execution), so the report reads the counts and the
 * items back from it ({@link parseFailedItems}).
 */
export function describeFailedItems(kind: DeletionKind, failed: readonly { item: string; reason: string }[], total: number, others?: { done: number; gone: number }): string {
  const shown = failed.slice(0, FAILED_ITEMS_IN_MESSAGE).map((f) => `${f.item}: ${f.reason.split('\n')[0]}`);
  const more = failed.length > shown.length ? `\n  ... and ${failed.length - shown.length} more` : '';
  const rest = others ? `\n  (the others: ${others.done} done, ${others.gone} already gone)` : '';
  return `${failed.length} of ${total} ${kind} failed:\n  ${shown.join('\n  ')}${more}${rest}`;
}

/** A batch error's message read back: the counts and the items it names. */
export interface FailedItems {
  kind: string;
  failed: number;
  total: number;
  items: { item: string; reason: string }[];
  others?: { done: number; gone: number };
}

/** Reads a message {@link describeFailedItems} wrote; undefined for any other message. */
export function parseFailedItems(message: string): FailedItems | undefined {
  const [head, ...lines] = message.split('\n');
  const m = /^(\d+) of (\d+) (\w+) failed:$/.exec(head ?? '');
  if (!m) return undefined;
  const out: FailedItems = { kind: m[3], failed: Number(m[1]), total: Number(m[2]), items: [] };
  for (const line of lines) {
    const text = line.trim();
    const others = /^\(the others: (\d+) done, (\d+) already gone\)$/.exec(text);
    if (others) out.others = { done: Number(others[1]), gone: Number(others[2]) };
    else if (/^\.\.\. and \d+ more$/.test(text)) continue;
    else {
      // Item names (digests, repository@digest, namespace/name) hold no ": ".
      const at = text.indexOf(': ');
      if (at > 0) out.items.push({ item: text.slice(0, at), reason: text.slice(at + 2) });
    }
  }
  return out;
}

/** Confirm without `registryReadOnlyConfirmed: true`: checked again by the start task after the Choice. */
export class RegistryNotReadOnlyError extends PrunerError {
  constructor() {
    super(
      'execution input: confirm needs registryReadOnlyConfirmed: true — the registry must be read-only while hard prune deletes, ' +
        'or an image pushed during the sweep can lose its blobs',
    );
    this.name = 'RegistryNotReadOnlyError';
  }
}

/** Marking could not read a manifest-list child: nothing may be swept. */
export class HardPruneMarkingError extends PrunerError {
  constructor(message: string) {
    super(`hard prune: nothing deleted: ${message}`);
    this.name = 'HardPruneMarkingError';
  }
}

/**
 * Deletions of one HardPrune sweep batch that failed, thrown after every item
 * of the batch was tried and its artifact written (the report lists them all):
 * the Map fails, the failure is reported and the execution ends failed.
 */
export class SweepItemsFailedError extends PrunerError {
  constructor(readonly sweep: 'blob prefixes' | 'repositories', readonly failed: readonly string[], readonly batch: string) {
    const shown = failed.slice(0, 20);
    const more = failed.length > shown.length ? `\n  ... and ${failed.length - shown.length} more` : '';
    super(`hard prune: ${failed.length} deletion(s) failed in the batch of ${sweep} from ${batch}; start the run again to finish:\n  ${shown.join('\n  ')}${more}`);
    this.name = ERROR.sweepFailed;
  }
}
