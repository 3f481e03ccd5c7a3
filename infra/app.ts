// The CDK app: one stack with the ImagePruner construct, configured by context
// (cdk.json or `-c key=value`). `npx cdk synth` needs no AWS credentials.
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ImagePruner } from './image-pruner.js';
import { suppressJustifiedFindings } from './nag.js';
import { RegistryStorageTools, suppressStorageToolsFindings } from './storage-tools.js';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** Builds the app; tests call this to synthesize in-process. */
export function buildApp(app = new App()): { app: App; stack: Stack; pruner: ImagePruner } {
  const ctx = (key: string): string | undefined => {
    const v = app.node.tryGetContext(key) as unknown;
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  const stack = new Stack(app, ctx('stackName') ?? 'ImagePruner', {
    env: ctx('account') ? { account: ctx('account'), region: ctx('region') } : undefined,
    description: 'OpenShift image pruning on Step Functions',
  });
  const clusterSecretName = ctx('clusterSecretName');
  const clusterSecret = clusterSecretName
    ? secretsmanager.Secret.fromSecretNameV2(stack, 'ClusterSecret', clusterSecretName)
    : new secretsmanager.Secret(stack, 'ClusterSecret', {
        description: 'Cluster API access for the image pruner: {"server":"https://api...:6443","token":"...","certificateAuthority":"PEM (optional)"}',
      });
  const num = (key: string) => (ctx(key) === undefined ? undefined : Number(ctx(key)));
  const bool = (key: string) => (ctx(key) === undefined ? undefined : ctx(key) === 'true');
  // The registry's storage bucket: -c registryStorageBucket=NAME [-c registryStorageRoot=DIR].
  // Hard prune and fsck need it; the prune workflow deletes blobs there instead of
  // through the registry only with -c deleteBlobsInStorage=true (a plain
  // distribution registry has no blob delete endpoint).
  const storageBucket = ctx('registryStorageBucket');
  const registryStorage = storageBucket
    ? { bucket: s3.Bucket.fromBucketName(stack, 'RegistryStorage', storageBucket), rootDirectory: ctx('registryStorageRoot') }
    : undefined;
  if (bool('deleteBlobsInStorage') && !registryStorage) throw new Error('context deleteBlobsInStorage=true needs registryStorageBucket');
  const pruner = new ImagePruner(stack, 'Pruner', {
    registryStorage: bool('deleteBlobsInStorage') ? registryStorage : undefined,
    // -c registryUrl=https://default-route-openshift-image-registry.apps.example.com;
    // without it each run finds the registry's route in the image streams.
    registryUrl: ctx('registryUrl'),
    registryCa: ctx('registryCa'),
    // -c forceInsecure=true: an http:// registryUrl (or API server) gets the credentials in clear.
    forceInsecure: bool('forceInsecure'),
    clusterSecret,
    schedule: { cron: ctx('scheduleCron') ?? 'cron(0 3 ? * SUN *)', timeZone: ctx('scheduleTimeZone') ?? 'UTC', enabled: bool('scheduleEnabled') ?? false },
    keepTagRevisions: num('keepTagRevisions'),
    keepYoungerThan: ctx('keepYoungerThan'),
    all: bool('all'),
    ignoreInvalidRefs: bool('ignoreInvalidRefs'),
    confirm: bool('confirm'),
    mapConcurrency: num('mapConcurrency'),
    batchSize: num('batchSize'),
  });
  suppressJustifiedFindings(stack, pruner);
  if (registryStorage) {
    suppressStorageToolsFindings(new RegistryStorageTools(stack, 'StorageTools', { registryStorage, artifactsBucket: pruner.artifactsBucket, clusterSecret }));
  }
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack, pruner };
}

const isEntryPoint = process.argv[1] !== undefined && /infra[\\/]app\.ts$/.test(process.argv[1]);
if (isEntryPoint) buildApp().app.synth();
