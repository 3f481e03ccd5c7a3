// The one middleware that hands a task its ports, as middy's own middlewares
// take their clients: the caller says where ports come from (AWS in the
// deployed handler, local components in tests) and which ones the task needs.
import type { MiddlewareObj } from '@middy/core';
import type { PortName, Ports } from '../shared/workflow/task.js';

/**
 * Makes each port on demand; a source may build a port once and keep it. Each
 * is given the task's parsed event: the registry ports are made for the
 * registry URL the event names (shared/workflow/registry-detection.ts).
 */
export type PortSource = { [K in PortName]: (event?: unknown) => Promise<Ports[K]> };

/** The Lambda context after {@link injectPorts}: the task's ports at `context.ports`. */
export interface PortsContext {
  ports: Partial<Ports>;
}

export interface InjectPortsOptions {
  source: Partial<PortSource>;
  /** The ports the task names; only these are built. */
  names: readonly PortName[];
}

/** Builds the named ports before the handler runs and puts them on the context. */
export function injectPorts(options: InjectPortsOptions): MiddlewareObj<unknown, unknown, Error, PortsContext> {
  const injectPortsBefore = async (request: { event: unknown; context: PortsContext }): Promise<void> => {
    const ports: Partial<Record<PortName, unknown>> = {};
    for (const name of options.names) {
      const make = options.source[name];
      if (!make) throw new Error(`port ${name} has no source`);
      ports[name] = await make(request.event);
    }
    request.context.ports = ports as Partial<Ports>;
  };
  return { before: injectPortsBefore };
}
