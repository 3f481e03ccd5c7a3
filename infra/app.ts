// The CDK app: one stack with the ImagePruner construct, configured by context
// (cdk.json or `-c key=value`). `npx cdk synth` needs no AWS credentials.
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ImagePruner } from './image-pruner.js';
import { InvalidInputError } from '../shared/errors.js';
import { suppressJustifiedFindings } from './nag.js';
import { RegistryStorageTools, suppressStorageToolsFindings } from './storage-tools.js';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
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
  const storageKey = ctx('registryStorageKmsKeyArn');
  const registryStorage = storageBucket
    ? {
        bucket: s3.Bucket.fromBucketName(stack, 'RegistryStorage', storageBucket),
        rootDirectory: ctx('registryStorageRoot'),
        ...(storageKey ? { encryptionKey: kms.Key.fromKeyArn(stack, 'RegistryStorageKey', storageKey) } : {}),
      }
    : undefined;
  const artifactsKey = ctx('artifactsKmsKeyArn');
  const placement = vpcPlacement(stack, ctx);
  if (bool('deleteBlobsInStorage') && !registryStorage) throw new Error('context deleteBlobsInStorage=true needs registryStorageBucket');
  if (ctx('registryCa') !== undefined) {
    throw new InvalidInputError('context registryCa is not read any more: put the PEM in the registry secret as "certificateAuthority" (or in the cluster secret as "registryCertificateAuthority")');
  }
  const pruner = new ImagePruner(stack, 'Pruner', {
    registryStorage: bool('deleteBlobsInStorage') ? registryStorage : undefined,
    // -c registryUrl=https://default-route-openshift-image-registry.apps.example.com;
    // without it each run finds the registry's route in the image streams.
    registryUrl: ctx('registryUrl'),
    // -c forceInsecure=true: an http:// registryUrl (or API server) gets the credentials in clear.
    forceInsecure: bool('forceInsecure'),
    clusterSecret,
    ...placement,
    ...(artifactsKey ? { artifactsEncryptionKey: kms.Key.fromKeyArn(stack, 'ArtifactsKey', artifactsKey) } : {}),
    schedule: { cron: ctx('scheduleCron') ?? 'cron(0 3 ? * SUN *)', timeZone: ctx('scheduleTimeZone') ?? 'UTC', enabled: bool('scheduleEnabled') ?? false },
    keepTagRevisions: num('keepTagRevisions'),
    keepYoungerThan: ctx('keepYoungerThan'),
    all: bool('all'),
    ignoreInvalidRefs: bool('ignoreInvalidRefs'),
    confirm: bool('confirm'),
    pruneOverSizeLimit: bool('pruneOverSizeLimit'),
    namespace: ctx('namespace'),
    pruneRegistry: bool('pruneRegistry'),
    numWorkers: num('numWorkers'),
    batchSize: num('batchSize'),
  });
  suppressJustifiedFindings(stack, pruner);
  if (registryStorage) {
    suppressStorageToolsFindings(
      new RegistryStorageTools(stack, 'StorageTools', { registryStorage, artifactsBucket: pruner.artifactsBucket, clusterSecret, runLock: pruner.runLock, vpc: placement.vpc, vpcSubnets: placement.vpcSubnets, securityGroups: placement.securityGroups }),
    );
  }
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack, pruner };
}

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);

/**
 * The VPC from context, without a lookup (synth stays offline): `vpcId`,
 * `subnetIds` (the private subnets the cluster- and registry-facing functions
 * run in, one per availability zone), `availabilityZones` (as many as subnets),
 * `routeTableIds` (the subnets' route tables, for the gateway endpoints),
 * `securityGroupIds`, and `vpcEndpoints=true` (with `vpcCidr`) for a VPC without NAT.
 */
function vpcPlacement(stack: Stack, ctx: (key: string) => string | undefined): { vpc?: ec2.IVpc; vpcSubnets?: ec2.SubnetSelection; securityGroups?: ec2.ISecurityGroup[]; vpcEndpoints?: boolean } {
  const vpcId = ctx('vpcId');
  const endpoints = ctx('vpcEndpoints') === 'true';
  if (!vpcId) {
    for (const key of ['subnetIds', 'availabilityZones', 'routeTableIds', 'securityGroupIds', 'vpcCidr', 'vpcEndpoints']) {
      if (ctx(key) !== undefined) throw new InvalidInputError(`context ${key} needs vpcId`);
    }
    return {};
  }
  const subnetIds = list(ctx('subnetIds'));
  const zones = list(ctx('availabilityZones'));
  const routeTables = list(ctx('routeTableIds'));
  if (subnetIds.length === 0) throw new InvalidInputError('context vpcId needs subnetIds: the private subnets the functions run in (comma-separated)');
  if (zones.length !== subnetIds.length) throw new InvalidInputError(`context availabilityZones: give one per subnet (${subnetIds.length} subnetIds, ${zones.length} zones)`);
  if (routeTables.length > 0 && routeTables.length !== subnetIds.length) throw new InvalidInputError(`context routeTableIds: give one per subnet (${subnetIds.length} subnetIds, ${routeTables.length} route tables)`);
  if (endpoints && routeTables.length === 0) throw new InvalidInputError('context vpcEndpoints=true needs routeTableIds: the S3 and DynamoDB gateway endpoints go into the subnets\' route tables');
  const cidr = ctx('vpcCidr');
  if (endpoints && !cidr) throw new InvalidInputError('context vpcEndpoints=true needs vpcCidr: the interface endpoints accept HTTPS from the VPC\'s CIDR (e.g. -c vpcCidr=10.0.0.0/16)');
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId,
    ...(cidr ? { vpcCidrBlock: cidr } : {}),
    availabilityZones: zones,
    privateSubnetIds: subnetIds,
    ...(routeTables.length > 0 ? { privateSubnetRouteTableIds: routeTables } : {}),
  });
  const securityGroups = list(ctx('securityGroupIds')).map((id, i) => ec2.SecurityGroup.fromSecurityGroupId(stack, `SecurityGroup${i}`, id));
  return { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, ...(securityGroups.length > 0 ? { securityGroups } : {}), vpcEndpoints: endpoints };
}

const isEntryPoint = process.argv[1] !== undefined && /infra[\\/]app\.ts$/.test(process.argv[1]);
if (isEntryPoint) buildApp().app.synth();
