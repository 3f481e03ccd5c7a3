// A seeded synthetic cluster dump for benchmarks (and for tests that need a
// bigger input than a hand-written one). Proportions follow a busy OpenShift
// cluster: ~10 images per stream over 1-3 tags, some multi-arch manifest lists,
// images shared between streams, pods and workloads that run the newest
// images, finished pods that ran old ones, builds. Field sizes are realistic
// (manifests as strings, image metadata, pod status) so that parse cost is too.
// The text is produced in pieces, so a dump bigger than memory can be written.
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

/** What to generate. */
export interface ClusterShape {
  /** About how many Image objects (manifest-list children included). */
  images: number;
  /** Same seed and size, same dump, byte for byte. */
  seed?: number;
  /** Ages are measured back from this instant (default 2026-11-01T00:00:00Z). */
  now?: Date;
  /**
   * `lines` (default): one item per line, as `image-pruner collect` writes it;
   * `indented`: as `oc get -o json` writes it (4 spaces, the List's keys sorted).
   */
  layout?: 'lines' | 'indented';
}

export const BENCH_NOW = new Date('2026-11-01T00:00:00Z');

const REG = 'image-registry.openshift-image-registry.svc:5000';
const DAY = 86_400_000;
const SCHEMA2 = 'application/vnd.docker.distribution.manifest.v2+json';
const LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

/** mulberry32: small, fast and good enough to shape a cluster. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (s: string): string => createHash('sha256').update(s).digest('hex');
const sha = (s: string): string => `sha256:${hex(s)}`;

interface StreamPlan {
  ns: string;
  name: string;
  created: number;
  /** Per tag: image indices, newest first. */
  tags: Array<{ tag: string; images: number[] }>;
}

interface ImagePlan {
  created: number;
  stream: number;
  /** Number of children when this image is a manifest list. */
  children: number;
}

/**
 * Yields the dump as JSON text pieces (`{"apiVersion":"v1","kind":"List","items":[ ... ]}`).
 * Memory stays proportional to the number of images, not to the text.
 */
export function* clusterChunks(shape: ClusterShape): Generator<string> {
  const rand = rng(shape.seed ?? 1);
  const now = (shape.now ?? BENCH_NOW).getTime();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
  const namespaces = Math.max(2, Math.round(shape.images / 400));
  const basePool = Array.from({ length: 40 }, (_, k) => ({ digest: sha(`base layer ${k}`), size: 20_000_000 + Math.floor(rand() * 80_000_000) }));

  // Decide streams and their images first (small arrays), then write.
  const images: ImagePlan[] = [];
  const streams: StreamPlan[] = [];
  while (images.length < shape.images) {
    const s = streams.length;
    const ns = `team-${s % namespaces}`;
    const created = now - (30 + rand() * 700) * DAY;
    const count = 1 + Math.floor(rand() * 19);
    const tagNames = ['latest', 'stable', `v${1 + (s % 4)}`].slice(0, 1 + Math.floor(rand() * 3));
    const tags = tagNames.map((tag) => ({ tag, images: [] as number[] }));
    for (let k = 0; k < count && images.length < shape.images; k++) {
      const i = images.length;
      const isList = rand() < 0.02;
      images.push({ created: created + ((now - created) * (k + 1)) / (count + 1) - rand() * DAY, stream: s, children: isList ? 2 : 0 });
      // Children are Images of their own, right after the list.
      if (isList) for (let c = 0; c < 2; c++) images.push({ created: images[i].created, stream: -1, children: 0 });
      tags[k % tags.length].images.unshift(i);
    }
    streams.push({ ns, name: `app-${s}`, created, tags });
  }
  // One stream in twenty also holds an image of another stream (tagged across namespaces).
  for (let s = 0; s < streams.length; s += 20) {
    const other = streams[(s * 7 + 3) % streams.length];
    const img = other.tags[0].images[0];
    if (img !== undefined) streams[s].tags.push({ tag: 'mirror', images: [img] });
  }
  const digestOf = (i: number): string => sha(`image ${shape.seed ?? 1} ${i}`);

  const indented = shape.layout === 'indented';
  yield indented ? '{\n    "apiVersion": "v1",\n    "items": [\n' : '{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[\n';
  let first = true;
  const item = (o: unknown): string => {
    const text = (first ? '' : ',\n') + (indented ? JSON.stringify(o, null, 4).replace(/^/gm, '        ') : JSON.stringify(o));
    first = false;
    return text;
  };

  // Images.
  let batch = '';
  for (let i = 0; i < images.length; i++) {
    const im = images[i];
    const name = digestOf(i);
    const managed = rand() > 0.03;
    const ref = im.stream >= 0 ? `${REG}/${streams[im.stream].ns}/${streams[im.stream].name}@${name}` : `${REG}/multiarch/child@${name}`;
    const meta = {
      name,
      uid: hex(`uid ${name}`).slice(0, 36),
      resourceVersion: String(1_000_000 + i),
      creationTimestamp: iso(im.created),
      ...(managed ? { annotations: { 'openshift.io/image.managed': 'true' } } : {}),
    };
    if (im.children > 0) {
      const children = Array.from({ length: im.children }, (_, c) => ({ digest: digestOf(i + 1 + c), mediaType: SCHEMA2, manifestSize: 1578, architecture: c === 0 ? 'amd64' : 'arm64', os: 'linux' }));
      const manifest = { schemaVersion: 2, mediaType: LIST, manifests: children.map((c) => ({ mediaType: SCHEMA2, size: 1578, digest: c.digest, platform: { architecture: c.architecture, os: 'linux' } })) };
      batch += item({ apiVersion: 'image.openshift.io/v1', kind: 'Image', metadata: meta, dockerImageReference: ref, dockerImageMetadata: { kind: 'DockerImage', apiVersion: 'image.openshift.io/1.0', Created: meta.creationTimestamp }, dockerImageMetadataVersion: '1.0', dockerImageManifestMediaType: LIST, dockerImageManifest: JSON.stringify(manifest), dockerImageManifests: children });
    } else {
      const layers = [pick(basePool), pick(basePool)];
      const own = 2 + Math.floor(rand() * 5);
      for (let l = 0; l < own; l++) layers.push({ digest: sha(`layer ${i} ${l}`), size: Math.floor(rand() * 30_000_000) + 500 });
      const config = sha(`config ${i}`);
      const total = layers.reduce((n, l) => n + l.size, 0);
      const manifest = { schemaVersion: 2, mediaType: SCHEMA2, config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 6000 + Math.floor(rand() * 4000), digest: config }, layers: layers.map((l) => ({ mediaType: LAYER, size: l.size, digest: l.digest })) };
      batch += item({
        apiVersion: 'image.openshift.io/v1',
        kind: 'Image',
        metadata: meta,
        dockerImageReference: ref,
        dockerImageMetadata: {
          kind: 'DockerImage',
          apiVersion: 'image.openshift.io/1.0',
          Id: config,
          Created: meta.creationTimestamp,
          ContainerConfig: {},
          Config: {
            User: '1001',
            ExposedPorts: { '8080/tcp': {} },
            Env: ['PATH=/opt/app-root/src/bin:/opt/app-root/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin', `APP_BUILD=${i}`, 'HOME=/opt/app-root/src', 'PLATFORM=el9', 'NODE_VERSION=18.20.4'],
            Cmd: ['/bin/sh', '-c', '$STI_SCRIPTS_PATH/run'],
            WorkingDir: '/opt/app-root/src',
            Labels: { 'io.buildah.version': '1.33.7', 'io.k8s.display-name': `app ${im.stream}`, 'io.openshift.build.commit.id': hex(`commit ${i}`).slice(0, 40), 'io.openshift.build.source-location': `https://git.example.com/team/app-${im.stream}.git` },
          },
          Architecture: 'amd64',
          Size: total,
        },
        dockerImageMetadataVersion: '1.0',
        dockerImageLayers: layers.map((l) => ({ name: l.digest, size: l.size, mediaType: LAYER })),
        dockerImageManifestMediaType: SCHEMA2,
        dockerImageManifest: JSON.stringify(manifest),
      });
    }
    if (batch.length > 1 << 20) {
      yield batch;
      batch = '';
    }
  }

  // Image streams.
  for (const s of streams) {
    batch += item({
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: s.name, namespace: s.ns, uid: hex(`uid is ${s.ns}/${s.name}`).slice(0, 36), resourceVersion: '1', creationTimestamp: iso(s.created), generation: 3 },
      spec: { lookupPolicy: { local: false } },
      status: {
        dockerImageRepository: `${REG}/${s.ns}/${s.name}`,
        tags: s.tags.map((t) => ({
          tag: t.tag,
          items: t.images.map((i, k) => ({ created: iso(images[i].created + 5000), dockerImageReference: `${REG}/${s.ns}/${s.name}@${digestOf(i)}`, image: digestOf(i), generation: t.images.length - k })),
        })),
      },
    });
    if (batch.length > 1 << 20) {
      yield batch;
      batch = '';
    }
  }

  // Pods: about one per two images. Running ones run a recent image (by digest
  // or by tag); finished ones ran anything, long ago.
  const pods = Math.round(shape.images / 2);
  for (let p = 0; p < pods; p++) {
    const s = streams[Math.floor(rand() * streams.length)];
    const tag = pick(s.tags);
    const running = rand() < 0.6;
    const img = running ? tag.images[Math.min(tag.images.length - 1, Math.floor(rand() * 2))] : pick(tag.images);
    if (img === undefined) continue;
    const image = running && rand() < 0.5 ? `${REG}/${s.ns}/${s.name}:${tag.tag}` : `${REG}/${s.ns}/${s.name}@${digestOf(img)}`;
    const created = running ? now - rand() * 30 * DAY : images[img].created + DAY;
    const name = `${s.name}-${hex(`pod ${p}`).slice(0, 10)}-${hex(`pod2 ${p}`).slice(0, 5)}`;
    batch += item({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: s.ns, uid: hex(`uid pod ${p}`).slice(0, 36), creationTimestamp: iso(created), labels: { app: s.name, 'pod-template-hash': hex(`h ${p}`).slice(0, 10) }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${s.name}-${hex(`rs ${p}`).slice(0, 10)}`, uid: hex(`uid rs ${p}`).slice(0, 36), controller: true }] },
      spec: {
        containers: [{ name: 'app', image, imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8080, protocol: 'TCP' }], resources: { limits: { memory: '512Mi' }, requests: { cpu: '100m', memory: '256Mi' } }, volumeMounts: [{ name: 'kube-api-access', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }],
        restartPolicy: 'Always',
        serviceAccountName: 'default',
        nodeName: `worker-${p % 12}.ocp.example.com`,
      },
      status: running
        ? { phase: 'Running', hostIP: '10.0.0.1', podIP: '10.128.2.17', startTime: iso(created), containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image, imageID: `${REG}/${s.ns}/${s.name}@${digestOf(img)}`, state: { running: { startedAt: iso(created) } } }] }
        : { phase: rand() < 0.8 ? 'Succeeded' : 'Failed', startTime: iso(created) },
    });
    if (batch.length > 1 << 20) {
      yield batch;
      batch = '';
    }
  }

  // Workloads (one per four streams, by tag) and build configs (one per ten).
  for (let k = 0; k < streams.length; k++) {
    const s = streams[k];
    if (k % 4 === 0) {
      const kind = pick(['Deployment', 'DeploymentConfig', 'StatefulSet', 'CronJob'] as const);
      const apiVersion = kind === 'DeploymentConfig' ? 'apps.openshift.io/v1' : kind === 'CronJob' ? 'batch/v1' : 'apps/v1';
      const template = { metadata: { labels: { app: s.name } }, spec: { containers: [{ name: 'app', image: `${REG}/${s.ns}/${s.name}:${s.tags[0].tag}`, resources: { requests: { cpu: '100m' } } }] } };
      const spec = kind === 'CronJob' ? { schedule: '0 3 * * *', jobTemplate: { spec: { template } } } : { replicas: 2, selector: { matchLabels: { app: s.name } }, template };
      batch += item({ apiVersion, kind, metadata: { name: s.name, namespace: s.ns, creationTimestamp: iso(s.created) }, spec });
    }
    if (k % 10 === 0) {
      batch += item({
        apiVersion: 'build.openshift.io/v1',
        kind: 'BuildConfig',
        metadata: { name: s.name, namespace: s.ns, creationTimestamp: iso(s.created) },
        spec: { source: { git: { uri: `https://git.example.com/team/${s.name}.git` } }, strategy: { type: 'Source', sourceStrategy: { from: { kind: 'ImageStreamTag', namespace: 'openshift', name: 'nodejs:18' } } }, output: { to: { kind: 'ImageStreamTag', name: `${s.name}:latest` } } },
      });
    }
    if (batch.length > 1 << 20) {
      yield batch;
      batch = '';
    }
  }
  yield indented ? `${batch}\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n` : `${batch}\n]}\n`;
}

/** The whole dump as one string (small sizes only: tests). */
export function clusterText(shape: ClusterShape): string {
  return [...clusterChunks(shape)].join('');
}

/** Writes the dump to `path` piece by piece; returns its size in bytes. */
export function writeClusterFile(path: string, shape: ClusterShape): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    for (const chunk of clusterChunks(shape)) {
      const buf = Buffer.from(chunk);
      writeSync(fd, buf);
      bytes += buf.length;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}
