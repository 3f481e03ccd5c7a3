// "Check registry health": nothing is deleted from a registry that does not answer.
import type { RegistryHealthChecker } from '../core/ports.js';
import { RegistryUnhealthyError } from './contracts.js';

/** Throws {@link RegistryUnhealthyError} (whatever the checker threw) when the registry is not healthy. */
export async function checkRegistryHealth(checker: RegistryHealthChecker): Promise<{ healthy: true }> {
  try {
    await checker.checkHealth();
  } catch (err) {
    if (err instanceof RegistryUnhealthyError) throw err;
    throw new RegistryUnhealthyError(err instanceof Error ? err.message.split('\n')[0] : String(err), { cause: err });
  }
  return { healthy: true };
}
