// The check before any work: one cheap, authenticated request to the API
// server with a short, bounded retry. A server that is down, or a token it
// rejects, is then one line at once, instead of every list of the collection
// retrying on its own and interleaving its retries with the failure.
import { ClusterAuthError, ClusterUnreachableError } from '../errors.js';
import { AttemptsExhaustedError, withRetry, type RetryPolicy } from '../retry.js';
import type { ClusterClient } from './connection.js';
import { attemptsText, describeFailure, failureText, tokenRejectedText, type Failure } from './failure.js';
import { PROBE_RETRY_POLICY, PROBE_TIMEOUT_MS } from './probe-policy.js';

/** How {@link checkCluster} tries (tests shorten it). */
export interface CheckClusterOptions {
  retry?: RetryPolicy;
  /** How long one try waits for an answer. */
  timeoutMs?: number;
}

class ProbeTimeoutError extends Error {
  constructor() {
    super('timeout');
    this.name = 'TimeoutError';
  }
}

/** One try: GET /api/v1 (discovery, allowed to every authenticated user), within `timeoutMs`. */
async function probeOnce(client: ClusterClient, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeoutError()), timeoutMs);
  });
  try {
    await Promise.race([client.core.getAPIResources(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves when the API server answers and accepts the credentials. Throws
 * {@link ClusterUnreachableError} when no answer came after the bounded retry
 * ({@link PROBE_RETRY_POLICY}), {@link ClusterAuthError} on 401 (naming where
 * the token came from). Any other answer (even a 403 or 404 on discovery) is a
 * server that is up: the lists report their own failures.
 */
export async function checkCluster(client: ClusterClient, o: CheckClusterOptions = {}): Promise<void> {
  const started = Date.now();
  try {
    await withRetry(() => probeOnce(client, o.timeoutMs ?? PROBE_TIMEOUT_MS), o.retry ?? PROBE_RETRY_POLICY, {
      judgeError: describeFailure,
      // Only a missing answer is worth another try here; any answer says what it has to say.
      stop: (f: Failure) => f.status !== 0,
    });
  } catch (err) {
    if (!(err instanceof AttemptsExhaustedError)) throw err;
    const f = err.verdict as Failure;
    if (f.status === 401) throw new ClusterAuthError(tokenRejectedText(client.server, client.credentialSource, f), { cause: err });
    if (f.status === 0) {
      throw new ClusterUnreachableError(`cannot reach the API server ${client.server}: ${failureText(f)}${attemptsText(err.attempts, Date.now() - started)}`, { cause: err });
    }
  }
}
