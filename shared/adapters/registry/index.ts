// The registry adapter: health check and deleters over the registry's HTTP API.
export { RegistryClient, REGISTRY_RETRY_POLICY, resolveOrigins, type RegistryClientOptions, type RegistryAnswer, type RetryInfo } from './client.js';
export { RegistryDeleter, interpretDelete, GONE_CODES } from './deleter.js';
export { runBatch, deleteManifests, deleteLayerLinks, deleteBlobs, summarize, type BatchOptions } from './batch.js';
export {
  RegistryFatalError,
  RegistryAnswerError,
  RegistryUnreachableError,
  RegistryDeleteDisabledError,
  RegistryEndpointNotFoundError,
  RegistryAuthError,
  RegistryRequestError,
  isFatalRegistryError,
  isFinalRegistryError,
  FINAL_REGISTRY_ERROR_NAMES,
} from '../errors.js';
export type { RetryPolicy } from '../retry.js';
