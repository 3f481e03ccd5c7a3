// What a failed API call means (retry, give up, restart the list) and bounded
// retries with exponential backoff and full jitter, honouring Retry-After.
import { ApiException } from '@kubernetes/client-node';

/** How hard to retry one request. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** The first backoff; each retry doubles it (before jitter). */
  baseDelayMs: number;
  /** The largest backoff. */
  maxDelayMs: number;
  /** The longest Retry-After honoured; a longer one is cut to this. */
  maxRetryAfterMs: number;
}

/** Six tries over about 15 s: rides out an API server restart or a burst of 429s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };

/** One failed call, in words safe to show (no body, no headers, no token). */
export interface Failure {
  /** HTTP status; 0 when no answer came. */
  status: number;
  /** The API's reason (`NotFound`, `Expired`, ...) or the connection error code. */
  reason: string;
  /** 429, 5xx and connection errors: worth another try. */
  retryable: boolean;
  /** The server's Retry-After, in milliseconds. */
  retryAfterMs?: number;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

function reasonFromBody(body: unknown): string | undefined {
  let b = body;
  if (typeof b === 'string') {
    try {
      b = JSON.parse(b);
    } catch {
      return undefined;
    }
  }
  if (typeof b === 'object' && b !== null) {
    const r = (b as { reason?: unknown }).reason;
    if (typeof r === 'string' && r) return r;
  }
  return undefined;
}

function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  const v = headers?.['retry-after'] ?? headers?.['Retry-After'];
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Reads a client-node error (ApiException, fetch failure) into a {@link Failure}. */
export function describeFailure(err: unknown): Failure {
  if (err instanceof ApiException) {
    const status = err.code;
    return {
      status,
      reason: reasonFromBody(err.body) ?? `HTTP ${status}`,
      retryable: RETRYABLE_STATUS.has(status),
      retryAfterMs: retryAfterMs(err.headers),
    };
  }
  // undici's fetch rejects with TypeError('fetch failed') and the socket error as cause.
  if (err instanceof TypeError && err.message === 'fetch failed') {
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : 'connection error';
    // A certificate that does not verify will not verify on the next try either.
    const tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|HOSTNAME|ALTNAME/i.test(code);
    return { status: 0, reason: tls ? `TLS: ${code} (pass --cluster-certificate-authority, or --insecure-skip-tls-verify)` : code, retryable: !tls };
  }
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) {
    return { status: 0, reason: 'timeout', retryable: true };
  }
  return { status: 0, reason: err instanceof Error ? err.message : String(err), retryable: false };
}

/** A call that still failed after its last retry (or failed in a way not worth retrying). */
export class AttemptsExhausted extends Error {
  constructor(
    readonly failure: Failure,
    readonly attempts: number,
    readonly original: unknown,
  ) {
    super(`${failure.status ? `HTTP ${failure.status} ` : ''}${failure.reason} after ${attempts} attempt(s)`);
    this.name = 'AttemptsExhausted';
  }
}

/** The backoff before retry number `retry` (1-based): full jitter over an exponential window, or Retry-After. */
export function backoffMs(policy: RetryPolicy, retry: number, failure: Failure, random: () => number = Math.random): number {
  if (failure.retryAfterMs !== undefined) return Math.min(failure.retryAfterMs, policy.maxRetryAfterMs);
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(random() * window);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `fn` until it succeeds, fails in a way not worth retrying, `stop`
 * says so (e.g. a 410 the caller handles), or the attempts run out; then
 * throws {@link AttemptsExhausted}.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy,
  options: { stop?: (f: Failure) => boolean; onRetry?: (f: Failure, retry: number, delayMs: number) => void } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      const failure = describeFailure(err);
      if (!failure.retryable || attempt >= policy.attempts || options.stop?.(failure)) throw new AttemptsExhausted(failure, attempt, err);
      const delay = backoffMs(policy, attempt, failure);
      options.onRetry?.(failure, attempt, delay);
      await sleep(delay);
    }
  }
}
