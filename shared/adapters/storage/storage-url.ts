// `--registry-storage` locations: `s3://bucket/rootdirectory` (options in the
// query: endpoint, region, force-path-style) or `file:///rootdirectory`. The
// root is the registry's `rootdirectory`, below which the layout begins with
// `docker/registry/v2/`. Credentials never go in the URL: S3 uses the SDK's
// usual chain (environment, profile, instance role).
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { StorageUrlError } from '../errors.js';
import { FilesystemDriver } from './filesystem-driver.js';
import { S3Driver } from './s3-driver.js';
import { DistributionStorage, type RegistryStorage } from './registry-storage.js';

/** Where a registry's storage is, as parsed from a URL. */
export type StorageLocation =
  | { kind: 'filesystem'; root: string }
  | { kind: 's3'; bucket: string; root: string; endpoint?: string; region?: string; forcePathStyle?: boolean };

const S3_OPTIONS = new Set(['endpoint', 'region', 'force-path-style']);

/**
 * Parses a storage URL. `flag` names where it came from in error messages.
 *
 * @example
 *   parseStorageUrl('s3://images/registry?endpoint=http://127.0.0.1:9000&force-path-style=true')
 *   // { kind: 's3', bucket: 'images', root: 'registry', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }
 */
export function parseStorageUrl(url: string, flag = '--registry-storage'): StorageLocation {
  const expected = 'expected s3://bucket[/rootdirectory] or file:///absolute/rootdirectory';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new StorageUrlError(`${flag} "${url}" is not a URL: ${expected}`, { cause: err });
  }
  if (parsed.username || parsed.password) {
    // Do not echo the URL: it holds what looks like a secret.
    throw new StorageUrlError(`${flag} must not contain credentials; S3 credentials come from the environment or an AWS profile`);
  }
  if (parsed.protocol === 'file:') {
    if (parsed.host && parsed.host !== 'localhost') throw new StorageUrlError(`${flag} "${url}" names host "${parsed.host}": only local paths are supported (${expected})`);
    if (parsed.search || parsed.hash) throw new StorageUrlError(`${flag} "${url}": a file URL takes no query or fragment`);
    const root = decodeURIComponent(parsed.pathname).replace(/\/+$/, '') || '/';
    return { kind: 'filesystem', root };
  }
  if (parsed.protocol !== 's3:') throw new StorageUrlError(`${flag} "${url}" has scheme "${parsed.protocol.replace(/:$/, '')}": ${expected}`);
  const bucket = parsed.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new StorageUrlError(`${flag} "${url}": bucket "${bucket}" is not a valid S3 bucket name (${expected})`);
  }
  if (parsed.port) throw new StorageUrlError(`${flag} "${url}": a bucket has no port; give the server as ?endpoint=http://host:port`);
  if (parsed.hash) throw new StorageUrlError(`${flag} "${url}": unexpected fragment`);
  const root = decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '');
  if (root.split('/').some((p) => p === '..' || p === '.')) throw new StorageUrlError(`${flag} "${url}": the root directory must not contain "." or ".."`);
  const location: StorageLocation = { kind: 's3', bucket, root };
  for (const [key, value] of parsed.searchParams) {
    if (!S3_OPTIONS.has(key)) throw new StorageUrlError(`${flag} "${url}": unknown option "${key}" (known: ${[...S3_OPTIONS].join(', ')})`);
    if (key === 'endpoint') {
      if (!/^https?:\/\/[^/?#]+\/?$/.test(value)) throw new StorageUrlError(`${flag}: endpoint "${value}" is not an http(s)://host[:port] URL`);
      location.endpoint = value.replace(/\/$/, '');
    } else if (key === 'region') {
      if (!/^[a-z0-9-]+$/.test(value)) throw new StorageUrlError(`${flag}: region "${value}" is not an AWS region name`);
      location.region = value;
    } else {
      if (value !== 'true' && value !== 'false') throw new StorageUrlError(`${flag}: force-path-style must be true or false, not "${value}"`);
      location.forcePathStyle = value === 'true';
    }
  }
  return location;
}

/** How to open a storage location beyond what its URL says. */
export interface OpenStorageOptions {
  /** Use this S3 client instead of one built from the location (tests, custom credentials). */
  s3Client?: S3Client;
  /** Extra S3 client settings (credentials, retries) merged over the location's. */
  s3Config?: S3ClientConfig;
  /** Keys per S3 list request (1..1000); default 1000. */
  pageSize?: number;
}

/** Opens the registry storage at `location` (a URL or a parsed location). */
export function openRegistryStorage(location: string | StorageLocation, options: OpenStorageOptions = {}): RegistryStorage {
  const loc = typeof location === 'string' ? parseStorageUrl(location) : location;
  if (loc.kind === 'filesystem') return new DistributionStorage(new FilesystemDriver(loc.root));
  const client =
    options.s3Client ??
    new S3Client({
      ...(loc.endpoint ? { endpoint: loc.endpoint } : {}),
      ...(loc.region ? { region: loc.region } : {}),
      ...(loc.forcePathStyle !== undefined ? { forcePathStyle: loc.forcePathStyle } : {}),
      ...options.s3Config,
    });
  return new DistributionStorage(new S3Driver({ client, bucket: loc.bucket, root: loc.root, pageSize: options.pageSize }));
}
