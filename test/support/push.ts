// Pushes images to a registry through the HTTP API v2, the way a client such as
// skopeo does: blobs by POST + PUT (or a cross-repository mount), then the
// manifest by tag or by digest. Layer content is random but reproducible from a
// seed, so two pushes of the same spec give the same digests. Each push also
// returns the OpenShift `Image` object that describes it, so tests can seed the
// fake API server with objects consistent with what the registry holds.
import { createHash } from 'node:crypto';
import type { Image } from '../../shared/core/kube-types.js';

/** The manifest, config and layer media types of Docker schema 2 and OCI. */
export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** Docker schema 2 or OCI. */
export type ManifestFormat = 'docker' | 'oci';

/** A blob as a manifest lists it. */
export interface PushedBlob {
  digest: string;
  size: number;
  mediaType: string;
}

/** A layer to push: content is `size` pseudo-random bytes derived from `seed`. */
export interface LayerSpec {
  seed: string;
  /** Bytes; at least 1 (an S3-backed registry cannot store empty blobs). Default 1024. */
  size?: number;
}

export interface PushImageOptions {
  repository: string;
  /** Push the manifest under this tag; without one it is pushed by digest. */
  tag?: string;
  /** Docker schema 2 (default) or OCI. */
  format?: ManifestFormat;
  /** The layers, bottom first; default one layer seeded from `seed`. */
  layers?: LayerSpec[];
  /** Makes the config (hence the manifest digest) distinct; default the repository and tag. */
  seed?: string;
  /** Repository to mount already-pushed blobs from instead of uploading them again. */
  mountFrom?: string;
  architecture?: string;
  os?: string;
  /** The config's `created`, and the Image's creationTimestamp; default 2024-01-01. */
  created?: string;
}

export interface PushedImage {
  repository: string;
  tag?: string;
  manifestDigest: string;
  manifestMediaType: string;
  /** The manifest exactly as pushed (its sha256 is the digest). */
  manifest: string;
  manifestSize: number;
  config: PushedBlob;
  layers: PushedBlob[];
  /** The OpenShift Image object for this manifest. */
  image: Image;
}

export interface PushIndexOptions {
  repository: string;
  tag?: string;
  format?: ManifestFormat;
  /** Children, already pushed to the same repository. */
  manifests: PushedImage[];
}

export interface PushedIndex {
  repository: string;
  tag?: string;
  manifestDigest: string;
  manifestMediaType: string;
  manifest: string;
  manifestSize: number;
  children: PushedImage[];
  image: Image;
}

const DEFAULT_CREATED = '2024-01-01T00:00:00Z';

/** `size` bytes of reproducible pseudo-random content (sha256 in counter mode). */
export function seededBytes(seed: string, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (let counter = 0; offset < size; counter++) {
    const block = createHash('sha256').update(`${seed}\0${counter}`).digest();
    offset += block.copy(out, offset, 0, Math.min(block.length, size - offset));
  }
  return out;
}

/** The `sha256:<hex>` digest of `data`, as the registry names content. */
export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Uploads one blob to `repository` unless it is there already; mounts it from `mountFrom` when possible. */
export async function pushBlob(url: string, repository: string, data: Buffer, mountFrom?: string): Promise<string> {
  const digest = sha256Digest(data);
  const head = await fetch(`${url}/v2/${repository}/blobs/${digest}`, { method: 'HEAD' });
  if (head.status === 200) return digest;
  let location: string | null = null;
  if (mountFrom && mountFrom !== repository) {
    const mount = await fetch(
      `${url}/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}`,
      { method: 'POST' },
    );
    await mount.arrayBuffer();
    if (mount.status === 201) return digest;
    // 202: the registry could not mount and opened an ordinary upload instead.
    if (mount.status === 202) location = mount.headers.get('location');
    else throw new Error(`mount of ${digest} into ${repository} from ${mountFrom}: HTTP ${mount.status}`);
  }
  if (!location) {
    const start = await fetch(`${url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    await start.arrayBuffer();
    if (start.status !== 202) throw new Error(`starting upload to ${repository}: HTTP ${start.status}`);
    location = start.headers.get('location');
  }
  if (!location) throw new Error(`upload to ${repository}: no Location header`);
  const target = new URL(location, url);
  target.searchParams.set('digest', digest);
  const put = await fetch(target, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: data,
  });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`finishing upload of ${digest} to ${repository}: HTTP ${put.status}`);
  return digest;
}

/** PUTs a manifest under `reference` (a tag, or its own digest) and returns its digest. */
export async function pushManifest(
  url: string,
  repository: string,
  manifest: string,
  mediaType: string,
  reference?: string,
): Promise<string> {
  const digest = sha256Digest(manifest);
  const res = await fetch(`${url}/v2/${repository}/manifests/${reference ?? digest}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: manifest,
  });
  const body = await res.text();
  if (res.status !== 201) throw new Error(`pushing manifest to ${repository}: HTTP ${res.status} ${body.slice(0, 300)}`);
  const returned = res.headers.get('docker-content-digest');
  if (returned && returned !== digest) throw new Error(`registry stored ${returned}, expected ${digest}`);
  return digest;
}

/** Pushes one single-platform image (layers, config, manifest) and describes it. */
export async function pushImage(url: string, opts: PushImageOptions): Promise<PushedImage> {
  const format = opts.format ?? 'docker';
  const seed = opts.seed ?? `${opts.repository}:${opts.tag ?? ''}`;
  const created = opts.created ?? DEFAULT_CREATED;
  const specs = opts.layers ?? [{ seed: `${seed}/layer` }];
  const layerType = format === 'oci' ? MEDIA_TYPES.ociLayer : MEDIA_TYPES.dockerLayer;
  const layers: PushedBlob[] = [];
  for (const spec of specs) {
    const size = spec.size ?? 1024;
    if (size < 1) throw new Error(`layer ${spec.seed}: size must be at least 1`);
    const data = seededBytes(spec.seed, size);
    const digest = await pushBlob(url, opts.repository, data, opts.mountFrom);
    layers.push({ digest, size, mediaType: layerType });
  }
  const configJson = JSON.stringify({
    architecture: opts.architecture ?? 'amd64',
    os: opts.os ?? 'linux',
    created,
    config: { Labels: { seed } },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
  });
  const configData = Buffer.from(configJson);
  const config: PushedBlob = {
    digest: await pushBlob(url, opts.repository, configData, opts.mountFrom),
    size: configData.length,
    mediaType: format === 'oci' ? MEDIA_TYPES.ociConfig : MEDIA_TYPES.dockerConfig,
  };
  const manifestMediaType = format === 'oci' ? MEDIA_TYPES.ociManifest : MEDIA_TYPES.dockerManifest;
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: manifestMediaType, config, layers }, null, 3);
  const manifestDigest = await pushManifest(url, opts.repository, manifest, manifestMediaType, opts.tag);
  const manifestSize = Buffer.byteLength(manifest);
  const image: Image = {
    apiVersion: 'image.openshift.io/v1',
    kind: 'Image',
    metadata: {
      name: manifestDigest,
      creationTimestamp: created,
      annotations: { 'openshift.io/image.managed': 'true' },
    },
    dockerImageReference: `${hostOf(url)}/${opts.repository}@${manifestDigest}`,
    dockerImageLayers: layers.map((l) => ({ name: l.digest, size: l.size, mediaType: l.mediaType })),
    dockerImageManifest: manifest,
    dockerImageManifestMediaType: manifestMediaType,
    dockerImageMetadata: {
      Id: config.digest,
      Size: layers.reduce((n, l) => n + l.size, config.size),
      Architecture: opts.architecture ?? 'amd64',
    },
  };
  return {
    repository: opts.repository,
    tag: opts.tag,
    manifestDigest,
    manifestMediaType,
    manifest,
    manifestSize,
    config,
    layers,
    image,
  };
}

/** Pushes a manifest list (docker) or image index (OCI) over children already in the repository. */
export async function pushIndex(url: string, opts: PushIndexOptions): Promise<PushedIndex> {
  const format = opts.format ?? 'docker';
  const mediaType = format === 'oci' ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerList;
  const entries = opts.manifests.map((m) => {
    const arch = String(m.image.dockerImageMetadata?.Architecture ?? 'amd64');
    return {
      mediaType: m.manifestMediaType,
      size: m.manifestSize,
      digest: m.manifestDigest,
      platform: { architecture: arch, os: 'linux' },
    };
  });
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType, manifests: entries }, null, 3);
  const manifestDigest = await pushManifest(url, opts.repository, manifest, mediaType, opts.tag);
  const image: Image = {
    apiVersion: 'image.openshift.io/v1',
    kind: 'Image',
    metadata: {
      name: manifestDigest,
      creationTimestamp: opts.manifests[0]?.image.metadata.creationTimestamp ?? DEFAULT_CREATED,
      annotations: { 'openshift.io/image.managed': 'true' },
    },
    dockerImageReference: `${hostOf(url)}/${opts.repository}@${manifestDigest}`,
    dockerImageManifest: manifest,
    dockerImageManifestMediaType: mediaType,
    dockerImageMetadata: {},
    dockerImageManifests: entries.map((e) => ({
      digest: e.digest,
      mediaType: e.mediaType,
      architecture: e.platform.architecture,
      os: e.platform.os,
      manifestSize: e.size,
    })),
  };
  return {
    repository: opts.repository,
    tag: opts.tag,
    manifestDigest,
    manifestMediaType: mediaType,
    manifest,
    manifestSize: Buffer.byteLength(manifest),
    children: opts.manifests,
    image,
  };
}

export interface PullCheck {
  /** True when the manifest and every blob (of every child, for an index) answered 200. */
  ok: boolean;
  /** HTTP status per `manifest <digest>` / `blob <digest>`. */
  statuses: Record<string, number>;
}

const ACCEPT = Object.values(MEDIA_TYPES).filter((t) => /manifest|list|index/.test(t)).join(', ');

/** GETs the manifest `digest` in `repository` and every blob it refers to (recursing into indexes). */
export async function pullCheck(url: string, repository: string, digest: string): Promise<PullCheck> {
  const statuses: Record<string, number> = {};
  await pullInto(url, repository, digest, statuses);
  return { ok: Object.values(statuses).every((s) => s === 200), statuses };
}

async function pullInto(url: string, repository: string, digest: string, statuses: Record<string, number>): Promise<void> {
  const res = await fetch(`${url}/v2/${repository}/manifests/${digest}`, { headers: { accept: ACCEPT } });
  const text = await res.text();
  statuses[`manifest ${digest}`] = res.status;
  if (res.status !== 200) return;
  if (sha256Digest(text) !== digest) statuses[`manifest ${digest}`] = -1;
  const manifest = JSON.parse(text) as {
    config?: { digest: string };
    layers?: Array<{ digest: string }>;
    manifests?: Array<{ digest: string }>;
  };
  for (const child of manifest.manifests ?? []) await pullInto(url, repository, child.digest, statuses);
  const blobs = [manifest.config, ...(manifest.layers ?? [])].filter((b): b is { digest: string } => !!b);
  for (const blob of blobs) {
    const b = await fetch(`${url}/v2/${repository}/blobs/${blob.digest}`);
    const data = Buffer.from(await b.arrayBuffer());
    // A 200 with the wrong bytes is not a pull that works.
    statuses[`blob ${blob.digest}`] = b.status === 200 && sha256Digest(data) !== blob.digest ? -1 : b.status;
  }
}

function hostOf(url: string): string {
  return new URL(url).host;
}
