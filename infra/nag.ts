// cdk-nag AwsSolutions findings that are deliberate, each with its reason.
// Everything else the pack finds is fixed in the construct itself.
import type { Stack } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import type { ImagePruner } from './image-pruner.js';

/** Suppresses the justified findings on the stack and the construct. */
export function suppressJustifiedFindings(stack: Stack, pruner: ImagePruner): void {
  NagSuppressions.addResourceSuppressions(
    pruner,
    [
      {
        id: 'AwsSolutions-IAM4',
        reason: 'AWSLambdaBasicExecutionRole / AWSLambdaVPCAccessExecutionRole are the minimal managed policies for writing function logs and attaching to a VPC.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole', 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Wildcards are scoped: run artifacts live under runs/* of the pruner\'s own bucket, registry blobs under docker/registry/v2/blobs/*, Lambda invoke grants cover the function versions (:*), X-Ray and the Distributed Map child executions have no narrower resource.',
      },
      { id: 'AwsSolutions-S1', reason: 'The artifacts bucket holds plans and reports of this workflow only; the state machine log group and CloudTrail record who ran what.' },
      { id: 'AwsSolutions-L1', reason: 'NODEJS_22_X is the newest Node.js runtime the project is tested on.' },
      { id: 'AwsSolutions-SQS3', reason: 'ScheduleDeadLetters is itself the dead-letter queue of the EventBridge Scheduler target; cdk-nag cannot see a Scheduler DLQ.' },
    ],
    true,
  );
  NagSuppressions.addStackSuppressions(stack, [
    { id: 'AwsSolutions-SMG4', reason: 'The cluster token is a service-account token rotated by the cluster administrator, not by a Lambda rotation function.' },
  ]);
}
