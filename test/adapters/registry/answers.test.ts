// What each registry answer to a DELETE means, and how long a retry waits:
// the decision tables, without a server.
import { describe, expect, it } from 'vitest';
import {
  FINAL_REGISTRY_ERROR_NAMES,
  RegistryAuthError,
  RegistryUnreachableError,
  interpretDelete,
  isFatalRegistryError,
  isFinalRegistryError,
} from '../../../shared/adapters/registry/index.js';
import { backoffDelay, parseRetryAfter, type RetryPolicy } from '../../../shared/adapters/retry.js';

const op = 'DELETE manifest ns/app@sha256:00';

describe('a DELETE answer', () => {
  it.each([
    [202, [], 'done'],
    [204, [], 'done'],
    [200, [], 'done'],
    [404, ['MANIFEST_UNKNOWN'], 'gone'],
    [404, ['BLOB_UNKNOWN'], 'gone'],
    [404, ['NAME_UNKNOWN'], 'gone'],
  ])('%i %j is %s', (status, errorCodes, expected) => {
    expect(interpretDelete({ status, errorCodes }, op, 'https://r')).toBe(expected);
  });

  it.each([
    [404, [], 'RegistryEndpointNotFoundError'],
    [404, ['UNKNOWN'], 'RegistryRequestError'],
    [405, [], 'RegistryDeleteDisabledError'],
    [400, ['UNSUPPORTED'], 'RegistryDeleteDisabledError'],
    [401, ['UNAUTHORIZED'], 'RegistryAuthError'],
    [403, ['DENIED'], 'RegistryAuthError'],
    [500, [], 'RegistryRequestError'],
    [201, [], 'RegistryRequestError'],
    [302, [], 'RegistryRequestError'],
  ])('%i %j is a %s naming the request and registry', (status, errorCodes, name) => {
    expect(() => interpretDelete({ status, errorCodes }, op, 'https://r')).toThrow(
      expect.objectContaining({ name, message: expect.stringContaining(`${op}: registry https://r answered ${status}`) }),
    );
  });
});

describe('retry delays', () => {
  const policy: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };

  it.each([
    ['120', 120_000],
    ['0', 0],
    [' 3 ', 3000],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['soon', undefined],
    [undefined, undefined],
  ])('Retry-After %j is %s ms', (value, expected) => {
    expect(parseRetryAfter(value, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(expected);
  });

  it.each([1, 2, 3, 4, 8])('backoff before retry %i stays under min(max, base * 2^(n-1))', (retry) => {
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(policy, retry);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(ceiling);
    }
  });

  it('follows Retry-After up to maxRetryAfterMs', () => {
    expect(backoffDelay(policy, 1, '2')).toBe(2000);
    expect(backoffDelay(policy, 1, '60')).toBe(5000);
  });
});

describe('final registry errors', () => {
  it('are the registry answer classes, by the names the state machine matches', () => {
    expect([...FINAL_REGISTRY_ERROR_NAMES].sort()).toEqual(['RegistryAuthError', 'RegistryDeleteDisabledError', 'RegistryEndpointNotFoundError']);
    expect(isFinalRegistryError(new RegistryAuthError('x'))).toBe(true);
    // Unreachable stops a batch but may pass: the run is retried.
    expect(isFatalRegistryError(new RegistryUnreachableError('x'))).toBe(true);
    expect(isFinalRegistryError(new RegistryUnreachableError('x'))).toBe(false);
  });
});
