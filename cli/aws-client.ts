// The Step Functions client of the AWS commands (start, history) and what its
// failures mean in one line. The region comes from the state machine ARN, so a
// user who names the state machine never has to name its region too; the
// credentials and endpoint come from the usual AWS sources.
import type { Writable } from 'node:stream';
import { SFNClient } from '@aws-sdk/client-sfn';
import { errorCode } from '../shared/adapters/errors.js';
import { PrunerError, type ErrorOptions } from '../shared/errors.js';

/** An AWS call of `start` or `history` failed; the message is one line saying what is wrong. */
export class AwsCommandError extends PrunerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AwsCommandError';
  }
}

/** The region of an ARN (`arn:aws:states:REGION:ACCOUNT:...`), or undefined. */
export function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/**
 * A Step Functions client for `arn`: the region from the ARN (else
 * `$AWS_REGION`, `$AWS_DEFAULT_REGION`, the profile); the endpoint from
 * `$AWS_ENDPOINT_URL_SFN` or `$AWS_ENDPOINT_URL` when set (as every AWS SDK
 * reads them); keys from `env` when it holds them, else the SDK's default chain
 * (profile, SSO, container or instance role).
 */
export function sfnClient(arn: string, env: Record<string, string | undefined>): SFNClient {
  const region = regionOfArn(arn) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const endpoint = env.AWS_ENDPOINT_URL_SFN ?? env.AWS_ENDPOINT_URL;
  const keys =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  return new SFNClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}), ...(keys ? { credentials: keys } : {}) });
}

const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'AuthorizationError']);
const BAD_CREDENTIALS = new Set(['UnrecognizedClientException', 'InvalidSignatureException', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredTokenException', 'ExpiredToken']);
const CONNECTION_CODES = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_\w+)$/;

function firstLine(text: unknown): string {
  return typeof text === 'string' ? (text.split('\n')[0] ?? '').trim() : '';
}

/**
 * One line for a failed Step Functions call about `what` (a state machine or
 * execution ARN): missing credentials, bad credentials, access denied, no such
 * state machine, unreachable endpoint, or the service's error name and message.
 */
export function describeAwsFailure(err: unknown, what: string): string {
  const e = (err ?? {}) as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof e.name === 'string' ? e.name : '';
  const message = firstLine(e.message);
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return 'no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role applies';
  }
  if (name === 'Error' && /region is missing/i.test(message)) return `no AWS region: ${what} names none; set AWS_REGION`;
  if (ACCESS_DENIED.has(name)) return `access denied to ${what}${message ? `: ${message}` : ''}`;
  if (BAD_CREDENTIALS.has(name)) return `the AWS credentials were refused (${name})${message ? `: ${message}` : ''}`;
  if (name === 'StateMachineDoesNotExist') return `no such state machine: ${what}`;
  if (name === 'ExecutionDoesNotExist') return `no such execution: ${what}`;
  const code = errorCode(err);
  if (code && CONNECTION_CODES.test(code)) return `cannot reach AWS Step Functions: ${code}`;
  const status = e.$metadata?.httpStatusCode;
  return `${name || 'error'}${status ? ` (HTTP ${status})` : ''}${message && message !== name ? `: ${message}` : ''} (${what})`;
}

/**
 * Runs one AWS call; a failure becomes an {@link AwsCommandError} (one line,
 * cli/main.ts prints it, exit 1). With `debug` the stack goes to `stderr`
 * first, for a bug report.
 */
export async function awsCall<T>(call: () => Promise<T>, what: string, o: { debug: boolean; stderr: Writable }): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (o.debug) o.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    throw new AwsCommandError(describeAwsFailure(err, what), { cause: err });
  }
}
