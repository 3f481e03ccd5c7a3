// Run artifacts on S3 or a local folder.
export * from './artifact-store.js';
export { LocalFolderArtifacts } from './local-folder.js';
export { S3Artifacts } from './s3.js';
