// "Check registry health": nothing is deleted from a registry that does not
// answer, nor from one that cannot delete blobs: blobs go last (docs/rules.md,
// "Carrying it out"), so a registry that cannot delete them would otherwise be
// found out only after every link is gone.
import type { BlobDeleter, RegistryHealthChecker } from '../core/ports.js';
import { RegistryUnhealthyError } from './contracts.js';

/**
 * Throws {@link RegistryUnhealthyError} (with the first line of whatever was
 * thrown) when the registry is not healthy or `blobs` cannot delete blobs.
 */
export async function checkRegistryHealth(checker: RegistryHealthChecker, blobs: Pick<BlobDeleter, 'checkBlobDelete'>): Promise<{ healthy: true }> {
  try {
    await checker.checkHealth();
    await blobs.checkBlobDelete();
  } catch (err) {
    if (err instanceof RegistryUnhealthyError) throw err;
    throw new RegistryUnhealthyError(err instanceof Error ? err.message.split('\n')[0] : String(err), { cause: err });
  }
  return { healthy: true };
}
