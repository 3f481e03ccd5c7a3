// Deploying into a private VPC with customer keys: the endpoints the functions
// in the VPC need, KMS keys on the buckets, and no CA in any environment.
// Everything here is decided at synth, offline (no lookups).
import { App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ImagePruner } from '../../infra/image-pruner.js';
import { synthApp } from './synth.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const STORAGE_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555';
const PRIVATE = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: 'subnet-aaaa,subnet-bbbb',
  availabilityZones: 'eu-west-1a,eu-west-1b',
  routeTableIds: 'rtb-aaaa,rtb-bbbb',
  vpcEndpoints: 'true',
  vpcCidr: '10.20.0.0/16',
  artifactsKmsKeyArn: KEY_ARN,
  registryStorageBucket: 'registry-bucket',
  registryStorageKmsKeyArn: STORAGE_KEY_ARN,
  account: '123456789012',
  region: 'eu-west-1',
};

describe('a private deploy (-c vpcId ... -c vpcEndpoints=true)', () => {
  const { template, stack } = synthApp(PRIVATE);

  it('creates the S3 gateway in the subnets\' route tables and a Secrets Manager endpoint with private DNS', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('\\.s3$')])]) }),
      RouteTableIds: ['rtb-aaaa', 'rtb-bbbb'],
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: Match.stringLikeRegexp('secretsmanager'),
      PrivateDnsEnabled: true,
      SubnetIds: ['subnet-aaaa', 'subnet-bbbb'],
    });
  });

  it('lets the interface endpoints take HTTPS from the VPC only', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.20.0.0/16', FromPort: 443, ToPort: 443 })],
    });
  });

  it('creates only what the functions in the VPC call: each endpoint matches a port of such a function', () => {
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((r) => JSON.stringify(r.Properties.ServiceName));
    expect(endpoints.length).toBeGreaterThanOrEqual(2);
    for (const e of endpoints) expect(e).toMatch(/\.s3"|secretsmanager|dynamodb|states/);
  });

  it('places the cluster- and registry-facing functions in the given subnets, and only those', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function'));
    const inVpc = fns.filter((f) => f.Properties.VpcConfig);
    expect(inVpc.length).toBeGreaterThan(0);
    expect(inVpc.length).toBeLessThan(fns.length);
    for (const f of inVpc) expect(f.Properties.VpcConfig.SubnetIds).toEqual(['subnet-aaaa', 'subnet-bbbb']);
  });

  it('encrypts the artifacts bucket with the given KMS key', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN } })] },
    });
  });

  it('lets the functions that read registry storage decrypt with its key', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(STORAGE_KEY_ARN);
    expect(policies).toMatch(/kms:Decrypt/);
  });

  it('puts no CA and no PEM into any function environment', () => {
    for (const f of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const env = JSON.stringify(f.Properties.Environment ?? {});
      expect(env).not.toMatch(/BEGIN CERTIFICATE|REGISTRY_CA/);
    }
  });

  it('has no unsuppressed cdk-nag AwsSolutions finding', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).split('\n')[0]}`)).toEqual([]);
  });
});

describe('private deploy refusals at synth', () => {
  it.each([
    [{ vpcEndpoints: 'true' }, /^context vpcEndpoints needs vpcId$/],
    [{ vpcId: 'vpc-1' }, /^context vpcId needs subnetIds/],
    [{ vpcId: 'vpc-1', subnetIds: 'subnet-a', availabilityZones: 'a,b' }, /^context availabilityZones: give one per subnet/],
    [{ vpcId: 'vpc-1', subnetIds: 'subnet-a', availabilityZones: 'a', vpcEndpoints: 'true' }, /^context vpcEndpoints=true needs routeTableIds/],
    [{ vpcId: 'vpc-1', subnetIds: 'subnet-a', availabilityZones: 'a', routeTableIds: 'rtb-a', vpcEndpoints: 'true' }, /^context vpcEndpoints=true needs vpcCidr/],
    [{ registryCa: '-----BEGIN CERTIFICATE-----' }, /^context registryCa is not read any more: put the PEM in the registry secret/],
  ])('%j', (context, message) => {
    expect(() => synthApp(context)).toThrow(message);
  });

  it('refuses the registryCa prop with one line saying where the CA goes now', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
    const clusterSecret = new secretsmanager.Secret(stack, 'C');
    const props = { registryUrl: 'https://registry.example.com', clusterSecret, registryCa: 'PEM' } as unknown as ConstructorParameters<typeof ImagePruner>[2];
    expect(() => new ImagePruner(stack, 'P', props)).toThrow(/^ImagePruner props\.registryCa: is not a prop any more: put the PEM in the registry secret as "certificateAuthority"/);
  });

  it('refuses vpcEndpoints without a vpc', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
    const clusterSecret = new secretsmanager.Secret(stack, 'C');
    expect(() => new ImagePruner(stack, 'P', { registryUrl: 'https://registry.example.com', clusterSecret, vpcEndpoints: true })).toThrow(/^ImagePruner props\.vpcEndpoints: needs props\.vpc/);
  });
});

