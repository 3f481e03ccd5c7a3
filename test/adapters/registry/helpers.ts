// Small helpers shared by the registry adapter tests.
import { RegistryDeleter, type RegistryClientOptions } from '../../../shared/adapters/registry/index.js';
import { MEDIA_TYPES } from '../../support/push.js';

/** Retries without the production pauses, so fault tests stay fast. */
export const FAST_RETRY = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 50 };

/** A deleter for `url` with fast retries; callers close it. */
export function deleterFor(url: string, opts: Partial<RegistryClientOptions> = {}): RegistryDeleter {
  return RegistryDeleter.fromOptions({ url, retry: FAST_RETRY, ...opts });
}

const ACCEPT = [MEDIA_TYPES.dockerManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.ociIndex].join(', ');

/** The status of `GET /v2/<repository>/manifests/<digest>`. */
export async function manifestStatus(url: string, repository: string, digest: string): Promise<number> {
  const res = await fetch(`${url}/v2/${repository}/manifests/${digest}`, { headers: { accept: ACCEPT } });
  await res.arrayBuffer();
  return res.status;
}

/** The status of `GET /v2/<repository>/blobs/<digest>`. */
export async function blobStatus(url: string, repository: string, digest: string): Promise<number> {
  const res = await fetch(`${url}/v2/${repository}/blobs/${digest}`);
  await res.arrayBuffer();
  return res.status;
}

export const MISSING_DIGEST = `sha256:${'0'.repeat(64)}`;
