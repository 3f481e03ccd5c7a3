// Bounded retries with exponential backoff and full jitter, for answers that a
// moment later may be different: 5xx, 429 and dropped or refused connections.
// A registry DELETE is idempotent (a repeat answers 404 "unknown"), so a
// request whose answer was lost may safely be sent again.

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

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
};

/** Error codes of Node and undici for a connection that failed or broke; worth another try. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The Node/undici error code of `err` or of its cause, if any. */
export function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for a connection that failed or broke (refused, reset, timed out): worth another try. */
export function isRetryableError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && RETRYABLE_CODES.has(code);
}

/** True for 429 and 5xx: the registry may answer differently a moment later. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** The delay before retry number `retry` (1-based), honouring a server's `Retry-After`. */
export function backoffDelay(policy: RetryPolicy, retry: number, retryAfter?: string | null): number {
  const hinted = parseRetryAfter(retryAfter);
  if (hinted !== undefined) return Math.min(hinted, policy.maxRetryAfterMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.random() * ceiling;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
