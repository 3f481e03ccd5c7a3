// Construct props are checked at synth: a bad prop stops `cdk synth` with one
// line naming it, instead of reaching every execution as a default.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { ImagePruner, type ImagePrunerProps } from '../../infra/image-pruner.js';
import { RunLock } from '../../infra/run-lock.js';
import { RegistryStorageTools } from '../../infra/storage-tools.js';
import { ENV } from '../../shared/workflow/environment.js';

function pruner(over: Partial<ImagePrunerProps>): () => ImagePruner & { stack: Stack } {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Props');
  return () => Object.assign(new ImagePruner(stack, 'Pruner', { registryUrl: 'https://registry.example.com', clusterSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'C', 'c'), ...over }), { stack });
}

describe('ImagePruner props at synth', () => {
  it.each<[Partial<ImagePrunerProps>, RegExp]>([
    [{ keepTagRevisions: -1 }, /^ImagePruner props\.keepTagRevisions: must be a whole number >= 0$/],
    [{ keepTagRevisions: 1.5 }, /^ImagePruner props\.keepTagRevisions: /],
    [{ keepYoungerThan: 'soon' }, /^ImagePruner props\.keepYoungerThan: /],
    [{ batchSize: 0 }, /^ImagePruner props\.batchSize: must be a whole number from 1 to \d+$/],
    [{ batchSize: 100_000 }, /^ImagePruner props\.batchSize: /],
    [{ numWorkers: 0 }, /^ImagePruner props\.numWorkers: must be a whole number from 1 to 10000$/],
    [{ numWorkers: 10_001 }, /^ImagePruner props\.numWorkers: /],
    [{ mapConcurrency: 20 } as Partial<ImagePrunerProps>, /^ImagePruner props\.mapConcurrency: is now numWorkers/],
    [{ namespace: 'Team_A' }, /^ImagePruner props\.namespace: "Team_A" is not a namespace name \(a DNS-1123 label/],
    [{ namespace: 'a'.repeat(64) }, /^ImagePruner props\.namespace: "a{64}" is not a namespace name/],
    [{ pruneOverSizeLimit: true, keepTagRevisions: 2 }, /^ImagePruner props\.keepTagRevisions: pruneOverSizeLimit cannot be combined with keepTagRevisions nor keepYoungerThan/],
    [{ pruneOverSizeLimit: true, keepYoungerThan: '1h' }, /^ImagePruner props\.keepYoungerThan: pruneOverSizeLimit cannot be combined/],
    [{ registryUrl: 'https://image-registry.openshift-image-registry.svc:5000' }, /^ImagePruner props\.registryUrl: host image-registry\.openshift-image-registry\.svc is a cluster-internal service name, unreachable from Lambda/],
    [{ registryUrl: 'https://registry.ns.svc.cluster.local' }, /^ImagePruner props\.registryUrl: host .* is a cluster-internal service name/],
    [{ registryUrl: 'https://user:secret@registry.example.com' }, /^ImagePruner props\.registryUrl: must not carry credentials/],
    [{ registryUrl: 'ftp://registry.example.com' }, /^ImagePruner props\.registryUrl: must be https:\/\/ or http:\/\//],
  ])('refuses %o naming the prop', (props, message) => {
    expect(pruner(props)).toThrow(message);
  });

  it.each<[Partial<ImagePrunerProps>, RegExp]>([
    [{ registryUrl: 'http://registry.example.com:5000' }, /^ImagePruner props\.registryUrl: an http:\/\/ registry would receive the credentials in clear: use https, or set forceInsecure: true/],
    [{ registryUrl: 'http://registry.example.com:5000', forceInsecure: false }, /^ImagePruner props\.registryUrl: an http:\/\/ registry/],
    [{ registryUrl: 'https://pruner:s3cr3t@registry.example.com' }, /^ImagePruner props\.registryUrl: must not carry/],
  ])('refuses the registry %o naming the prop, never echoing a password', (props, message) => {
    expect(pruner(props)).toThrow(message);
    expect(pruner(props)).not.toThrow(/s3cr3t/);
  });

  it('gives the functions PRUNER_FORCE_INSECURE only when forceInsecure says so', () => {
    const insecureEnv = (over: Partial<ImagePrunerProps>) => {
      const { stack } = pruner(over)();
      const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function') as Record<string, { Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
      return Object.values(functions).map((fn) => fn.Properties.Environment?.Variables?.PRUNER_FORCE_INSECURE);
    };
    // Before: any http:// URL turned it on by itself.
    expect(insecureEnv({ registryUrl: 'https://registry.example.com' }).filter(Boolean)).toEqual([]);
    const forced = insecureEnv({ registryUrl: 'http://registry.example.com:5000', forceInsecure: true });
    expect(forced.filter((v) => v === 'true').length).toBeGreaterThan(0);
  });

  it("lets each function's V8 heap grow to 85% of its memory (Node's default would stop short of a million-Image plan)", () => {
    const { stack } = pruner({})();
    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function') as Record<string, { Properties: { MemorySize?: number; Environment?: { Variables?: Record<string, unknown> } } }>;
    const ours = Object.values(functions).filter((fn) => fn.Properties.Environment?.Variables?.PRUNER_TASK !== undefined);
    expect(ours.length).toBeGreaterThan(5);
    for (const fn of ours) {
      const memory = fn.Properties.MemorySize!;
      expect(fn.Properties.Environment?.Variables?.NODE_OPTIONS).toBe(`--enable-source-maps --max-old-space-size=${Math.floor(memory * 0.85)}`);
    }
    expect(ours.map((fn) => fn.Properties.MemorySize)).toContain(10240);
  });

  it('passes the prune options as the defaults of every execution (PRUNER_DEFAULT_OPTIONS), credentials never among them', () => {
    const { stack } = pruner({ pruneOverSizeLimit: true, namespace: 'team-a', pruneRegistry: false, numWorkers: 4 })();
    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function') as Record<string, { Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
    const carried = Object.values(functions).flatMap((fn) => {
      const v = fn.Properties.Environment?.Variables?.PRUNER_DEFAULT_OPTIONS;
      return typeof v === 'string' ? [JSON.parse(v) as Record<string, unknown>] : [];
    });
    expect(carried.length).toBeGreaterThan(0);
    for (const defaults of carried) expect(defaults).toEqual({ pruneOverSizeLimit: true, namespace: 'team-a', pruneRegistry: false, numWorkers: 4 });
  });

  it('takes good props and their defaults', () => {
    expect(pruner({ keepTagRevisions: 0, keepYoungerThan: '1h30m', batchSize: 500 })).not.toThrow();
    expect(pruner({})).not.toThrow();
  });
});

describe('RegistryStorageTools props at synth', () => {
  it('refuses a batch size beyond the 256 blob prefixes', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Tools');
    const bucket = s3.Bucket.fromBucketName(stack, 'B', 'registry-bucket');
    const make = () =>
      new RegistryStorageTools(stack, 'Tools', {
        registryStorage: { bucket },
        artifactsBucket: bucket,
        clusterSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'C', 'c'),
        runLock: new RunLock(stack, 'RunLock'),
        prefixesPerBatch: 300,
      });
    expect(make).toThrow(/^RegistryStorageTools props\.prefixesPerBatch: /);
  });
});

describe('infra/app.ts context', () => {
  /** Every Lambda function's environment variables in the template. */
  const environments = (template: Template) =>
    Object.values(template.findResources('AWS::Lambda::Function')).map((f) => ((f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties.Environment?.Variables ?? {}));

  it('synthesizes without a registry URL: each run finds the route, and no function is handed one', async () => {
    const { buildApp } = await import('../../infra/app.js');
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const template = Template.fromStack(buildApp(app).stack);
    const envs = environments(template);
    expect(envs.length).toBeGreaterThan(5);
    expect(envs.filter((e) => ENV.registryUrl in e)).toEqual([]);
    // The registry-using functions are there all the same, their URL to come in each event.
    expect(envs.filter((e) => e[ENV.task] === 'check-health')).toHaveLength(1);
  });

  it('hands a given registry URL to the registry-using functions and to "Find the registry"', async () => {
    const { buildApp } = await import('../../infra/app.js');
    const url = 'https://default-route-openshift-image-registry.apps.example.com';
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], registryUrl: url } });
    const envs = environments(Template.fromStack(buildApp(app).stack));
    const withUrl = envs.filter((e) => e[ENV.registryUrl] === url).map((e) => e[ENV.task]);
    expect(withUrl).toEqual(expect.arrayContaining(['find-registry', 'check-health', 'delete-layer-links', 'delete-manifests', 'delete-blobs']));
  });

  it.each([{}, { registryUrl: 'https://default-route-openshift-image-registry.apps.example.com' }])('hands no function a cluster-internal .svc URL (context %o)', async (context) => {
    const { buildApp } = await import('../../infra/app.js');
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
    const values = environments(Template.fromStack(buildApp(app).stack)).flatMap((e) => Object.values(e).map((v) => JSON.stringify(v)));
    expect(values.length).toBeGreaterThan(0);
    expect(values.filter((v) => /\.svc(\.cluster\.local)?\b/.test(v))).toEqual([]);
  });

  it('still refuses a cluster-internal registryUrl at synth', async () => {
    const { buildApp } = await import('../../infra/app.js');
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], registryUrl: 'https://image-registry.openshift-image-registry.svc:5000' } });
    expect(() => buildApp(app)).toThrow(/^ImagePruner props\.registryUrl: host image-registry\.openshift-image-registry\.svc is a cluster-internal service name/);
  });
});
