// The environment variables the construct sets on each function and the one
// generic handler reads (through the ports it builds). Which of them a function
// gets follows from the ports its task row names (infra/task-function.ts).
/** Environment variables the handlers read; the construct sets them. */
export const ENV = {
  /** Which task-table row this function serves: the row's id (unique over every table). */
  task: 'PRUNER_TASK',
  artifactsBucket: 'PRUNER_ARTIFACTS_BUCKET',
  /** The run lock's DynamoDB table (port lock). */
  lockTable: 'PRUNER_LOCK_TABLE',
  /** The lease of the run lock, in seconds: the state machine's timeout and a margin (the start tasks only). */
  lockLeaseSeconds: 'PRUNER_LOCK_LEASE_SECONDS',
  clusterSecretArn: 'PRUNER_CLUSTER_SECRET_ARN',
  registryUrl: 'PRUNER_REGISTRY_URL',
  registrySecretArn: 'PRUNER_REGISTRY_SECRET_ARN',
  registryStorageBucket: 'PRUNER_REGISTRY_STORAGE_BUCKET',
  registryStorageRoot: 'PRUNER_REGISTRY_STORAGE_ROOT',
  forceInsecure: 'PRUNER_FORCE_INSECURE',
  itemConcurrency: 'PRUNER_ITEM_CONCURRENCY',
  defaults: 'PRUNER_DEFAULT_OPTIONS',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
} as const;
