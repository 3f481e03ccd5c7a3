// Small builders for the Kubernetes / OpenShift objects the rules read
// (docs/rules.md, "What is read"), so that a test states only what matters to it:
//
//   const s = snapshot(
//     image('a', { layers: [layer('l1', 100)] }),
//     stream('ns', 'app', { latest: [rev('a')] }),
//     pod('ns', 'web', ['registry.io/ns/app@' + digest('a')]),
//   );
//
// Every time is relative to the fixed instant NOW, so plans are reproducible.
// Builders return plain JSON objects exactly as the API would print them; the
// CLI and workflow tests can write them into a `List` with `list()`.
import { createHash } from 'node:crypto';
import { parseDuration } from '../shared/core/duration.js';
import type {
  Build,
  Container,
  Image,
  ImageLayer,
  ImageStream,
  KubeList,
  ObjectReference,
  Pod,
  PodSpec,
  Workload,
  WorkloadKind,
} from '../shared/core/kube-types.js';
import type { PlanOptions } from '../shared/core/plan-types.js';
import { SnapshotBuilder, type Snapshot } from '../shared/core/snapshot.js';

/** The instant every builder measures ages from; pass it as `now` to the plan. */
export const NOW = new Date('2026-03-01T12:00:00.000Z');

/** An age: milliseconds, or a duration such as `'90m'` or `'2h'`. */
export type Age = number | string;

/** Default age of objects and revisions: old enough for the default 60m keepYoungerThan. */
export const OLD: Age = '24h';

/** Age well inside the default 60m keepYoungerThan. */
export const YOUNG: Age = '5m';

function ageMs(age: Age): number {
  return typeof age === 'number' ? age : parseDuration(age, 'age');
}

/**
 * The RFC 3339 timestamp of something created `age` before `now` (default
 * {@link NOW}), in the API's own form (`2026-03-01T11:00:00Z`, whole seconds)
 * when the instant has no milliseconds, else with them so that boundary tests
 * can be exact.
 */
export function aged(age: Age, now: Date = NOW): string {
  return new Date(now.getTime() - ageMs(age)).toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * A stable, valid sha256 digest derived from a readable seed: `digest('a')` is
 * always the same 64-hex digest, and a digest passes through unchanged, so
 * tests can name images, layers and configs with short words.
 */
export function digest(seed: string): string {
  let d = digestCache.get(seed);
  if (d === undefined) {
    d = /^sha256:[0-9a-f]{64}$/.test(seed) ? seed : `sha256:${createHash('sha256').update(seed).digest('hex')}`;
    digestCache.set(seed, d);
  }
  return d;
}
// Property tests build thousands of clusters from the same few seeds.
const digestCache = new Map<string, string>();

/** The manifest media types the rules distinguish. */
export const MEDIA_TYPES = {
  schema1: 'application/vnd.docker.distribution.manifest.v1+json',
  schema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  schema2: 'application/vnd.docker.distribution.manifest.v2+json',
  list: 'application/vnd.docker.distribution.manifest.list.v2+json',
  oci: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  schema2Config: 'application/vnd.docker.container.image.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  schema2Layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** One entry of `dockerImageLayers`; `name` is a seed or a digest. */
export function layer(name: string, size = 1000, mediaType: string = MEDIA_TYPES.schema2Layer): ImageLayer {
  return { name: digest(name), size, mediaType };
}

/** A schema 1 manifest (JSON text) whose `fsLayers` are the given blobs, newest first as Docker writes them. */
export function schema1Manifest(layers: string[]): string {
  return JSON.stringify({
    schemaVersion: 1,
    name: 'ns/app',
    tag: 'latest',
    architecture: 'amd64',
    fsLayers: layers.map((l) => ({ blobSum: digest(l) })),
    history: layers.map(() => ({ v1Compatibility: '{}' })),
  });
}

/** A schema 2 manifest (JSON text) with a config blob and layers. */
export function schema2Manifest(config: string, layers: string[]): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.schema2,
    config: { mediaType: MEDIA_TYPES.schema2Config, size: 1500, digest: digest(config) },
    layers: layers.map((l) => ({ mediaType: MEDIA_TYPES.schema2Layer, size: 1000, digest: digest(l) })),
  });
}

/** An OCI image manifest (JSON text) with a config blob and layers. */
export function ociManifest(config: string, layers: string[]): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.oci,
    config: { mediaType: MEDIA_TYPES.ociConfig, size: 1500, digest: digest(config) },
    layers: layers.map((l) => ({ mediaType: MEDIA_TYPES.ociLayer, size: 1000, digest: digest(l) })),
  });
}

/** A Docker manifest list or OCI index (JSON text) over the given child manifests. */
export function manifestList(children: string[], kind: 'list' | 'ociIndex' = 'list'): string {
  const childType = kind === 'list' ? MEDIA_TYPES.schema2 : MEDIA_TYPES.oci;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES[kind],
    manifests: children.map((c, i) => ({
      mediaType: childType,
      size: 500,
      digest: digest(c),
      platform: { architecture: ['amd64', 'arm64', 'ppc64le', 's390x'][i % 4], os: 'linux' },
    })),
  });
}

/** What an {@link image} may set; everything is optional. */
export interface ImageOptions {
  /** Age of `metadata.creationTimestamp` (default {@link OLD}). */
  age?: Age;
  /**
   * The `openshift.io/image.managed` annotation: `true`/`false` become the
   * strings, a string is used as is, `null` leaves the annotation out. Default `true`.
   */
  managed?: boolean | string | null;
  /** `dockerImageLayers`: seeds/digests (size 1000) or full entries. */
  layers?: Array<string | ImageLayer>;
  /** `dockerImageManifest` text (see the manifest builders). */
  manifest?: string;
  /** `dockerImageManifestMediaType` (default schema 2). */
  mediaType?: string;
  /** `dockerImageMetadata.Id` as given (seed it through {@link digest} yourself when it should be one). */
  metadataId?: string;
  /** `dockerImageManifests[].digest`: the children of a manifest list, as seeds or digests. */
  children?: string[];
  /** `dockerImageReference` (default `image-registry.openshift-image-registry.svc:5000/ns/app@<digest>`). */
  reference?: string;
}

/** An Image (cluster-scoped); `name` is a seed or a digest and becomes `metadata.name`. */
export function image(name: string, o: ImageOptions = {}): Image {
  const d = digest(name);
  const managed = o.managed === undefined ? true : o.managed;
  const img: Image = {
    apiVersion: 'image.openshift.io/v1',
    kind: 'Image',
    metadata: {
      name: d,
      creationTimestamp: aged(o.age ?? OLD),
      ...(managed === null ? {} : { annotations: { 'openshift.io/image.managed': String(managed) } }),
    },
    dockerImageReference: o.reference ?? `image-registry.openshift-image-registry.svc:5000/ns/app@${d}`,
    dockerImageLayers: (o.layers ?? []).map((l) => (typeof l === 'string' ? layer(l) : l)),
    dockerImageManifestMediaType: o.mediaType ?? (o.children ? MEDIA_TYPES.list : MEDIA_TYPES.schema2),
  };
  if (o.manifest !== undefined) img.dockerImageManifest = o.manifest;
  if (o.metadataId !== undefined) img.dockerImageMetadata = { Id: o.metadataId, Size: 0 };
  if (o.children) {
    img.dockerImageManifests = o.children.map((c) => ({ digest: digest(c), mediaType: MEDIA_TYPES.schema2, architecture: 'amd64', os: 'linux' }));
  }
  return img;
}

/** One revision of a tag's history (`status.tags[].items[]`). */
export interface Revision {
  image: string;
  created: string;
  dockerImageReference?: string;
}

/** A tag revision pointing at image `name` (seed or digest), created `age` ago (default {@link OLD}). */
export function rev(name: string, age: Age = OLD): Revision {
  const d = digest(name);
  return { image: d, created: aged(age), dockerImageReference: `image-registry.openshift-image-registry.svc:5000/ns/app@${d}` };
}

/**
 * An ImageStream `namespace/name` whose `status.tags` are `tags`: tag -> history,
 * newest first. A history entry that is a plain string is `rev(string)`.
 */
export function stream(namespace: string, name: string, tags: Record<string, Array<string | Revision>>, o: { age?: Age } = {}): ImageStream {
  return {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: { namespace, name, creationTimestamp: aged(o.age ?? OLD) },
    spec: { lookupPolicy: { local: false } },
    status: {
      dockerImageRepository: `image-registry.openshift-image-registry.svc:5000/${namespace}/${name}`,
      tags: Object.entries(tags).map(([tag, items]) => ({
        tag,
        items: items.map((it) => (typeof it === 'string' ? rev(it) : it)),
      })),
    },
  };
}

/** Container images of a pod spec: a plain list means `containers`. */
export type Containers = string[] | { containers?: string[]; initContainers?: string[]; ephemeralContainers?: string[] };

/** A pod spec with the given container images. */
export function podSpec(images: Containers): PodSpec {
  const lists = Array.isArray(images) ? { containers: images } : images;
  const named = (prefix: string, imgs: string[] | undefined): Container[] | undefined =>
    imgs?.map((img, i) => ({ name: `${prefix}${i}`, image: img }));
  const spec: PodSpec = { containers: named('c', lists.containers) ?? [] };
  if (lists.initContainers) spec.initContainers = named('init', lists.initContainers);
  if (lists.ephemeralContainers) spec.ephemeralContainers = named('debug', lists.ephemeralContainers);
  return spec;
}

/** A pod's phases as the API reports them. */
export type PodPhase = 'Running' | 'Pending' | 'Succeeded' | 'Failed' | 'Unknown';

/** A Pod `namespace/name` running `images`; default phase Running, age {@link OLD}. */
export function pod(namespace: string, name: string, images: Containers, o: { phase?: PodPhase | null; age?: Age } = {}): Pod {
  const phase = o.phase === undefined ? 'Running' : o.phase;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name, creationTimestamp: aged(o.age ?? OLD) },
    spec: podSpec(images),
    status: phase === null ? {} : { phase },
  };
}

const WORKLOAD_API_VERSIONS: Record<WorkloadKind, string> = {
  ReplicationController: 'v1',
  DeploymentConfig: 'apps.openshift.io/v1',
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
};

/** Every workload kind whose pod template the rules read. */
export const WORKLOAD_KINDS = Object.keys(WORKLOAD_API_VERSIONS) as WorkloadKind[];

/**
 * A workload of `kind` whose pod template runs `images` (CronJob: under
 * `spec.jobTemplate`). Replicas are 0 and the age is {@link OLD} by default,
 * because the rules keep workload images whatever the age or replica count.
 */
export function workload(kind: WorkloadKind, namespace: string, name: string, images: Containers, o: { age?: Age } = {}): Workload {
  const template = { metadata: { labels: { app: name } }, spec: podSpec(images) };
  const spec: Workload['spec'] =
    kind === 'CronJob'
      ? { schedule: '0 * * * *', jobTemplate: { spec: { template } } }
      : kind === 'Job'
        ? { template }
        : { replicas: 0, template };
  return {
    apiVersion: WORKLOAD_API_VERSIONS[kind],
    kind,
    metadata: { namespace, name, creationTimestamp: aged(o.age ?? OLD) },
    spec,
  };
}

/** The strategies whose `from` the rules read. */
export type StrategyName = 'sourceStrategy' | 'dockerStrategy' | 'customStrategy';

/** A Build or BuildConfig `namespace/name` whose `spec.strategy.<strategy>.from` is `from`. */
export function build(
  kind: 'Build' | 'BuildConfig',
  namespace: string,
  name: string,
  from: ObjectReference,
  o: { strategy?: StrategyName; age?: Age } = {},
): Build {
  const strategy = o.strategy ?? 'sourceStrategy';
  const type = { sourceStrategy: 'Source', dockerStrategy: 'Docker', customStrategy: 'Custom' }[strategy];
  return {
    apiVersion: 'build.openshift.io/v1',
    kind,
    metadata: { namespace, name, creationTimestamp: aged(o.age ?? OLD) },
    spec: { strategy: { type, [strategy]: { from } } },
  };
}

/** Any builder's output. */
export type Item = Image | ImageStream | Pod | Workload | Build;

/** A snapshot of the items, built (and checked) through the real {@link SnapshotBuilder}. */
export function snapshot(...items: Item[]): Snapshot {
  const b = new SnapshotBuilder();
  items.forEach((item, i) => b.add(item, i));
  return b.build();
}

/** The items as a Kubernetes `List`, as `oc get ... -o json` prints it (for CLI and workflow tests). */
export function list(...items: Item[]): KubeList {
  return { apiVersion: 'v1', kind: 'List', items: items as unknown as KubeList['items'] };
}

/** Plan options with `now` fixed at {@link NOW}; the rest default as in docs/rules.md unless given. */
export function options(o: Partial<PlanOptions> = {}): Partial<PlanOptions> {
  return { now: NOW, ...o };
}

/** A pull spec by digest for image `name`, as a pod of namespace `ns` would run it. */
export function byDigest(name: string, repo = 'ns/app', host = 'image-registry.openshift-image-registry.svc:5000'): string {
  return `${host}/${repo}@${digest(name)}`;
}
