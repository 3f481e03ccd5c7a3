// The registry adapter: health check and deleters over the registry's HTTP API.
export { RegistryClient, resolveOrigins, type RegistryClientOptions, type RegistryAnswer, type RetryInfo } from './client.js';
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
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
