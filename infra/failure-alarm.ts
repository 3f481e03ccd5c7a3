// The failure alarm of a state machine, as both constructs build it: any
// failed, timed-out or aborted execution in five minutes. The execution
// metrics are sparse (no data point while nothing ends), so each is FILLed
// with 0: the sum then exists whenever one of them does, and the alarm fires
// on one failure instead of waiting for all three to report.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/** The metric math the alarm watches (exported for the dashboard and the tests). */
export const FAILED_EXECUTIONS_EXPRESSION = 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)';

/** An alarm on `machine`'s failed, timed-out or aborted executions, notifying `topic` when given. */
export function failureAlarm(scope: Construct, id: string, machine: sfn.StateMachine, description: string, topic?: sns.ITopic): cloudwatch.Alarm {
  const metric = new cloudwatch.MathExpression({
    expression: FAILED_EXECUTIONS_EXPRESSION,
    usingMetrics: {
      failed: machine.metricFailed({ statistic: 'Sum' }),
      timedOut: machine.metricTimedOut({ statistic: 'Sum' }),
      aborted: machine.metricAborted({ statistic: 'Sum' }),
    },
    period: Duration.minutes(5),
    label: 'Failed, timed-out or aborted executions',
  });
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: description,
  });
  if (topic) alarm.addAlarmAction(new cwActions.SnsAction(topic));
  return alarm;
}
