// Lambda "Check registry health": nothing is deleted from a registry that does not answer.
import { checkRegistryHealth } from '../../shared/workflow/check-health.js';
import { parseRunContext } from '../../shared/workflow/events.js';
import { dependencies } from '../common/dependencies.js';
import { wrapHandler } from '../common/powertools.js';

/** The task, for tests. */
export async function run(event: unknown): Promise<{ healthy: true }> {
  parseRunContext((event as { run?: unknown } | null)?.run);
  return checkRegistryHealth(await dependencies().registryHealth());
}

export const handler = wrapHandler(run);
