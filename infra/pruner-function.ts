// One Lambda function of a workflow task, as both constructs build them: the
// handler in functions/<name>/handler.ts bundled offline as ESM for Node 22 on
// arm64, with its own log group, X-Ray tracing and the common environment.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { RetryPolicy } from '../shared/workflow/contracts.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where a function runs when it must reach a private cluster or registry. */
export interface VpcPlacement {
  vpc?: ec2.IVpc;
  vpcSubnets?: ec2.SubnetSelection;
  securityGroups?: ec2.ISecurityGroup[];
}

export interface PrunerFunctionOptions {
  /** The folder under functions/. */
  name: string;
  environment: Record<string, string>;
  timeout: Duration;
  memorySize: number;
  /** Given: the function runs in that VPC. */
  placement?: VpcPlacement;
}

export function prunerFunction(scope: Construct, o: PrunerFunctionOptions): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${o.name}-logs`, { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
  return new nodejs.NodejsFunction(scope, o.name, {
    entry: join(REPO_ROOT, 'functions', o.name, 'handler.ts'),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: o.memorySize,
    timeout: o.timeout,
    tracing: lambda.Tracing.ACTIVE,
    logGroup,
    depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
    projectRoot: REPO_ROOT,
    environment: { NODE_OPTIONS: '--enable-source-maps', ...o.environment },
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
    ...(o.placement?.vpc ? { vpc: o.placement.vpc, vpcSubnets: o.placement.vpcSubnets, securityGroups: o.placement.securityGroups } : {}),
  });
}

/** Adds one of the shared retry policies (shared/workflow/contracts.ts) to a state. */
export function retry(state: sfn.TaskStateBase | sfn.Parallel | sfn.DistributedMap, p: RetryPolicy): void {
  state.addRetry({ errors: p.errors, interval: Duration.seconds(p.intervalSeconds), maxAttempts: p.maxAttempts, backoffRate: p.backoffRate });
}
