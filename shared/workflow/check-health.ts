// "Check registry health": nothing is deleted from a registry that does not
// answer, nor from one that cannot delete blobs: blobs go last (docs/rules.md,
// "Carrying it out"), so a registry that cannot delete them would otherwise be
// found out only after every link is gone. A run with pruneRegistry false
// contacts no registry at all, this check included.
import type { BlobDeleter, RegistryHealthChecker } from '../core/ports.js';
import type { RunContext } from './contracts.js';
import { RegistryUnhealthyError } from './contracts.js';

/** The registry ports the check uses; read only when the run prunes the registry. */
export interface HealthPorts {
  registry: RegistryHealthChecker;
  blobs: Pick<BlobDeleter, 'checkBlobDelete'>;
}

/**
 * Throws {@link RegistryUnhealthyError} (with the first line of whatever was
 * thrown) when the registry is not healthy or `blobs` cannot delete blobs.
 * With `pruneRegistry` false neither port is touched: `{ skipped: true }`.
 */
export async function checkRegistryHealth(run: Pick<RunContext, 'options'>, ports: HealthPorts): Promise<{ healthy: true } | { skipped: true }> {
  // Not even read: a local run without --registry-url has no registry port to give.
  if (!run.options.pruneRegistry) return { skipped: true };
  try {
    await ports.registry.checkHealth();
    await ports.blobs.checkBlobDelete();
  } catch (err) {
    if (err instanceof RegistryUnhealthyError) throw err;
    throw new RegistryUnhealthyError(err instanceof Error ? err.message.split('\n')[0] : String(err), { cause: err });
  }
  return { healthy: true };
}
