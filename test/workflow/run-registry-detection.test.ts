// `image-pruner run` without --registry-url: the registry is the route the
// image streams name (status.publicDockerImageRepository), here the real
// registry served over TLS; the service name of status.dockerImageRepository
// is never used. Without a route a confirmed run stops before planning, and a
// given --registry-url always wins.
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/kube-types.js';
import { startFakeOpenShift, type FakeOpenShift } from '../support/fake-openshift.js';
import { pushImage, type PushedImage } from '../support/push.js';
import { selfSignedCertificate, startRegistry, type RunningRegistry } from '../support/registry.js';
import { cli } from './fixture.js';

const NOW = '2026-11-01T00:00:00Z';
const SERVICE = 'image-registry.openshift-image-registry.svc:5000';

/** A stream of `team/NAME` with the given history (newest first) and, when given, its route. */
function stream(name: string, pushed: PushedImage[], publicHost?: string): KubeObject {
  return {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: { namespace: 'team', name, creationTimestamp: '2025-01-01T00:00:00Z' },
    status: {
      dockerImageRepository: `${SERVICE}/team/${name}`,
      ...(publicHost ? { publicDockerImageRepository: `${publicHost}/team/${name}` } : {}),
      tags: [{ tag: 'latest', items: pushed.map((p, i) => ({ created: `2025-0${pushed.length - i}-01T00:00:00Z`, dockerImageReference: p.image.dockerImageReference, image: p.manifestDigest })) }],
    },
  };
}

/** The manifest revision link of `digest` in team/app: gone once the registry deleted the manifest. */
function revisionLink(root: string, digest: string): string {
  return join(root, 'docker/registry/v2/repositories/team/app/_manifests/revisions/sha256', digest.slice('sha256:'.length), 'link');
}

const exists = (path: string) => access(path).then(() => true, () => false);

describe('image-pruner run finds the registry in the image streams', () => {
  let dir: string;
  let root: string;
  let caPath: string;
  let registry: RunningRegistry;
  let host: string;
  /** Newest first. */
  const pushed: PushedImage[] = [];
  const servers: FakeOpenShift[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pruner-detect-'));
    root = join(dir, 'registry');
    // Pushed over plain http, then served over TLS from the same storage: the route is https.
    const plain = await startRegistry({ storage: { filesystem: { rootdirectory: root } } });
    try {
      for (let i = 1; i <= 4; i++) {
        pushed.unshift(await pushImage(plain.url, { repository: 'team/app', tag: `v${i}`, layers: [{ seed: `detect-${i}`, size: 1024 + i }], created: `2025-0${i}-01T00:00:00Z` }));
      }
    } finally {
      await plain.stop();
    }
    const cert = await selfSignedCertificate();
    registry = await startRegistry({ storage: { filesystem: { rootdirectory: root } }, tls: cert });
    host = registry.url.replace(/^https:\/\//, '');
    caPath = join(dir, 'ca.pem');
    await writeFile(caPath, cert.certificate);
  });

  afterAll(async () => {
    for (const s of servers) await s.stop();
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function api(objects: KubeObject[]): Promise<FakeOpenShift> {
    const s = await startFakeOpenShift({ objects });
    servers.push(s);
    return s;
  }

  /** Flags of a run against `cluster`; the fake API server is plain http on loopback, hence --force-insecure. */
  const flags = (cluster: FakeOpenShift, artifacts: string, extra: string[]) => [
    'run', '--kubeconfig', cluster.kubeconfigPath, '--force-insecure', '--certificate-authority', caPath,
    '--registry-storage', `file://${root}`, '--artifacts', join(dir, artifacts), '--keep-tag-revisions', '2', '--now', NOW, ...extra,
  ];

  it('deletes from the route of status.publicDockerImageRepository and says so', async () => {
    // A second stream names only the registry's service: ignored, and counted in the line.
    const other = stream('internal-only', [], SERVICE);
    const cluster = await api([...pushed.map((p) => p.image as unknown as KubeObject), stream('app', pushed, host), other]);
    const r = await cli(flags(cluster, 'confirmed', ['--confirm']));
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `run: registry: https://${host} (detected from 1 image stream's status.publicDockerImageRepository; 1 image stream naming a cluster-internal host ignored)\n`,
    );
    // The two oldest revisions are gone from the registry served at the route; the two newest are kept.
    const links = await Promise.all(pushed.map((p) => exists(revisionLink(root, p.manifestDigest))));
    expect(links).toEqual([true, true, false, false]);
    expect(cluster.get('Image', pushed[3].manifestDigest)).toBeUndefined();
    expect(cluster.get('Image', pushed[0].manifestDigest)).toBeDefined();
  });

  it('stops a confirmed run before planning when no stream has a route, with one line', async () => {
    const cluster = await api([...pushed.map((p) => p.image as unknown as KubeObject), stream('app', pushed)]);
    const r = await cli(flags(cluster, 'no-route', ['--confirm']));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NoRegistryRouteError: no image stream has a public registry route \(status\.publicDockerImageRepository\); pass --registry-url/);
    expect(r.stderr).not.toContain('run: Compute prune plan');
    expect(cluster.objects('Image')).toHaveLength(pushed.length);
  });

  it('plans a dry run without a route, telling what a confirmed run would need', async () => {
    const cluster = await api([...pushed.map((p) => p.image as unknown as KubeObject), stream('app', pushed)]);
    const r = await cli(flags(cluster, 'dry-no-route', []));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/run: registry: none: no image stream has a public registry route \(status\.publicDockerImageRepository\); a confirmed run needs --registry-url\n/);
  });

  it('lets --registry-url win over the route', async () => {
    const cluster = await api([...pushed.map((p) => p.image as unknown as KubeObject), stream('app', pushed, 'elsewhere.example.com')]);
    const r = await cli(flags(cluster, 'given', ['--registry-url', registry.url]));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`run: registry: ${registry.url} (--registry-url)\n`);
    expect(r.stderr).not.toContain('elsewhere.example.com');
  });
});
