// Finding the registry from the image streams' routes: the route wins over
// the service name, cluster-internal hosts are never chosen, disagreeing
// streams give the same answer every time, and nothing found is one line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import type { ResourceGroup } from '../../shared/core/kinds.js';
import type { KubeObject } from '../../shared/core/kube-types.js';
import { collectGroup } from '../../shared/workflow/collect.js';
import type { ImageStream } from '../../shared/core/kube-types.js';
import { chooseRegistry, describeRegistry, detectRegistry, isClusterInternalHost, NoRegistryRouteError, registryUrlOfEvent } from '../../shared/workflow/registry-detection.js';

const ROUTE = 'default-route-openshift-image-registry.apps.example.com';
const SERVICE = 'image-registry.openshift-image-registry.svc:5000';

/** A stream as OpenShift reports it: the service in dockerImageRepository, the route (when there is one) in publicDockerImageRepository. */
function stream(name: string, publicHost?: string): Pick<ImageStream, 'status'> {
  return { status: { dockerImageRepository: `${SERVICE}/ns/${name}`, ...(publicHost !== undefined ? { publicDockerImageRepository: `${publicHost}/ns/${name}` } : {}) } };
}

describe('detectRegistry', () => {
  it("chooses the route of status.publicDockerImageRepository, never the service of status.dockerImageRepository", () => {
    const d = detectRegistry([stream('a', ROUTE), stream('b', ROUTE), stream('c')]);
    expect(d).toEqual({ url: `https://${ROUTE}`, streams: 2, routed: 2, total: 3, internal: 0, hosts: 1, others: [] });
  });

  it('keeps a port and lower-cases the host', () => {
    expect(detectRegistry([stream('a', 'Registry.Example.COM:8443')]).url).toBe('https://registry.example.com:8443');
  });

  it.each([
    'image-registry.openshift-image-registry.svc',
    'image-registry.openshift-image-registry.svc:5000',
    'image-registry.openshift-image-registry.svc.cluster.local:5000',
    'registry.apps.cluster.local',
    'REGISTRY.NS.SVC.',
  ])('ignores the cluster-internal host %s', (host) => {
    expect(isClusterInternalHost(host)).toBe(true);
    const d = detectRegistry([stream('a', host)]);
    expect(d.url).toBeNull();
    expect(d.internal).toBe(1);
  });

  it('chooses an external host over more streams naming an internal one', () => {
    const d = detectRegistry([stream('a', `${SERVICE}`), stream('b', SERVICE), stream('c', ROUTE)]);
    expect(d.url).toBe(`https://${ROUTE}`);
    expect(d.internal).toBe(2);
  });

  it('ignores values that are no HOST/PATH', () => {
    const odd = [{ status: { publicDockerImageRepository: 'no-slash' } }, { status: { publicDockerImageRepository: 'user@host.example.com/a/b' } }, { status: { publicDockerImageRepository: '/a/b' } }, { status: {} }, {}];
    expect(detectRegistry(odd as Pick<ImageStream, 'status'>[])).toMatchObject({ url: null, routed: 0, total: 5 });
  });

  it('chooses the most common host when streams disagree, and names the others', () => {
    const d = detectRegistry([stream('a', 'b.example.com'), stream('b', 'a.example.com'), stream('c', 'b.example.com'), stream('d', 'c.example.com')]);
    expect(d).toMatchObject({ url: 'https://b.example.com', streams: 2, routed: 4, hosts: 3, others: ['a.example.com', 'c.example.com'] });
  });

  it('breaks a tie by string order, whatever order the streams come in', () => {
    const streams = [stream('a', 'z.example.com'), stream('b', 'm.example.com'), stream('c', 'a.example.com')];
    for (const order of [streams, [...streams].reverse(), [streams[1], streams[2], streams[0]]]) {
      expect(detectRegistry(order).url).toBe('https://a.example.com');
    }
  });
});

describe('chooseRegistry', () => {
  const detected = detectRegistry([stream('a', ROUTE)]);
  const nothing = detectRegistry([stream('a'), stream('b', SERVICE)]);

  it('takes a given URL over the detected route', () => {
    expect(chooseRegistry('https://given.example.com', detected, true)).toEqual({ url: 'https://given.example.com', source: 'given' });
  });

  it('takes the detected route when no URL is given', () => {
    expect(chooseRegistry(undefined, detected, true)).toEqual({ url: `https://${ROUTE}`, source: 'detected', detection: detected });
  });

  it('fails a run that deletes with one line when no stream has a route', () => {
    const err = (() => {
      try {
        return chooseRegistry(undefined, nothing, true);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NoRegistryRouteError);
    expect((err as Error).name).toBe('NoRegistryRouteError');
    expect((err as Error).message).toMatch(/^no image stream has a public registry route \(status\.publicDockerImageRepository\); pass --registry-url/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('lets a dry run go on without a registry', () => {
    expect(chooseRegistry(undefined, nothing, false)).toMatchObject({ url: null, source: 'none' });
    expect(chooseRegistry(undefined, undefined, false)).toEqual({ url: null, source: 'none' });
  });
});

describe('describeRegistry', () => {
  it('says where the registry came from', () => {
    const many = Array.from({ length: 412 }, (_, i) => stream(`s${i}`, ROUTE));
    expect(describeRegistry(chooseRegistry(undefined, detectRegistry(many), true), '--registry-url')).toBe(
      `registry: https://${ROUTE} (detected from 412 image streams' status.publicDockerImageRepository)`,
    );
    expect(describeRegistry(chooseRegistry('https://r.example.com', undefined, true), '--registry-url')).toBe('registry: https://r.example.com (--registry-url)');
  });

  it('says so when streams disagree or name internal hosts', () => {
    const d = detectRegistry([stream('a', 'b.example.com'), stream('b', 'b.example.com'), stream('c', 'a.example.com'), stream('d', SERVICE)]);
    expect(describeRegistry(chooseRegistry(undefined, d, true), '--registry-url')).toBe(
      "registry: https://b.example.com (detected from 2 of 3 image streams' status.publicDockerImageRepository; the most common of 2 hosts, the others: a.example.com; 1 image stream naming a cluster-internal host ignored)",
    );
  });

  it('tells a dry run without a route what a confirmed run needs', () => {
    expect(describeRegistry(chooseRegistry(undefined, undefined, false), '--registry-url')).toMatch(/^registry: none: .*needs --registry-url$/);
  });
});

describe('registryUrlOfEvent', () => {
  it('reads the URL of a health check event and of a batch', () => {
    expect(registryUrlOfEvent({ run: {}, registryUrl: 'https://a' })).toBe('https://a');
    expect(registryUrlOfEvent({ Items: [], BatchInput: { runId: 'r', kind: 'blobs', registryUrl: 'https://b' } })).toBe('https://b');
    expect(registryUrlOfEvent({ run: {}, registryUrl: null })).toBeUndefined();
    expect(registryUrlOfEvent(undefined)).toBeUndefined();
  });
});

describe('the collect task', () => {
  it('hands on what the image streams say about the registry, as a few counts, and only for their group', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pruner-detect-collect-'));
    try {
      const streams = [stream('a', ROUTE), stream('b', ROUTE), stream('c', SERVICE)].map((s, i) => ({ kind: 'ImageStream', metadata: { namespace: 'ns', name: `s${i}`, creationTimestamp: '2025-01-01T00:00:00Z' }, ...s }) as unknown as KubeObject);
      const reader = { collectGroup: async (group: ResourceGroup) => ({ group, items: group === 'imagestreams' ? structuredClone(streams) : [], counts: {}, skipped: [] }) };
      const run = { runId: 'r1', executionId: 'x', options: { confirm: true, keepTagRevisions: 3, keepYoungerThan: '60m', all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: false, pruneRegistry: true, numWorkers: 10, now: '2026-01-01T00:00:00Z' } };
      const artifacts = new LocalFolderArtifacts(dir);
      const got = await collectGroup({ run, group: 'imagestreams' }, reader, artifacts);
      expect(got.registry).toEqual({ url: `https://${ROUTE}`, streams: 2, routed: 2, total: 3, internal: 1, hosts: 1, others: [] });
      expect((await collectGroup({ run, group: 'pods' }, reader, artifacts)).registry).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
