// The one generic Lambda handler: any row of any task table, as middy with
// Powertools logs, metrics and traces and the ports the row names injected.
// The handler parses the event with the row's parser, calls the row's task
// function with its ports and returns the result.
import middy from '@middy/core';
import type { MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { AnyTask, Ports } from '../shared/workflow/task.js';
import type { PortSource, PortsContext } from './ports-middleware.js';
import { injectPorts } from './ports-middleware.js';
import type { Context } from './powertools.js';
import { errorLog, logger, metrics, runKeys, tracer } from './powertools.js';

/** A small result (keys and counts) is logged whole; a larger one only by its size. */
const LOGGED_RESULT_BYTES = 2048;

/**
 * Parses the event with the row's parser, as Powertools Parser's middleware
 * does with a schema: a malformed event is refused, naming the field, before
 * any port (a secret, a connection) is made.
 */
function parseEvent(task: AnyTask): MiddlewareObj<unknown, unknown, Error> {
  const parseEventBefore = (request: { event: unknown }): void => {
    request.event = task.parse(request.event);
  };
  return { before: parseEventBefore };
}

/** The Lambda handler of `task`, its ports made by `source`. */
export function taskHandler(task: AnyTask, options: { ports: Partial<PortSource> }) {
  // The event was parsed by parseEvent (below), before any port was made.
  const serve = async (event: unknown, context: Context & PortsContext): Promise<unknown> => {
    const result = await task.run(event as never, context.ports as Ports);
    const text = JSON.stringify(result) ?? '';
    logger.info('task done', { task: task.id, ...(text.length <= LOGGED_RESULT_BYTES ? { result } : { resultBytes: text.length }) });
    return result;
  };
  return middy(serve)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(runKeys())
    .use(errorLog())
    .use(parseEvent(task))
    .use(injectPorts({ source: options.ports, names: task.ports }));
}
