// Powertools logger, metrics and tracer shared by every handler, and the one
// wrapper that makes a task function a Lambda handler.
import middy from '@middy/core';
import type { MiddlewareObj } from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';

/** The parts of the Lambda context the handlers use (the aws-lambda types are not a dependency). */
export interface Context {
  awsRequestId: string;
  functionName: string;
  getRemainingTimeInMillis(): number;
  [k: string]: unknown;
}

/** JSON logs; every line of an invocation carries the run and execution ids. */
export const logger = new Logger({ serviceName: 'image-pruner' });
/** EMF metrics, flushed after each invocation. */
export const metrics = new Metrics({ serviceName: 'image-pruner', namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ImagePruner' });
/** X-Ray segments around each invocation and AWS SDK call. */
export const tracer = new Tracer({ serviceName: 'image-pruner' });

/** Where the run id and execution id sit in the events of the workflow. */
function runIdentity(event: unknown): { runId?: string; executionId?: string } {
  const e = (event ?? {}) as { run?: { runId?: unknown; executionId?: unknown }; BatchInput?: { runId?: unknown }; executionId?: unknown };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    runId: str(e.run?.runId) ?? str(e.BatchInput?.runId),
    executionId: str(e.run?.executionId) ?? str(e.executionId),
  };
}

/** Puts the run id and execution id on every log line of the invocation. */
export function runKeys(): MiddlewareObj<unknown, unknown, Error> {
  const runKeysBefore = (request: { event: unknown }): void => {
    const ids = runIdentity(request.event);
    logger.appendKeys({ runId: ids.runId, executionId: ids.executionId });
  };
  const runKeysAfter = (): void => {
    logger.removeKeys(['runId', 'executionId']);
  };
  return { before: runKeysBefore, after: runKeysAfter, onError: runKeysAfter };
}

/** Logs a failure once, by name and message: never the event, which is all ids and keys anyway. */
export function errorLog(): MiddlewareObj<unknown, unknown, Error> {
  const errorLogOnError = (request: { error: unknown }): void => {
    const err = request.error;
    if (err instanceof Error) logger.error('task failed', { errorName: err.name, errorMessage: err.message.split('\n')[0] });
  };
  return { onError: errorLogOnError };
}

/** A task function as a Lambda handler with logs, metrics and traces. */
export function wrapHandler<E, R>(run: (event: E, context: Context) => Promise<R>) {
  return middy(run)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(runKeys())
    .use(errorLog());
}
