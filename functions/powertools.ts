// Powertools logger, metrics and tracer of the generic handler, and the two
// small middlewares of its own (run ids on every log line, one error line).
import type { MiddlewareObj } from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

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
