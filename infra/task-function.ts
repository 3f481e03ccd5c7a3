// Lambda functions and Step Functions task states from task-table rows
// (shared/workflow/tables). Everything a function gets follows from its row:
// the one generic handler told which row it serves, the environment and the
// grants of the ports the row names, VPC placement when a port reaches the
// cluster or the registry, memory, timeout and Retry rules. Both constructs
// build their functions here.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ENV } from '../shared/workflow/environment.js';
import type { AnyTask, PortName, RetryPolicy } from '../shared/workflow/task.js';
import { RETRY_LAMBDA_SERVICE } from '../shared/workflow/task.js';
import { servicesOfPorts, type AwsService } from './vpc-endpoints.js';
import type { RunLock } from './run-lock.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where a function runs when it must reach a private cluster or registry. */
export interface VpcPlacement {
  vpc?: ec2.IVpc;
  vpcSubnets?: ec2.SubnetSelection;
  securityGroups?: ec2.ISecurityGroup[];
}

/** What the ports of a construct's tasks are wired to. A port a row names but nobody wired fails synth. */
export interface PortWiring {
  artifactsBucket: s3.IBucket;
  /** `{"server","token","certificateAuthority"?}` for the cluster API (ports cluster, clusterWriter). */
  clusterSecret?: secretsmanager.ISecret;
  /**
   * The registry's API (ports registry, blobs). Without `url`, each run's
   * "Find the registry" detects it and the tasks' events name it.
   */
  registry?: { url?: string; secret?: secretsmanager.ISecret };
  /** Credentials may go over plain http (an http:// registry or API server); the construct checked it was asked for. */
  forceInsecure?: boolean;
  /** The registry's storage bucket (port storage; port blobs deletes there when given), and its KMS key when it has one. */
  registryStorage?: RegistryStorageWiring;
  /** Port settings: the deployment's defaults of the execution input and the item concurrency. */
  settings?: { defaults: object; itemConcurrency: number };
  /** The run lock's table (port lock): one per registry, shared by the state machines acting on it. */
  runLock?: RunLock;
  /** CloudWatch namespace of the port metrics. */
  metricsNamespace: string;
  placement?: VpcPlacement;
}

/** The registry's storage bucket as the constructs take it. */
export interface RegistryStorageWiring {
  bucket: s3.IBucket;
  /** The registry's `rootdirectory` in the bucket. */
  rootDirectory?: string;
  /**
   * The bucket's KMS key (SSE-KMS): reading an object needs kms:Decrypt on it,
   * writing one kms:GenerateDataKey, besides the S3 permissions. An imported
   * bucket does not carry its key, so it is given here.
   */
  encryptionKey?: kms.IKey;
}

/** Ports that reach the cluster or the registry: their functions run in the VPC when one is given. */
const NETWORK_PORTS: readonly PortName[] = ['cluster', 'clusterWriter', 'clusterCreator', 'registry', 'blobs'];

/** The registry storage key prefix under the registry's root directory. */
function storagePrefix(storage: { rootDirectory?: string }, under: string): string {
  const root = (storage.rootDirectory ?? '').replace(/^\/+|\/+$/g, '');
  return `${root ? `${root}/` : ''}docker/registry/v2/${under}`;
}

/** Builds and remembers one function per row, and the task states that invoke them. */
export class TaskFunctions {
  private readonly functions = new Map<string, nodejs.NodejsFunction>();
  /** Every task state built so far: state name -> the row it runs (the local runner binds by this). */
  readonly states = new Map<string, AnyTask>();
  /** The AWS services the functions placed in the VPC call: what a VPC without NAT needs endpoints for. */
  readonly vpcServices = new Set<AwsService>();

  constructor(
    private readonly scope: Construct,
    private readonly wiring: PortWiring,
  ) {}

  /**
   * The function of `task`, built on first use. `lockLeaseSeconds`: the lease a
   * task of port lock takes the lock for (the start tasks: their state
   * machine's timeout and a margin); a task that only releases has none.
   */
  function(task: AnyTask, extra: { lockLeaseSeconds?: number } = {}): nodejs.NodejsFunction {
    const built = this.functions.get(task.id);
    if (built) return built;
    const w = this.wiring;
    const environment: Record<string, string> = {
      // The V8 heap may use most of the function's memory (the planning rows
      // hold a million-Image snapshot): Node's own default would stop short of it.
      NODE_OPTIONS: `--enable-source-maps --max-old-space-size=${heapMbOf(task.memoryMb)}`,
      [ENV.task]: task.id,
      [ENV.serviceName]: 'image-pruner',
    };
    const missing = (port: string, what: string) => new Error(`task ${task.id}: port ${port} needs ${what}, which this construct was not given`);
    const grants: ((fn: lambda.IFunction) => void)[] = [];
    for (const port of task.ports) {
      switch (port) {
        case 'artifacts':
          environment[ENV.artifactsBucket] = w.artifactsBucket.bucketName;
          grants.push((fn) => {
            w.artifactsBucket.grantRead(fn, 'runs/*');
            w.artifactsBucket.grantPut(fn, 'runs/*');
          });
          break;
        case 'cluster':
        case 'clusterWriter':
        case 'clusterCreator':
          if (!w.clusterSecret) throw missing(port, 'a cluster secret');
          environment[ENV.clusterSecretArn] = w.clusterSecret.secretArn;
          grants.push((fn) => w.clusterSecret!.grantRead(fn));
          if (w.forceInsecure) environment[ENV.forceInsecure] = 'true';
          break;
        case 'registry':
        case 'blobs': {
          if (port === 'blobs' && w.registryStorage) {
            const { bucket } = w.registryStorage;
            environment[ENV.registryStorageBucket] = bucket.bucketName;
            environment[ENV.registryStorageRoot] = w.registryStorage.rootDirectory ?? '';
            grants.push((fn) => {
              bucket.grantRead(fn, `${storagePrefix(w.registryStorage!, 'blobs')}/*`);
              w.registryStorage!.encryptionKey?.grantDecrypt(fn);
              // Only the row that deletes blobs may; the health check only probes (a read).
              if (task.deletesFromStorage) bucket.grantDelete(fn, `${storagePrefix(w.registryStorage!, 'blobs')}/*`);
            });
          }
          if (!w.registry) throw missing(port, 'a registry');
          const { url, secret } = w.registry;
          // Without one, the URL comes in each event (what "Find the registry" chose).
          if (url) environment[ENV.registryUrl] = url;
          // The registry's CA comes from its secret (functions/aws-ports.ts registryCa), never the environment.
          // Only when the construct was told so (ImagePruner's forceInsecure), never because the URL says http.
          if (w.forceInsecure) environment[ENV.forceInsecure] = 'true';
          if (secret) {
            environment[ENV.registrySecretArn] = secret.secretArn;
            grants.push((fn) => secret.grantRead(fn));
          } else if (w.clusterSecret) {
            // The OpenShift registry takes the cluster token unless a registry secret is given.
            environment[ENV.clusterSecretArn] = w.clusterSecret.secretArn;
            grants.push((fn) => w.clusterSecret!.grantRead(fn));
          }
          break;
        }
        case 'storage': {
          if (!w.registryStorage) throw missing(port, 'the registry storage bucket');
          const { bucket } = w.registryStorage;
          environment[ENV.registryStorageBucket] = bucket.bucketName;
          environment[ENV.registryStorageRoot] = (w.registryStorage.rootDirectory ?? '').replace(/^\/+|\/+$/g, '');
          const layout = `${storagePrefix(w.registryStorage, '')}*`;
          const key = w.registryStorage.encryptionKey;
          grants.push((fn) => {
            bucket.grantRead(fn, layout);
            if (task.deletesFromStorage) bucket.grantDelete(fn, layout);
            if (task.writesToStorage) bucket.grantPut(fn, layout);
            if (key) {
              if (task.writesToStorage) key.grantEncryptDecrypt(fn);
              else key.grantDecrypt(fn);
            }
          });
          break;
        }
        case 'lock': {
          if (!w.runLock) throw missing(port, 'the run lock table');
          const runLock = w.runLock;
          environment[ENV.lockTable] = runLock.table.tableName;
          if (extra.lockLeaseSeconds !== undefined) environment[ENV.lockLeaseSeconds] = String(extra.lockLeaseSeconds);
          grants.push((fn) => runLock.grant(fn));
          break;
        }
        case 'metrics':
          environment[ENV.metricsNamespace] = w.metricsNamespace;
          break;
        case 'settings':
          if (w.settings) {
            environment[ENV.defaults] = JSON.stringify(w.settings.defaults);
            environment[ENV.itemConcurrency] = String(w.settings.itemConcurrency);
          }
          // A given registry URL wins over the detected one ("Find the registry" reads it here).
          if (w.registry?.url) environment[ENV.registryUrl] = w.registry.url;
          break;
        default: {
          const never: never = port;
          throw new Error(`task ${task.id}: unknown port ${String(never)}`);
        }
      }
    }
    const inVpc = w.placement?.vpc !== undefined && task.ports.some((p) => NETWORK_PORTS.includes(p));
    if (inVpc) for (const s of servicesOfPorts(task.ports, { registrySecret: !!w.registry?.secret, storageBlobs: !!w.registryStorage })) this.vpcServices.add(s);
    const logGroup = new logs.LogGroup(this.scope, `${task.id}-logs`, { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    const fn = new nodejs.NodejsFunction(this.scope, task.id, {
      description: task.summary,
      entry: join(REPO_ROOT, 'functions', 'handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: task.memoryMb,
      timeout: Duration.minutes(task.timeoutMinutes),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      projectRoot: REPO_ROOT,
      environment,
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        sourceMap: true,
        minify: true,
        // ESM bundles of CommonJS dependencies call require(); give them one.
        banner: "import { createRequire as __pruner_createRequire } from 'module'; const require = __pruner_createRequire(import.meta.url);",
        mainFields: ['module', 'main'],
        forceDockerBundling: false,
        externalModules: ['@aws-sdk/*'],
      },
      ...(inVpc ? { vpc: w.placement!.vpc, vpcSubnets: w.placement!.vpcSubnets, securityGroups: w.placement!.securityGroups } : {}),
    });
    for (const grant of grants) grant(fn);
    this.functions.set(task.id, fn);
    return fn;
  }

  /** Every function built, by task id. */
  all(): Record<string, nodejs.NodejsFunction> {
    return Object.fromEntries(this.functions);
  }

  /**
   * The task state `stateName` running `task`: the row's timeout (aws-local-stepfunctions
   * times a task out after 60 s unless told), the Lambda service retries and the row's own.
   */
  invoke(stateName: string, task: AnyTask, payload: sfn.TaskInput | undefined, extra: Partial<tasks.LambdaInvokeProps> & { id?: string; lockLeaseSeconds?: number } = {}): tasks.LambdaInvoke {
    const { id, lockLeaseSeconds, ...props } = extra;
    const fn = this.function(task, { lockLeaseSeconds });
    const state = new tasks.LambdaInvoke(this.scope, id ?? stateName, {
      stateName,
      lambdaFunction: fn,
      payload,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(Duration.minutes(task.timeoutMinutes)),
      ...props,
    });
    for (const policy of [RETRY_LAMBDA_SERVICE, ...task.retry]) retry(state, policy);
    this.states.set(stateName, task);
    return state;
  }
}

/** Adds one retry policy (shared/workflow/task.ts) to a state. */
export function retry(state: sfn.TaskStateBase | sfn.Parallel | sfn.DistributedMap, p: RetryPolicy): void {
  state.addRetry({ errors: p.errors, interval: Duration.seconds(p.intervalSeconds), maxAttempts: p.maxAttempts, backoffRate: p.backoffRate });
}

/**
 * The V8 old-space limit of a function of `memoryMb`: 85% of it, leaving the
 * rest for the young generation, code, buffers (plan files are Buffers, not
 * heap) and the runtime.
 */
export function heapMbOf(memoryMb: number): number {
  return Math.floor(memoryMb * 0.85);
}
