// The registry deleters of a prune: manifests, repository layer links and blobs
// (the OpenShift registry's admin endpoint). What an answer means is decided
// here, on the safe side: only 2xx is done, only a 404 that the registry itself
// explains as "unknown" is already gone, everything else is an error.
import { InvalidInputError } from '../../core/errors.js';
import { PROBE_DIGEST, type BlobDeleter, type ItemStatus, type LayerLinkDeleter, type ManifestDeleter, type RegistryHealthChecker } from '../../core/ports.js';
import { RegistryClient, type RegistryAnswer, type RegistryClientOptions } from './client.js';
import {
  RegistryAuthError,
  RegistryDeleteDisabledError,
  RegistryEndpointNotFoundError,
  RegistryRequestError,
} from '../errors.js';

/** Registry error codes of a 404 that mean "not there (any more)". */
export const GONE_CODES: ReadonlySet<string> = new Set(['MANIFEST_UNKNOWN', 'BLOB_UNKNOWN', 'NAME_UNKNOWN']);

// distribution's reference grammar: lowercase path components separated by '/'.
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;

/** Deletes manifests, layer links and blobs in one registry over HTTP; checks its health first. */
export class RegistryDeleter implements ManifestDeleter, LayerLinkDeleter, BlobDeleter, RegistryHealthChecker {
  constructor(private readonly client: RegistryClient) {}

  /** A deleter with its own client (and connection pool); `close()` it when done. */
  static fromOptions(opts: RegistryClientOptions): RegistryDeleter {
    return new RegistryDeleter(new RegistryClient(opts));
  }

  checkHealth(): Promise<void> {
    return this.client.checkHealth();
  }

  /** `DELETE /v2/<repository>/manifests/<digest>`. */
  async deleteManifest(repository: string, digest: string): Promise<ItemStatus> {
    checkRepository(repository, 'manifest');
    checkDigest(digest, `manifest in ${repository}`);
    return this.remove(`/v2/${repository}/manifests/${digest}`, `DELETE manifest ${repository}@${digest}`);
  }

  /** `DELETE /v2/<repository>/blobs/<digest>`: unlinks the blob from the repository only. */
  async deleteLayerLink(repository: string, digest: string): Promise<ItemStatus> {
    checkRepository(repository, 'layer link');
    checkDigest(digest, `layer link in ${repository}`);
    return this.remove(`/v2/${repository}/blobs/${digest}`, `DELETE layer link ${repository}@${digest}`);
  }

  /** `DELETE /admin/blobs/<digest>`: the OpenShift registry removes the blob from storage. */
  async deleteBlob(digest: string): Promise<ItemStatus> {
    checkDigest(digest, 'blob');
    return this.remove(`/admin/blobs/${digest}`, `DELETE blob ${digest}`);
  }

  /**
   * `DELETE /admin/blobs/<a digest no registry holds>`: the OpenShift registry
   * answers 404 "blob unknown", so blobs can be deleted here; a plain
   * distribution registry has no such endpoint (404 without a registry error),
   * which is found out here, before any link is deleted, rather than after.
   */
  async checkBlobDelete(): Promise<void> {
    const operation = `DELETE blob ${PROBE_DIGEST} (a probe; no registry holds it)`;
    const answer = await this.client.send('DELETE', `/admin/blobs/${PROBE_DIGEST}`, operation);
    if (answer.status === 404 && answer.errorCodes.length === 0) {
      throw new RegistryEndpointNotFoundError(
        `registry ${this.client.url} cannot delete blobs: DELETE /admin/blobs answered 404 without a registry error ` +
          '(a plain distribution registry has no blob delete endpoint); delete blobs in its storage with --registry-storage ' +
          '(s3://bucket/root or file:///path; on AWS the construct prop registryStorage); nothing was deleted',
      );
    }
    interpretDelete(answer, operation, this.client.url);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async remove(path: string, operation: string): Promise<ItemStatus> {
    return interpretDelete(await this.client.send('DELETE', path, operation), operation, this.client.url);
  }
}

/** What a registry's answer to a DELETE means; throws for anything but done or already gone. */
export function interpretDelete(answer: RegistryAnswer, operation: string, registry: string): ItemStatus {
  const { status, errorCodes } = answer;
  const codes = errorCodes.length > 0 ? ` (${errorCodes.join(', ')})` : '';
  if (status === 200 || status === 202 || status === 204) return 'done';
  if (status === 404 && errorCodes.some((c) => GONE_CODES.has(c))) return 'gone';
  if (status === 405 || errorCodes.includes('UNSUPPORTED')) {
    throw new RegistryDeleteDisabledError(
      `${operation}: registry ${registry} answered ${status}${codes}: deleting is disabled there; ` +
        'set storage.delete.enabled: true in its config (REGISTRY_STORAGE_DELETE_ENABLED=true) and restart it',
      { cause: { status } },
    );
  }
  if (status === 404 && errorCodes.length === 0) {
    throw new RegistryEndpointNotFoundError(
      `${operation}: registry ${registry} answered 404 without a registry error, so the endpoint does not exist there ` +
        '(a plain distribution registry has no /admin/blobs; delete blobs through its storage instead); nothing counts as deleted',
    );
  }
  if (status === 401 || status === 403) {
    throw new RegistryAuthError(
      `${operation}: registry ${registry} answered ${status}${codes}: the token is missing, expired or not allowed to delete ` +
        '(the OpenShift registry needs a token with the system:image-pruner role)',
    );
  }
  throw new RegistryRequestError(`${operation}: registry ${registry} answered ${status}${codes}`, { status });
}

function checkRepository(repository: string, what: string): void {
  if (typeof repository !== 'string' || repository.length > 255 || !REPOSITORY.test(repository)) {
    throw new InvalidInputError(`${what} repository ${JSON.stringify(repository)}: not a registry repository name`);
  }
}

function checkDigest(digest: string, what: string): void {
  if (typeof digest !== 'string' || !DIGEST.test(digest)) {
    throw new InvalidInputError(`${what} digest ${JSON.stringify(digest)}: not a sha256/sha384/sha512 digest`);
  }
}
