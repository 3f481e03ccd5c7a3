// Every Distributed Map writes its child executions' results to the artifacts
// bucket (ResultWriter) instead of returning them inline: one result per batch
// grows with the cluster, and a state over 256 KiB is States.DataLimitExceeded,
// which no Catch catches. The prefix is fixed per run and Map, so "Report" finds
// the result files by listing it, also when the Map failed and its Catch
// replaced the output that would have named them (docs/workflow.md, "Map results").
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2 } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import { mapResultsPrefix } from '../shared/workflow/map-results.js';

/**
 * CDK's ResultWriterV2 allows the state machine to write anywhere in the
 * bucket; Step Functions only writes under `runs/`, so that is all it may.
 */
class RunsResultWriter extends sfn.ResultWriterV2 {
  constructor(private readonly target: s3.IBucket, prefix: string) {
    // COMPACT: a succeeded batch is its output alone ({kind, done, gone}), not its
    // input too; a failed one is written whole (Input, Error, Cause) whatever the setting.
    super({ bucket: target, prefix, writerConfig: new sfn.WriterConfig({ outputType: sfn.OutputType.JSON, transformation: sfn.Transformation.COMPACT }) });
  }

  override providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [this.target.arnForObjects('runs/*')],
      }),
    ];
  }
}

/**
 * A Distributed Map (`props.stateName` required) whose results go to
 * `runs/<$.run.runId>/map-results/<state name>/<map run id>/` of `bucket`
 * (manifest.json and SUCCEEDED_/FAILED_/PENDING_ files), none into the state.
 */
export function resultWritingMap(scope: Construct, id: string, bucket: s3.IBucket, props: sfn.DistributedMapProps & { stateName: string }): sfn.DistributedMap {
  // The run id is only known at run time: the same key as mapResultsPrefix, with the id filled in by States.Format.
  const prefix = sfn.JsonPath.format(mapResultsPrefix('{}', props.stateName), sfn.JsonPath.stringAt('$.run.runId'));
  const map = new sfn.DistributedMap(scope, id, {
    ...props,
    resultWriterV2: new RunsResultWriter(bucket, prefix),
    // The output would be {MapRunArn, ResultWriterDetails}; nothing reads it (Report lists the prefix).
    resultPath: sfn.JsonPath.DISCARD,
  });
  // resultWriterV2 is rendered only under this feature flag; set on the Map alone, it changes nothing else.
  map.node.setContext(STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
  return map;
}
