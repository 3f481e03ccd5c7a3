// The cluster of the aws-scale benchmark, made so that any object can be made
// from its index alone: the fake API server generates Images, Pods and Builds
// page by page (test/support/fake-openshift/generated.ts) and stores only the
// image streams (which the run updates) and the workloads. Proportions follow
// bench/generate-cluster.ts: ten revisions per stream over two tags, a pod per
// two images, a workload per four streams, a build config per ten, a build per
// stream. Images are realistic in size (~4 KB of JSON: manifest, image
// metadata, managed fields), as bench/collect.ts's are.
//
// A cluster that is pruned regularly: with keepTagRevisions 3 (the default),
// one stream in `prunedEvery` (10) has two tags of five revisions and loses the
// two oldest of each; the others spread their ten revisions over four tags and
// keep them all. So 4% of the Images are planned for deletion (40,000 at a
// million), with their manifests, configs and two own layers each.
import { imageManagedFields } from './collect.js';
import { createHash } from 'node:crypto';
import type { KubeObject } from '../shared/core/kube-types.js';
import type { GeneratedKind } from '../test/support/fake-openshift.js';

/** The instant ages are measured from: the run's `now`. */
export const SCALE_NOW = '2026-11-01T00:00:00Z';

const REG = 'image-registry.openshift-image-registry.svc:5000';
const REVISIONS = 10;
const PRUNED_TAGS = ['latest', 'stable'] as const;
const KEPT_TAGS = ['latest', 'stable', 'v1', 'v2'] as const;
const DAY = 86_400_000;
const SCHEMA2 = 'application/vnd.docker.distribution.manifest.v2+json';
const LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

const hex = (s: string): string => createHash('sha256').update(s).digest('hex');
const sha = (s: string): string => `sha256:${hex(s)}`;
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The cluster of `images` Images: counts, and how to make each object. */
export class ScaleCluster {
  readonly streams: number;
  readonly namespaces: number;
  readonly pods: number;
  private readonly now = Date.parse(SCALE_NOW);

  constructor(
    readonly images: number,
    /** One stream in this many has revisions to prune. */
    readonly prunedEvery = 10,
  ) {
    this.streams = Math.ceil(images / REVISIONS);
    this.namespaces = Math.max(2, Math.round(images / 400));
    this.pods = Math.round(images / 2);
  }

  private ns(s: number): string {
    return `team-${s % this.namespaces}`;
  }

  digest(i: number): string {
    return sha(`image ${i}`);
  }

  /** Revision k of stream s is older the smaller k is; every image is days old. */
  private created(i: number): number {
    const s = Math.floor(i / REVISIONS);
    const k = i % REVISIONS;
    return this.now - (REVISIONS + 1 - k) * DAY - (s % 86_400) * 1000;
  }

  image(i: number): KubeObject {
    const s = Math.floor(i / REVISIONS);
    const name = this.digest(i);
    const created = iso(this.created(i));
    // Two base layers shared cluster-wide, one shared by the stream, two of its own.
    const layers = [
      { digest: sha(`base ${s % 40}`), size: 20_000_000 + (s % 40) * 1_000_000 },
      { digest: sha(`base ${(s * 7 + 3) % 40}`), size: 30_000_000 },
      { digest: sha(`stream ${s}`), size: 5_000_000 + (s % 1000) * 1000 },
      { digest: sha(`layer ${i} 0`), size: 1_000_000 + (i % 5000) * 100 },
      { digest: sha(`layer ${i} 1`), size: 200_000 + (i % 3000) * 10 },
    ];
    const config = sha(`config ${i}`);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: SCHEMA2, config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: config }, layers: layers.map((l) => ({ mediaType: LAYER, size: l.size, digest: l.digest })) }, null, 3);
    return {
      kind: 'Image',
      apiVersion: 'image.openshift.io/v1',
      metadata: <KubeObject['metadata']>{
        name,
        uid: hex(`uid ${i}`).slice(0, 36),
        resourceVersion: String(1_000_000 + i),
        creationTimestamp: created,
        annotations: { 'image.openshift.io/dockerLayersOrder': 'ascending', 'openshift.io/image.managed': 'true' },
        managedFields: imageManagedFields(created),
      },
      dockerImageReference: `${REG}/${this.ns(s)}/app-${s}@${name}`,
      dockerImageMetadata: {
        kind: 'DockerImage',
        apiVersion: '1.0',
        Id: config,
        Created: created,
        ContainerConfig: {},
        Config: {
          User: '1001',
          ExposedPorts: { '8080/tcp': {} },
          Env: ['PATH=/opt/app-root/src/bin:/opt/app-root/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin', `APP_BUILD=${i}`, 'HOME=/opt/app-root/src', 'PLATFORM=el9', 'NODE_VERSION=20.18.1'],
          Cmd: ['/bin/sh', '-c', '$STI_SCRIPTS_PATH/run'],
          WorkingDir: '/opt/app-root/src',
          Labels: { 'io.buildah.version': '1.33.7', 'io.k8s.display-name': `app ${s}`, 'io.openshift.build.commit.id': hex(`commit ${i}`).slice(0, 40), 'io.openshift.build.source-location': `https://git.example.com/team/app-${s}.git` },
        },
        Architecture: 'amd64',
        Size: layers.reduce((n, l) => n + l.size, 0),
      },
      dockerImageMetadataVersion: '1.0',
      dockerImageLayers: layers.map((l) => ({ name: l.digest, size: l.size, mediaType: LAYER })),
      dockerImageManifestMediaType: SCHEMA2,
      dockerImageManifest: manifest,
    };
  }

  /** Stream s: its ten revisions over two tags (one stream in prunedEvery) or four, newest first. */
  stream(s: number): KubeObject {
    const ns = this.ns(s);
    const first = s * REVISIONS;
    const last = Math.min(this.images, first + REVISIONS) - 1;
    const names = s % this.prunedEvery === 0 ? PRUNED_TAGS : KEPT_TAGS;
    const tags = names.map((tag, t) => {
      const mine: number[] = [];
      for (let i = last; i >= first; i -= 1) if ((i - first) % names.length === t) mine.push(i);
      return { tag, items: mine.map((i, g) => ({ created: iso(this.created(i) + 5000), dockerImageReference: `${REG}/${ns}/app-${s}@${this.digest(i)}`, image: this.digest(i), generation: mine.length - g })) };
    }).filter((t) => t.items.length > 0);
    return {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: `app-${s}`, namespace: ns, uid: hex(`uid is ${s}`).slice(0, 36), creationTimestamp: iso(this.now - 400 * DAY), generation: 3 },
      spec: { lookupPolicy: { local: false } },
      status: { dockerImageRepository: `${REG}/${ns}/app-${s}`, tags },
    } as KubeObject;
  }

  /** Pod p: runs (60%) or ran one of the three newest revisions of a tag of stream p mod streams. */
  pod(p: number): KubeObject {
    const s = p % this.streams;
    const ns = this.ns(s);
    const first = s * REVISIONS;
    const newest = Math.min(this.images, first + REVISIONS) - 1;
    const img = Math.max(first, newest - (p % 5));
    const running = p % 5 < 3;
    const created = this.now - (p % 30) * DAY;
    const image = running && p % 2 === 0 ? `${REG}/${ns}/app-${s}:latest` : `${REG}/${ns}/app-${s}@${this.digest(img)}`;
    const name = `app-${s}-${hex(`pod ${p}`).slice(0, 10)}-${hex(`pod2 ${p}`).slice(0, 5)}`;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns, uid: hex(`uid pod ${p}`).slice(0, 36), creationTimestamp: iso(created), labels: { app: `app-${s}`, 'pod-template-hash': hex(`h ${p}`).slice(0, 10) }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `app-${s}-${hex(`rs ${s}`).slice(0, 10)}`, uid: hex(`uid rs ${s}`).slice(0, 36), controller: true }] },
      spec: {
        containers: [{ name: 'app', image, imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8080, protocol: 'TCP' }], resources: { limits: { memory: '512Mi' }, requests: { cpu: '100m', memory: '256Mi' } }, volumeMounts: [{ name: 'kube-api-access', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }],
        restartPolicy: 'Always',
        serviceAccountName: 'default',
        nodeName: `worker-${p % 12}.ocp.example.com`,
      },
      status: running
        ? { phase: 'Running', hostIP: '10.0.0.1', podIP: '10.128.2.17', startTime: iso(created), containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image, imageID: `${REG}/${ns}/app-${s}@${this.digest(img)}`, state: { running: { startedAt: iso(created) } } }] }
        : { phase: p % 10 === 9 ? 'Failed' : 'Succeeded', startTime: iso(created) },
    } as KubeObject;
  }

  /** Build b (one per stream): built the stream's newest revision. */
  build(b: number): KubeObject {
    const ns = this.ns(b);
    const newest = Math.min(this.images, b * REVISIONS + REVISIONS) - 1;
    return {
      apiVersion: 'build.openshift.io/v1',
      kind: 'Build',
      metadata: { name: `app-${b}-1`, namespace: ns, creationTimestamp: iso(this.created(newest)) },
      spec: { strategy: { type: 'Source', sourceStrategy: { from: { kind: 'DockerImage', name: `${REG}/openshift/nodejs@${sha('builder')}` } } }, output: { to: { kind: 'ImageStreamTag', name: `app-${b}:latest` } } },
      status: { phase: 'Complete', outputDockerImageReference: `${REG}/${ns}/app-${b}:latest`, output: { to: { imageDigest: this.digest(newest) } } },
    } as KubeObject;
  }

  /** The objects the server stores: image streams, a Deployment and ReplicaSet per four streams, a BuildConfig per ten. */
  *stored(): Generator<KubeObject> {
    for (let s = 0; s < this.streams; s += 1) {
      yield this.stream(s);
      const ns = this.ns(s);
      const template = { metadata: { labels: { app: `app-${s}` } }, spec: { containers: [{ name: 'app', image: `${REG}/${ns}/app-${s}:latest`, resources: { requests: { cpu: '100m' } } }] } };
      if (s % 4 === 0) {
        yield { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `app-${s}`, namespace: ns, creationTimestamp: iso(this.now - 300 * DAY) }, spec: { replicas: 2, selector: { matchLabels: { app: `app-${s}` } }, template } } as KubeObject;
        yield { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `app-${s}-${hex(`rs ${s}`).slice(0, 10)}`, namespace: ns, creationTimestamp: iso(this.now - 300 * DAY) }, spec: { replicas: 2, selector: { matchLabels: { app: `app-${s}` } }, template } } as KubeObject;
      }
      if (s % 10 === 0) {
        yield { apiVersion: 'build.openshift.io/v1', kind: 'BuildConfig', metadata: { name: `app-${s}`, namespace: ns, creationTimestamp: iso(this.now - 300 * DAY) }, spec: { strategy: { type: 'Source', sourceStrategy: { from: { kind: 'ImageStreamTag', namespace: 'openshift', name: 'nodejs:20' } } }, output: { to: { kind: 'ImageStreamTag', name: `app-${s}:latest` } } } } as KubeObject;
      }
    }
  }

  /** The kinds the server generates page by page. */
  generated(): Record<string, GeneratedKind> {
    return {
      Image: { count: this.images, item: (i) => this.image(i) },
      Pod: { count: this.pods, item: (p) => this.pod(p) },
      Build: { count: this.streams, item: (b) => this.build(b) },
    };
  }
}
