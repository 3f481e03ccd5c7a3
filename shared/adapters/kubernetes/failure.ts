// What a failed cluster API call means: retry (429, 5xx, a dropped
// connection), give up, or, for the caller, restart the list (410) or take it
// as done (404). The retry loop itself is shared/adapters/retry.ts.
import { ApiException } from '@kubernetes/client-node';
import type { AttemptVerdict, RetryPolicy } from '../retry.js';

/** Six tries over about 15 s: rides out an API server restart or a burst of 429s. */
export const CLUSTER_RETRY_POLICY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };

// The words of a status when the body names no reason, so that a line never reads "HTTP 401 HTTP 401".
const STATUS_TEXT: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Gone',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** One failed call, in words safe to show (no body, no headers, no token). */
export interface Failure extends AttemptVerdict {
  /** HTTP status; 0 when no answer came. */
  status: number;
  /** The API's reason (`NotFound`, `Expired`, ...) or the connection error code. */
  reason: string;
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

/** Reads a client-node error (ApiException, fetch failure) into a {@link Failure}. */
export function describeFailure(err: unknown): Failure {
  if (err instanceof ApiException) {
    const status = err.code;
    const headers = err.headers as Record<string, string> | undefined;
    return {
      status,
      reason: reasonFromBody(err.body) ?? STATUS_TEXT[status] ?? '',
      retryable: RETRYABLE_STATUS.has(status),
      retryAfter: headers?.['retry-after'] ?? headers?.['Retry-After'],
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

/** A failure in one line: `HTTP 503 ServiceUnavailable`, or the connection error. */
export function failureText(f: Failure): string {
  if (!f.status) return f.reason;
  return f.reason && f.reason !== `HTTP ${f.status}` ? `HTTP ${f.status} ${f.reason}` : `HTTP ${f.status}`;
}

/** "after 6 attempts over 7.2 s" for a failure that was retried; "" for one that was not. */
export function attemptsText(attempts: number, elapsedMs?: number): string {
  if (attempts <= 1) return '';
  return ` after ${attempts} attempts${elapsedMs === undefined ? '' : ` over ${(elapsedMs / 1000).toFixed(1)} s`}`;
}

/** The one line for credentials the API server rejected (401), naming where they came from. */
export function tokenRejectedText(server: string, credentialSource: string, f: Failure): string {
  return `token rejected by ${server} (${failureText(f)}): the credentials of ${credentialSource}; log in again (oc login) or give another token`;
}
