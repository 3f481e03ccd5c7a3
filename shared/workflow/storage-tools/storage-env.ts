// The registry storage a storage-tool Lambda works on, from the environment
// the construct sets (the registry's S3 bucket and root directory).
import type { RegistryStorage } from '../../adapters/storage/index.js';
import { openRegistryStorage } from '../../adapters/storage/index.js';
import { InvalidInputError } from '../../errors.js';
import { ENV } from '../contracts.js';

let opened: RegistryStorage | undefined;

/** Opens the storage once per container; the Lambda's role gives the S3 access. */
export function registryStorageFromEnv(env: Record<string, string | undefined> = process.env): RegistryStorage {
  if (opened) return opened;
  const bucket = env[ENV.registryStorageBucket];
  if (!bucket) throw new InvalidInputError(`environment: ${ENV.registryStorageBucket} is not set`);
  const root = (env[ENV.registryStorageRoot] ?? '').replace(/^\/+|\/+$/g, '');
  opened = openRegistryStorage({ kind: 's3', bucket, root });
  return opened;
}

/** Replaces the storage the handlers use (handler tests bind a local one); undefined reopens from the environment. */
export function useRegistryStorage(storage: RegistryStorage | undefined): void {
  opened = storage;
}
