// The run lock's table (shared/workflow/run-lock.ts): one per registry,
// shared by the three state machines that act on it. The ImagePruner
// construct makes one; RegistryStorageTools is given it, so a hard prune
// cannot start while a prune runs, nor the other way round. An EventBridge
// rule releases the lock of an execution that ended aborted, timed out or
// failed without reaching its release state.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The execution statuses after which the rule releases the lock (a succeeded execution released it itself). */
export const RELEASED_ON_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

/**
 * A DynamoDB table holding one lock item, `{lockId, holder, stateMachine,
 * acquiredAt, expiresAt}`. Taking the lock is a conditional put
 * (functions/dynamodb-run-lock.ts); `expiresAt` is also the TTL attribute, but
 * only to tidy up: DynamoDB deletes expired items days late, so the condition
 * decides whether a lease has expired.
 */
export class RunLock extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'lockId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      // Nothing in it outlives a run: a lock, not data.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** Lets `grantee` take, read and release the lock item (and nothing else). */
  grant(grantee: iam.IGrantable): void {
    this.table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem');
  }

  /**
   * An EventBridge rule in `scope` on the Step Functions "Execution Status
   * Change" events of `machines` with status ABORTED, TIMED_OUT or FAILED,
   * invoking `release` (the release-run-lock row's function) with
   * `{executionId}`: the lock of an execution stopped from outside (or whose
   * failure path could not release) is freed at once, not when its lease ends.
   */
  releaseWhenEnded(scope: Construct, id: string, machines: sfn.IStateMachine[], release: lambda.IFunction): events.Rule {
    const rule = new events.Rule(scope, id, {
      description: 'Releases the run lock of an execution that ended aborted, timed out or failed',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: [...RELEASED_ON_STATUSES], stateMachineArn: machines.map((m) => m.stateMachineArn) },
      },
    });
    rule.addTarget(
      new targets.LambdaFunction(release, {
        event: events.RuleTargetInput.fromObject({ executionId: events.EventField.fromPath('$.detail.executionArn') }),
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      }),
    );
    return rule;
  }
}
