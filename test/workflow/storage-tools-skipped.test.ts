// HardPrune and Fsck run locally (the synthesized state machines) end
// "skipped" when another run holds the artifacts folder's run lock: through
// the Choice to the Succeed state, before the cluster or the storage is
// touched; and they take the lock once it is free.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderRunLock } from '../../cli/local-run/run-lock.js';
import { runFsckLocally, runHardPruneLocally, type StorageToolPorts } from '../../cli/local-run/storage-tools.js';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import type { RegistryStorage } from '../../shared/adapters/storage/index.js';
import { InvalidInputError } from '../../shared/errors.js';

const HOLDER = 'arn:local:execution:image-pruner:nightly';

/** A port that fails the run if anything calls it (an error no Retry retries): a skipped run reads nothing. */
function untouchable<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get: (_t, prop) => (prop === 'then' ? undefined : () => Promise.reject(new InvalidInputError(`${what}.${String(prop)} was called`))),
  });
}

describe.each([
  ['hard-prune', (ports: StorageToolPorts) => runHardPruneLocally({}, ports)],
  ['fsck', (ports: StorageToolPorts) => runFsckLocally({}, ports)],
] as const)('a local %s while another run holds the lock', (_tool, run) => {
  let dir: string;
  let lock: FolderRunLock;
  let ports: StorageToolPorts;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pruner-skip-'));
    lock = new FolderRunLock(dir, { leaseSeconds: 3600 });
    ports = { artifacts: new LocalFolderArtifacts(dir), cluster: untouchable('cluster'), storage: untouchable<RegistryStorage>('storage'), lock };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('ends skipped, naming the holder, having read nothing and written no run', async () => {
    expect(await lock.acquire(HOLDER)).toMatchObject({ acquired: true });
    const r = await run(ports);
    expect(r.status).toBe('skipped');
    expect(r.skipped).toMatchObject({ status: 'skipped', heldBy: { execution: HOLDER, stateMachine: 'image-pruner' } });
    expect(r.skipped?.reason).toMatch(new RegExp(`^another run holds the lock: ${HOLDER}, since `));
    expect(await ports.artifacts.list('runs/')).toEqual([]);
    // The holder still holds it: the skipped run released nothing.
    expect(await lock.acquire('arn:local:execution:other:x')).toMatchObject({ acquired: false, heldBy: { execution: HOLDER } });
  });

  it('goes past the lock once it is free (and then meets the cluster)', async () => {
    const r = await run(ports);
    expect(r.status).toBe('failed');
    expect(r.error?.message).toMatch(/cluster\.collectGroup was called/);
    // The failed run released the lock on its way out.
    expect(await lock.acquire(HOLDER)).toMatchObject({ acquired: true });
  });
});
