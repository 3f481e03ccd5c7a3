// The parts of the Kubernetes / OpenShift v1 objects that the rules read
// (docs/rules.md, "What is read"). Everything else an object carries is ignored.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  creationTimestamp?: string;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  uid?: string;
}

export interface ImageLayer {
  name: string;
  size?: number;
  mediaType?: string;
}

export interface ImageManifestRef {
  digest: string;
  mediaType?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  manifestSize?: number;
}

export interface Image {
  apiVersion?: string;
  kind?: 'Image';
  metadata: ObjectMeta;
  dockerImageReference?: string;
  dockerImageLayers?: ImageLayer[];
  dockerImageManifest?: string;
  dockerImageManifestMediaType?: string;
  dockerImageMetadata?: { Id?: string; Size?: number; [k: string]: unknown };
  dockerImageMetadataVersion?: string;
  dockerImageManifests?: ImageManifestRef[];
}

export interface TagEventItem {
  created: string;
  dockerImageReference?: string;
  image: string;
  generation?: number;
}

export interface NamedTagEventList {
  tag: string;
  items: TagEventItem[] | null;
  conditions?: unknown[];
}

export interface ImageStream {
  apiVersion?: string;
  kind?: 'ImageStream';
  metadata: ObjectMeta;
  spec?: { tags?: unknown[]; lookupPolicy?: unknown; [k: string]: unknown };
  status?: { dockerImageRepository?: string; publicDockerImageRepository?: string; tags?: NamedTagEventList[] | null };
}

export interface Container {
  name?: string;
  image?: string;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
}

export interface Pod {
  apiVersion?: string;
  kind?: 'Pod';
  metadata: ObjectMeta;
  spec?: PodSpec;
  status?: { phase?: string };
}

/** The kinds whose pod template is `spec.template.spec`. */
export const TEMPLATE_KINDS = [
  'ReplicationController',
  'DeploymentConfig',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];
export type WorkloadKind = TemplateKind | 'CronJob';

export interface Workload {
  apiVersion?: string;
  kind: WorkloadKind;
  metadata: ObjectMeta;
  spec?: {
    template?: { spec?: PodSpec };
    jobTemplate?: { spec?: { template?: { spec?: PodSpec } } };
    [k: string]: unknown;
  };
}

export interface ObjectReference {
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface BuildStrategy {
  type?: string;
  sourceStrategy?: { from?: ObjectReference };
  dockerStrategy?: { from?: ObjectReference };
  customStrategy?: { from?: ObjectReference };
}

export interface Build {
  apiVersion?: string;
  kind: 'Build' | 'BuildConfig';
  metadata: ObjectMeta;
  spec?: { strategy?: BuildStrategy; [k: string]: unknown };
}

/** One limit of a LimitRange; only `type: openshift.io/Image` with `max.storage` matters to the rules. */
export interface LimitRangeItem {
  type?: string;
  max?: { storage?: string; [k: string]: unknown };
}

/** LimitRange (v1), stripped to what docs/rules.md reads. */
export interface LimitRange {
  apiVersion?: string;
  kind?: 'LimitRange';
  metadata: ObjectMeta;
  spec?: { limits?: LimitRangeItem[] };
}

/** Any object of a Kubernetes `List`. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Partial<ObjectMeta>;
  [k: string]: unknown;
}

/** A Kubernetes `List`, as `oc get ... -o json` prints it. */
export interface KubeList {
  apiVersion?: string;
  kind?: string;
  items: KubeObject[];
}
