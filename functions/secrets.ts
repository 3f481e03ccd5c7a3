// Secrets from Secrets Manager through Powertools Parameters, kept for at most
// SECRET_MAX_AGE_SECONDS: a rotated cluster token or registry password is
// picked up by a warm container within minutes, not at its next cold start.
// Never logged: errors name the secret's environment variable, not its value.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { InvalidInputError } from '../shared/errors.js';
import { tracer } from './powertools.js';

/** How long a secret read is reused before Secrets Manager is asked again. */
export const SECRET_MAX_AGE_SECONDS = 300;

/** Where secrets come from: Secrets Manager on AWS; tests give their own. */
export interface SecretSource {
  readSecret(arn: string, envName: string): Promise<Record<string, string>>;
}

/** The secret text as a JSON object of strings, or an error naming the variable. */
export function parseJsonSecret(text: string | undefined, envName: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    throw new InvalidInputError(`secret of ${envName}: is not a JSON object`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInputError(`secret of ${envName}: is not a JSON object`);
  for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') throw new InvalidInputError(`secret of ${envName}: field "${k}" must be a string`);
  return value as Record<string, string>;
}

/** Secrets Manager, cached by Powertools for {@link SECRET_MAX_AGE_SECONDS}. */
export function secretsManagerSource(provider = new SecretsProvider({ awsSdkV3Client: tracer.captureAWSv3Client(new SecretsManagerClient({})) })): SecretSource {
  return {
    async readSecret(arn, envName) {
      const text = await provider.get(arn, { maxAge: SECRET_MAX_AGE_SECONDS });
      return parseJsonSecret(typeof text === 'string' ? text : undefined, envName);
    },
  };
}
