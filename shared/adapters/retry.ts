// Bounded retries with exponential backoff and full jitter, honouring a
// server's Retry-After: one loop for every adapter that talks to a server (the
// cluster API, the registry). Each adapter says what a failed attempt means
// (worth another try or not, and why) and keeps its own default policy; the
// loop, the backoff and the Retry-After reading are the same everywhere.
import { PrunerError, type ErrorOptions } from '../core/errors.js';

/** How often and how patiently to retry one request. */
export interface RetryPolicy {
  /** Attempts in all, the first one included (at least 1). */
  attempts: number;
  /** The backoff before retry n is a random delay up to baseDelayMs * 2^(n-1). */
  baseDelayMs: number;
  /** Upper bound of one backoff delay. */
  maxDelayMs: number;
  /** A longer `Retry-After` than this is cut down to it. */
  maxRetryAfterMs: number;
}

/** What one failed attempt means, as the adapter reads it. */
export interface AttemptVerdict {
  /** Worth another try: the server may answer differently a moment later. */
  retryable: boolean;
  /** Why the attempt failed, in words safe to show (`HTTP 503`, `ECONNRESET`). */
  reason: string;
  /** The server's `Retry-After` header, when it sent one. */
  retryAfter?: string | null;
}

/** How {@link withRetry} reads the outcome of each attempt. */
export interface RetryOptions<T, V extends AttemptVerdict> {
  /** Reads a thrown error. */
  judgeError: (err: unknown) => V;
  /** Reads a returned value; a retryable verdict tries again. Default: every value is final. */
  judgeValue?: (value: T) => V | undefined;
  /** True to stop retrying at once (e.g. an answer the caller handles itself). */
  stop?: (verdict: V) => boolean;
  /** Called before each backoff: for logs and tests. */
  onRetry?: (verdict: V, attempt: number, delayMs: number) => void;
  /**
   * Aborting it ends the loop at once (a backoff in progress included) by
   * throwing the signal's reason: a caller whose other work already failed
   * stops this one instead of waiting out its retries.
   */
  signal?: AbortSignal;
}

/**
 * A call that still failed after its last retry, or failed in a way not worth
 * retrying. Adapters turn it into their own error naming the object; `cause`
 * is the last attempt's error.
 */
export class AttemptsExhaustedError<V extends AttemptVerdict = AttemptVerdict> extends PrunerError {
  constructor(
    readonly verdict: V,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(`${verdict.reason} after ${attempts} attempt(s)`, options);
    this.name = 'AttemptsExhaustedError';
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The delay before retry number `retry` (1-based): the server's `Retry-After` (capped), else full jitter over an exponential window. */
export function backoffDelay(policy: RetryPolicy, retry: number, retryAfter?: string | null, random: () => number = Math.random): number {
  const hinted = parseRetryAfter(retryAfter);
  if (hinted !== undefined) return Math.min(hinted, policy.maxRetryAfterMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(random() * ceiling);
}

/** Resolves after `ms` milliseconds; rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `fn` until it succeeds, its outcome is not worth retrying, `stop` says
 * so, or the attempts run out. A last value is returned as it is (the caller
 * reads a final 503 itself); a last error is thrown as
 * {@link AttemptsExhaustedError} with the verdict and the attempt count.
 */
export async function withRetry<T, V extends AttemptVerdict>(fn: () => Promise<T>, policy: RetryPolicy, options: RetryOptions<T, V>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    options.signal?.throwIfAborted();
    let verdict: V;
    try {
      const value = await fn();
      const v = options.judgeValue?.(value);
      if (!v?.retryable || attempt >= policy.attempts || options.stop?.(v)) return value;
      verdict = v;
    } catch (err) {
      const v = options.judgeError(err);
      if (!v.retryable || attempt >= policy.attempts || options.stop?.(v)) throw new AttemptsExhaustedError(v, attempt, { cause: err });
      verdict = v;
    }
    options.signal?.throwIfAborted();
    const delayMs = backoffDelay(policy, attempt, verdict.retryAfter);
    options.onRetry?.(verdict, attempt, delayMs);
    await sleep(delayMs, options.signal);
  }
}
