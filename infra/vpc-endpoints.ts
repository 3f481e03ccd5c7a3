// VPC endpoints for functions placed in a VPC that has no NAT: every AWS
// service such a function calls, found from the ports of the tasks that run
// in the VPC (infra/task-function.ts), so a private deploy works on its first
// run instead of timing out on its first S3 or Secrets Manager call.
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { PortName } from '../shared/workflow/task.js';

/** An AWS service a function reaches over the network. */
export type AwsService = 's3' | 'dynamodb' | 'secretsmanager' | 'states';

/**
 * The services a function with these ports calls. Logs, metrics (EMF on
 * stdout) and X-Ray traces leave through the Lambda service, not the VPC.
 */
export function servicesOfPorts(ports: readonly PortName[], o: { registrySecret: boolean; storageBlobs: boolean }): Set<AwsService> {
  const services = new Set<AwsService>();
  for (const port of ports) {
    switch (port) {
      case 'artifacts':
      case 'storage':
        services.add('s3');
        break;
      case 'cluster':
      case 'clusterWriter':
      case 'clusterCreator':
        services.add('secretsmanager');
        break;
      case 'registry':
        // The registry's credentials: its own secret, or the cluster token.
        services.add('secretsmanager');
        break;
      case 'blobs':
        services.add('secretsmanager');
        if (o.storageBlobs) services.add('s3');
        break;
      case 'lock':
        // The run lock's table and the executions it may list.
        services.add('dynamodb');
        services.add('states');
        break;
      default:
        break;
    }
  }
  return services;
}

/** Props of {@link PrunerVpcEndpoints}. */
export interface PrunerVpcEndpointsProps {
  vpc: ec2.IVpc;
  /** Where the interface endpoints' network interfaces go: the functions' subnets. */
  subnets?: ec2.SubnetSelection;
  services: ReadonlySet<AwsService>;
}

/**
 * Gateway endpoints (S3, DynamoDB: free, in the route tables of the chosen
 * subnets) and interface endpoints with private DNS (Secrets Manager, Step
 * Functions), each only for a service some function in the VPC calls. The
 * interface endpoints accept HTTPS from the VPC's own CIDR (CDK's `open`).
 */
export class PrunerVpcEndpoints extends Construct {
  readonly gateways: ec2.GatewayVpcEndpoint[] = [];
  readonly interfaces: ec2.InterfaceVpcEndpoint[] = [];

  constructor(scope: Construct, id: string, props: PrunerVpcEndpointsProps) {
    super(scope, id);
    const subnets = props.subnets ? [props.subnets] : undefined;
    const gateway = (name: string, service: ec2.GatewayVpcEndpointAwsService) =>
      this.gateways.push(new ec2.GatewayVpcEndpoint(this, name, { vpc: props.vpc, service, ...(subnets ? { subnets } : {}) }));
    const iface = (name: string, service: ec2.InterfaceVpcEndpointAwsService) =>
      this.interfaces.push(new ec2.InterfaceVpcEndpoint(this, name, { vpc: props.vpc, service, privateDnsEnabled: true, open: true, ...(props.subnets ? { subnets: props.subnets } : {}) }));
    if (props.services.has('s3')) gateway('S3', ec2.GatewayVpcEndpointAwsService.S3);
    if (props.services.has('dynamodb')) gateway('DynamoDB', ec2.GatewayVpcEndpointAwsService.DYNAMODB);
    if (props.services.has('secretsmanager')) iface('SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER);
    if (props.services.has('states')) iface('StepFunctions', ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS);
  }
}
