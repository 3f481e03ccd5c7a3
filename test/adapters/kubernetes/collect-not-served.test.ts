import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../shared/core/kube-types.js';
import { image, pod, workload } from '../../builders.js';
import type { Cluster } from './helpers.js';
import { startCluster } from './helpers.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const OBJECTS = [image('a'), pod('ns', 'web', ['r/app:1']), workload('Deployment', 'ns', 'web', ['r/app:1'])] as unknown as KubeObject[];

describe('kinds the cluster does not serve', () => {
  it.each([
    { served: 'OpenShift without DeploymentConfigs', notServed: ['apps.openshift.io'], skipped: ['DeploymentConfig'] },
    { served: 'OpenShift without builds', notServed: ['build.openshift.io'], skipped: ['Build', 'BuildConfig'] },
    {
      served: 'plain Kubernetes',
      notServed: ['image.openshift.io', 'apps.openshift.io', 'build.openshift.io'],
      skipped: ['Image', 'ImageStream', 'DeploymentConfig', 'Build', 'BuildConfig'],
    },
  ])('on $served: skips and reports $skipped, collects the rest', async ({ notServed, skipped }) => {
    cluster = await startCluster({ objects: OBJECTS.filter((o) => o.kind !== 'Image' || !notServed.includes('image.openshift.io')), notServed });
    const r = await cluster.collector().collectAll();
    expect(r.skipped.map((s) => s.kind).sort()).toEqual([...skipped].sort());
    expect(r.skipped[0].reason).toMatch(/^not served by this cluster \(404 on \/apis\/.+\)$/);
    expect(r.snapshot.pods).toHaveLength(1);
    expect(r.snapshot.workloads.map((w) => w.kind)).toEqual(['Deployment']);
    for (const kind of skipped) expect(r.counts[kind]).toBeUndefined();
  });
});
