// Secrets from Secrets Manager, read once per container and never logged.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InvalidInputError } from '../shared/errors.js';

const cache = new Map<string, Promise<Record<string, string>>>();
let client: SecretsManagerClient | undefined;

/** The secret as a JSON object of strings; the error names the secret's environment variable, never its value. */
export function readJsonSecret(arn: string, envName: string): Promise<Record<string, string>> {
  let p = cache.get(arn);
  if (!p) {
    p = (async () => {
      client ??= new SecretsManagerClient({});
      const res = await client.send(new GetSecretValueCommand({ SecretId: arn }));
      let value: unknown;
      try {
        value = JSON.parse(res.SecretString ?? '');
      } catch {
        throw new InvalidInputError(`secret of ${envName}: is not a JSON object`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInputError(`secret of ${envName}: is not a JSON object`);
      for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') throw new InvalidInputError(`secret of ${envName}: field "${k}" must be a string`);
      return value as Record<string, string>;
    })();
    // A failed read is not cached: the next invocation tries again.
    p.catch(() => cache.delete(arn));
    cache.set(arn, p);
  }
  return p;
}
