// The registry storage adapter: the distribution layout on S3 or a filesystem.
export { NotARegistryRootError, StorageUrlError, StorageAccessError, StorageLayoutError, StorageBlobDeleteError, failureReason } from '../errors.js';
export * from './layout.js';
export type { StorageDriver, FileEntry, ChildEntry, TreeDeletion } from './driver.js';
export { FilesystemDriver } from './filesystem-driver.js';
export { S3Driver, DELETE_BATCH, type S3DriverOptions } from './s3-driver.js';
export { DistributionStorage, type RegistryStorage, type BlobInfo, type TagLinks, type ReadBlobOptions, type RepositoryFolder } from './registry-storage.js';
export { parseStorageUrl, openRegistryStorage, type StorageLocation, type OpenStorageOptions } from './storage-url.js';
export { StorageBlobDeleter } from './storage-blob-deleter.js';
