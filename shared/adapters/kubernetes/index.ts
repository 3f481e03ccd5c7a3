// The cluster adapter: connection, paged collection, writes.
export * from './collector.js';
export * from './connection.js';
export { ClusterAuthError, ClusterConfigError, ClusterUnreachableError, PlainHttpCredentialsError, ListIncompleteError, ClusterRequestError, ImageStreamConflictError } from '../errors.js';
export { CLUSTER_RETRY_POLICY } from './failure.js';
export * from './probe-policy.js';
export type { RetryPolicy } from '../retry.js';
export { StringPool, reduceManifest, stripObject } from './strip.js';
export * from './writers.js';
export * from './reachability.js';
