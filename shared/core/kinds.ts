// Every kind the rules read, with where the API serves it. Collectors page
// through these; the snapshot loader sorts List items by `kind`.

/** The collection groups: one Lambda invocation (or one local step) each. */
export type ResourceGroup = 'images' | 'imagestreams' | 'pods' | 'workloads' | 'builds';

export interface ResourceKind {
  kind: string;
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  collectGroup: ResourceGroup;
  /** OpenShift-only kinds may be missing on a plain Kubernetes cluster (404: reported, skipped). */
  openshiftOnly: boolean;
}

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  { kind: 'Image', group: 'image.openshift.io', version: 'v1', plural: 'images', namespaced: false, collectGroup: 'images', openshiftOnly: true },
  { kind: 'ImageStream', group: 'image.openshift.io', version: 'v1', plural: 'imagestreams', namespaced: true, collectGroup: 'imagestreams', openshiftOnly: true },
  { kind: 'Pod', group: '', version: 'v1', plural: 'pods', namespaced: true, collectGroup: 'pods', openshiftOnly: false },
  { kind: 'ReplicationController', group: '', version: 'v1', plural: 'replicationcontrollers', namespaced: true, collectGroup: 'workloads', openshiftOnly: false },
  { kind: 'DeploymentConfig', group: 'apps.openshift.io', version: 'v1', plural: 'deploymentconfigs', namespaced: true, collectGroup: 'workloads', openshiftOnly: true },
  { kind: 'Deployment', group: 'apps', version: 'v1', plural: 'deployments', namespaced: true, collectGroup: 'workloads', openshiftOnly: false },
  { kind: 'ReplicaSet', group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true, collectGroup: 'workloads', openshiftOnly: false },
  { kind: 'StatefulSet', group: 'apps', version: 'v1', plural: 'statefulsets', namespaced: true, collectGroup: 'workloads', openshiftOnly: false },
  { kind: 'DaemonSet', group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true, collectGroup: 'workloads', openshiftOnly: false },
  { kind: 'Job', group: 'batch', version: 'v1', plural: 'jobs', namespaced: true, collectGroup: 'workloads', openshiftOnly: false },
  { kind: 'CronJob', group: 'batch', version: 'v1', plural: 'cronjobs', namespaced: true, collectGroup: 'workloads', openshiftOnly: false },
  { kind: 'Build', group: 'build.openshift.io', version: 'v1', plural: 'builds', namespaced: true, collectGroup: 'builds', openshiftOnly: true },
  { kind: 'BuildConfig', group: 'build.openshift.io', version: 'v1', plural: 'buildconfigs', namespaced: true, collectGroup: 'builds', openshiftOnly: true },
  // A handful per namespace at most: collected with the workloads rather than
  // by a Lambda invocation of their own.
  { kind: 'LimitRange', group: '', version: 'v1', plural: 'limitranges', namespaced: true, collectGroup: 'workloads', openshiftOnly: false },
];

export const RESOURCE_GROUPS: readonly ResourceGroup[] = ['images', 'imagestreams', 'pods', 'workloads', 'builds'];

/** `apiVersion` as objects carry it: `v1`, `apps/v1`, `image.openshift.io/v1`. */
export function apiVersionOf(k: ResourceKind): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

export function kindByName(kind: string): ResourceKind | undefined {
  return RESOURCE_KINDS.find((k) => k.kind === kind);
}
