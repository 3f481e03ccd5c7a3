// How patiently the check before any work tries the API server. Apart from
// reachability.ts so that the help text (cli/cluster-flags.ts) can quote it
// without loading the Kubernetes client.
import type { RetryPolicy } from '../retry.js';

/**
 * The check before any work (checkCluster, reachability.ts): three tries, each waiting at
 * most {@link PROBE_TIMEOUT_MS}, with backoffs under a second: an API server
 * that is down fails the command in about a second (refused) and at most about
 * 10 s (no answer), instead of every list retrying on its own.
 */
export const PROBE_RETRY_POLICY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 1_000, maxRetryAfterMs: 2_000 };
/** How long one try of the check waits for an answer. */
export const PROBE_TIMEOUT_MS = 3_000;
/** What the help says about the two above. */
export const PROBE_HELP = `Before any work, one request checks the API server; a server that cannot be
reached fails the command after 3 tries (about 1 s when it refuses; at most
about 10 s when it does not answer at all).`;
