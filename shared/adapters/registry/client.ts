// The HTTP side of talking to an image registry: where it is (https unless the
// user says otherwise), how to trust it (system CAs, a given CA, or no check
// with --force-insecure), one keep-alive connection pool, a health check before
// the first request that changes anything, and bounded retries.
import { readFileSync } from 'node:fs';
import { Agent, type Dispatcher } from 'undici';
import { InvalidInputError } from '../../core/errors.js';
import { RegistryRequestError, RegistryUnreachableError, errorCode } from '../errors.js';
import { hasUserInfo } from '../url-credentials.js';
import { AttemptsExhaustedError, withRetry, type AttemptVerdict, type RetryPolicy } from '../retry.js';

/**
 * Five tries over a few seconds. A registry DELETE is idempotent (a repeat
 * answers 404 "unknown"), so a request whose answer was lost may be sent again.
 */
export const REGISTRY_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 };

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

/** A connection that failed or broke (refused, reset, timed out) is worth another try; other errors are not. */
function judgeError(err: unknown): AttemptVerdict {
  const code = errorCode(err);
  return { retryable: code !== undefined && RETRYABLE_CODES.has(code), reason: code ?? 'connection error' };
}

/** 429 and 5xx: the registry may answer differently a moment later. */
function judgeAnswer({ answer, retryAfter }: { answer: RegistryAnswer; retryAfter?: string }): AttemptVerdict | undefined {
  const s = answer.status;
  return s === 429 || s >= 500 ? { retryable: true, reason: `HTTP ${s}`, retryAfter } : undefined;
}

/** Where the registry is and how to talk to it (the flags of `oc adm prune images`). */
export interface RegistryClientOptions {
  /**
   * `--registry-url`: `https://host[:port]`, `http://host[:port]`, or `host[:port]`
   * (https; with `insecure`, https without verification and then plain http).
   */
  url: string;
  /** Bearer token sent with every delete (the cluster token, as the OpenShift registry expects). */
  token?: string;
  /** Basic credentials instead of a token (a registry behind htpasswd); not with `token`. */
  basicAuth?: { username: string; password: string };
  /** `--certificate-authority`: PEM file of the CA(s) that signed the registry's certificate. */
  caFile?: string;
  /** The same PEM, given as text. */
  ca?: string | Buffer;
  /** `--force-insecure`: allow plain http and skip TLS verification. Without it, credentials to an `http://` registry are refused. */
  insecure?: boolean;
  /** Retries of one request; default {@link REGISTRY_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy>;
  /** Time allowed for response headers, and between body chunks; default 30 s. */
  timeoutMs?: number;
  /** Called before each retry: for logs and tests. Never carries secrets. */
  onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  /** What was being done, e.g. `DELETE manifest ns/app@sha256:…`. */
  operation: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  /** `HTTP 503` or an error code such as `ECONNRESET`. */
  reason: string;
  delayMs: number;
}

/** A registry's answer, reduced to what the deleters decide on. */
export interface RegistryAnswer {
  status: number;
  /** The `errors[].code` values of a registry error body (`MANIFEST_UNKNOWN`, …); [] when none. */
  errorCodes: string[];
}

const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Talks HTTP to one registry; one instance per run, shared by every deleter. */
export class RegistryClient {
  /** The URL as the user gave it, for messages. */
  readonly url: string;
  private readonly candidates: string[];
  private readonly prefix: string;
  private readonly authorization?: string;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly onRetry?: (info: RetryInfo) => void;
  private readonly agent: Agent;
  private readonly insecure: boolean;
  private readonly caGiven: boolean;
  private healthy?: Promise<string>;

  constructor(opts: RegistryClientOptions) {
    const { origins, prefix } = resolveOrigins(opts.url, opts.insecure ?? false);
    this.url = opts.url;
    this.candidates = origins;
    this.prefix = prefix;
    this.authorization = authorizationHeader(opts);
    if (this.authorization !== undefined && !opts.insecure && origins.some((o) => o.startsWith('http:'))) {
      // The token or password would cross the network in clear: only when the user said so (--force-insecure).
      throw new InvalidInputError(`--registry-url ${origins[0]}: plain http would send the registry credentials in clear; use https or allow insecure (--force-insecure)`);
    }
    this.policy = { ...REGISTRY_RETRY_POLICY, ...opts.retry };
    if (!Number.isInteger(this.policy.attempts) || this.policy.attempts < 1) {
      throw new InvalidInputError(`registry retry.attempts: ${this.policy.attempts} is not a whole number of at least 1`);
    }
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.onRetry = opts.onRetry;
    let ca = opts.ca;
    if (opts.caFile !== undefined) {
      try {
        ca = readFileSync(opts.caFile);
      } catch (err) {
        throw new InvalidInputError(`--certificate-authority ${opts.caFile}: cannot read the file (${errorCode(err) ?? 'error'})`, {
          cause: err,
        });
      }
    }
    const insecure = opts.insecure ?? false;
    this.insecure = insecure;
    this.caGiven = ca !== undefined;
    this.agent = new Agent({
      connect: { ca: ca === undefined ? undefined : [ca], rejectUnauthorized: !insecure },
      keepAliveTimeout: 10_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  /**
   * Checks that the registry answers and is healthy, as `oc` does: `GET /` then
   * `GET /healthz`, either answering 200; `GET /v2/` answering 200 or 401 counts
   * too. Throws {@link RegistryUnreachableError} otherwise. Remembers success.
   */
  async checkHealth(): Promise<void> {
    await this.origin();
  }

  /** The origin that passed the health check (checking it first if need be). */
  private origin(): Promise<string> {
    this.healthy ??= this.findHealthyOrigin().catch((err: unknown) => {
      // A later call checks again rather than failing forever on a blip.
      this.healthy = undefined;
      throw err;
    });
    return this.healthy;
  }

  private async findHealthyOrigin(): Promise<string> {
    const failures: string[] = [];
    let cause: unknown;
    for (const origin of this.candidates) {
      const seen: string[] = [];
      try {
        for (const [path, ok] of HEALTH_PROBES) {
          const answer = await this.attempt(origin, 'GET', path, `health check ${origin}${this.prefix}${path}`, false);
          if (ok.includes(answer.status)) return origin;
          seen.push(`${path} ${answer.status}`);
        }
        failures.push(`${origin}: ${seen.join(', ')}`);
      } catch (err) {
        cause = err;
        const tls = origin.startsWith('https:') ? this.tlsHint(err) : '';
        const what = err instanceof RegistryRequestError || err instanceof RegistryUnreachableError ? err.message : describeError(err);
        failures.push(`${what}${tls}`);
      }
    }
    throw new RegistryUnreachableError(
      `registry ${this.url} is not reachable or not healthy, nothing was deleted: ${failures.join('; ')}`,
      { cause },
    );
  }

  /** What to change when https failed: plain http, or the CA. */
  private tlsHint(err: unknown): string {
    const code = errorCode(err);
    if (this.insecure || code === undefined || !TLS_CODE.test(code)) return '';
    if (/^(ERR_SSL_WRONG_VERSION_NUMBER|EPROTO)$/.test(code)) {
      return ' (the registry may serve plain http: pass an http:// URL or --force-insecure)';
    }
    return this.caGiven
      ? ' (check that --certificate-authority holds the CA that signed the registry certificate)'
      : ' (a registry certificate from a private CA needs --certificate-authority)';
  }

  /**
   * Sends one request to the healthy registry, retrying 5xx, 429 and broken
   * connections, and returns the status with any registry error codes.
   * `operation` names the request in errors, e.g. `DELETE manifest ns/app@sha256:…`.
   */
  async send(method: 'DELETE' | 'GET' | 'HEAD', path: string, operation: string): Promise<RegistryAnswer> {
    const origin = await this.origin();
    return this.attempt(origin, method, path, operation, true);
  }

  private async attempt(origin: string, method: string, path: string, operation: string, auth: boolean): Promise<RegistryAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth && this.authorization !== undefined) headers.authorization = this.authorization;
    const once = async (): Promise<{ answer: RegistryAnswer; retryAfter?: string }> => {
      const res = await this.agent.request({ origin, path: this.prefix + path, method: method as Dispatcher.HttpMethod, headers });
      const ra = res.headers['retry-after'];
      return { retryAfter: Array.isArray(ra) ? ra[0] : ra, answer: { status: res.statusCode, errorCodes: await readErrorCodes(res.statusCode, res.body) } };
    };
    try {
      const { answer } = await withRetry(once, this.policy, {
        judgeError,
        judgeValue: judgeAnswer,
        onRetry: (v, attempt, delayMs) => this.onRetry?.({ operation, attempt, reason: v.reason, delayMs }),
      });
      return answer;
    } catch (err) {
      if (!(err instanceof AttemptsExhaustedError)) throw err;
      const cause: unknown = err.cause;
      if (err.verdict.retryable) {
        throw new RegistryUnreachableError(`${operation}: registry ${origin} unreachable after ${err.attempts} attempt(s): ${describeError(cause)}`, { cause });
      }
      throw new RegistryRequestError(`${operation}: ${describeError(cause)}`, { cause });
    }
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** The Authorization header for the credentials given, checked (never echoed). */
function authorizationHeader(opts: RegistryClientOptions): string | undefined {
  if (opts.token !== undefined && opts.basicAuth !== undefined) {
    throw new InvalidInputError('registry credentials: give a token or basicAuth, not both');
  }
  if (opts.token !== undefined) {
    if (opts.token === '' || /[\r\n]/.test(opts.token)) throw new InvalidInputError('registry token: must be a non-empty single line');
    return `Bearer ${opts.token}`;
  }
  if (opts.basicAuth !== undefined) {
    const { username, password } = opts.basicAuth;
    if (typeof username !== 'string' || username === '' || username.includes(':') || /[\r\n]/.test(username)) {
      throw new InvalidInputError('registry basicAuth.username: must be a non-empty single line without ":"');
    }
    if (typeof password !== 'string' || password === '') throw new InvalidInputError('registry basicAuth.password: must not be empty');
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  return undefined;
}

/** Paths probed by the health check, with the statuses that mean healthy. */
const HEALTH_PROBES: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['/', [200]],
  ['/healthz', [200]],
  ['/v2/', [200, 401]],
];

/**
 * The origins to try, in order, for a `--registry-url`: https unless the URL
 * says http; with insecure and no scheme, https first and then http (as oc).
 */
export function resolveOrigins(url: string, insecure: boolean): { origins: string[]; prefix: string } {
  if (typeof url !== 'string' || url.trim() === '') throw new InvalidInputError('--registry-url: is required');
  // Checked before any message quotes the URL: a password in it is never echoed.
  if (hasUserInfo(url)) throw new InvalidInputError('--registry-url: must not carry a user or password (use the token)');
  const field = `--registry-url ${JSON.stringify(url)}`;
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
  let parsed: URL;
  try {
    parsed = new URL(hasScheme ? url : `https://${url}`);
  } catch (err) {
    throw new InvalidInputError(`${field}: not a URL or host[:port]`, { cause: err });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InvalidInputError(`${field}: the scheme must be https or http`);
  }
  if (parsed.username || parsed.password) {
    // Credentials in a URL end up in logs; the token has its own flag.
    throw new InvalidInputError('--registry-url: must not carry a user or password (use the token)');
  }
  if (parsed.search || parsed.hash) throw new InvalidInputError(`${field}: must not have a query or fragment`);
  const prefix = parsed.pathname.replace(/\/+$/, '');
  const host = parsed.host;
  if (hasScheme) return { origins: [`${parsed.protocol}//${host}`], prefix };
  return { origins: insecure ? [`https://${host}`, `http://${host}`] : [`https://${host}`], prefix };
}

/** Reads a registry error body (`{"errors":[{"code":…}]}`) of a non-2xx answer; drains 2xx bodies. */
async function readErrorCodes(status: number, body: Dispatcher.ResponseData['body']): Promise<string[]> {
  if (status < 300) {
    await body.dump();
    return [];
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ERROR_BODY_BYTES) {
      // Not an error body the registry writes; stop reading rather than buffer it.
      body.destroy();
      return [];
    }
    chunks.push(chunk);
  }
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { errors?: Array<{ code?: unknown }> };
    if (!Array.isArray(parsed?.errors)) return [];
    return parsed.errors.map((e) => e?.code).filter((c): c is string => typeof c === 'string');
  } catch {
    return [];
  }
}

const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_(GET|VERIFY)_|ERR_OSSL_|EPROTO$|HOSTNAME_MISMATCH)/;

/** One line about a transport error: its code, and the message when it has no code. */
function describeError(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  // OpenSSL's own messages are file names and line numbers; its code says it all.
  if (code?.startsWith('ERR_SSL_')) return code;
  return code ? `${code} (${message})` : message;
}
