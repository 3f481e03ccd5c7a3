// Nothing leaked (issue 10, findings 3 and 4): no credential over plain http
// unless --force-insecure says so, no password echoed from a URL, and run
// artifacts that hold only what the rules read, readable by their owner only.
// Against the real registry behind the recording proxy and the fake API
// server, both plain http on loopback.
import { gunzipSync } from 'node:zlib';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FolderRunLock } from '../../cli/local-run/run-lock.js';
import type { KubeObject } from '../../shared/core/kube-types.js';
import { cli, NOW, runFlags, startCluster, type Cluster } from './fixture.js';

const PLANTED = 'PLANTED-s3cr3t-value';

/** Every file and folder under `root`, with its permission bits. */
async function modes(root: string): Promise<{ path: string; dir: boolean; mode: number }[]> {
  const out: { path: string; dir: boolean; mode: number }[] = [];
  for (const name of await readdir(root, { recursive: true })) {
    const path = join(root, name);
    const s = await stat(path);
    out.push({ path: name, dir: s.isDirectory(), mode: s.mode & 0o777 });
  }
  return out;
}

/** The text of every artifact file, gunzipped when it is gzip. */
async function artifactTexts(root: string): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const f of await modes(root)) {
    if (f.dir) continue;
    const body = await readFile(join(root, f.path));
    texts.set(f.path, (f.path.endsWith('.gz') ? gunzipSync(body) : body).toString('utf8'));
  }
  return texts;
}

describe('credentials and plain http', () => {
  let c: Cluster;
  let dir: string;
  beforeAll(async () => {
    c = await startCluster();
    dir = await mkdtemp(join(tmpdir(), 'pruner-creds-'));
  });
  afterAll(async () => {
    await c?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    c.proxy.reset();
    c.api.requests.length = 0;
  });

  it('run --confirm to an http:// registry without --force-insecure is a usage error; nothing reaches the registry or the API server', async () => {
    const flags = runFlags(c, ['--confirm']).filter((f) => f !== '--force-insecure');
    const r = await cli(flags);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'image-pruner run: flag --registry-url http://... needs --force-insecure: plain http would send the cluster token in clear (or use https) (see image-pruner run --help)\n',
    );
    expect(c.proxy.log).toEqual([]);
    expect(c.api.requests).toEqual([]);
  });

  it('with --force-insecure the run goes ahead and every delete carries the token', async () => {
    const r = await cli(runFlags(c, ['--confirm']));
    expect(r.stdout + r.stderr).toContain('succeeded (confirmed)');
    const deletes = c.proxy.log.filter((q) => q.method === 'DELETE');
    expect(deletes.length).toBeGreaterThan(0);
    expect(new Set(deletes.map((q) => q.authorization))).toEqual(new Set([`Bearer ${c.api.token}`]));
  });

  it.each([
    ['collect --kubeconfig', (c: Cluster) => ['collect', '--kubeconfig', c.api.kubeconfigPath, '--out', join(dir, 'never.json')]],
    ['collect --server', (c: Cluster) => ['collect', '--server', c.api.url, '--token-file', c.api.tokenPath, '--out', join(dir, 'never.json')]],
    ['plan --kubeconfig', (c: Cluster) => ['plan', '--kubeconfig', c.api.kubeconfigPath]],
    ['run (dry run) --kubeconfig', (c: Cluster) => ['run', '--kubeconfig', c.api.kubeconfigPath, '--artifacts', dir]],
  ])('%s to an http:// API server with a token, without --force-insecure: usage error, no request sent', async (_what, argv) => {
    const r = await cli(argv(c));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^image-pruner \S+: flag --force-insecure is required to send credentials over plain http: API server http:\/\/127\.0\.0\.1:\d+ is plain http/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain(c.api.token);
    expect(c.api.requests).toEqual([]);
  });

  it.each([
    [['collect', '--server', `https://pruner:${PLANTED}@127.0.0.1:1`, '--token-file', '/x', '--out', '/x'], 'collect', '--server'],
    [['plan', '--server', `https://pruner:${PLANTED}@127.0.0.1:1`, '--token-file', '/x'], 'plan', '--server'],
    [['run', '--snapshot', 'examples/cluster.json', '--registry-url', `https://pruner:${PLANTED}@registry.example.com`], 'run', '--registry-url'],
    [['run', '--snapshot', 'examples/cluster.json', '--registry-url', `pruner:${PLANTED}@registry.example.com:5000`], 'run', '--registry-url'],
    [['collect', '--server', `ftp://pruner:${PLANTED}@127.0.0.1:1`, '--token-file', '/x', '--out', '/x'], 'collect', '--server'],
  ])('refuses a URL with user info without echoing it: %j', async (argv, command, flag) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^image-pruner ${command}: flag ${flag}: the URL must not carry a user name or password`));
    expect(r.stderr + r.stdout).not.toContain(PLANTED);
  });

  it('refuses a kubeconfig whose server URL carries a password, without echoing it', async () => {
    const kubeconfig = join(dir, 'kubeconfig-userinfo');
    const server = c.api.url.replace('http://', `http://pruner:${PLANTED}@`);
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fake', cluster: { server } }],
        users: [{ name: 'u', user: { token: c.api.token } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'u' } }],
        'current-context': 'fake',
      }),
      { mode: 0o600 },
    );
    const r = await cli(['collect', '--kubeconfig', kubeconfig, '--force-insecure', '--out', join(dir, 'never.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('must not carry a user name or password in its URL');
    expect(r.stderr + r.stdout).not.toContain(PLANTED);
    expect(c.api.requests).toEqual([]);
  });

  it('collect --out writes the snapshot readable by its owner only', async () => {
    const out = join(dir, 'snapshot.json');
    const r = await cli(['collect', '--kubeconfig', c.api.kubeconfigPath, '--force-insecure', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });
});

describe('run --snapshot artifacts', () => {
  let dir: string;
  let dump: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pruner-strip-'));
    const example = JSON.parse(await readFile('examples/cluster.json', 'utf8')) as { items: KubeObject[] };
    // What oc get -o json prints and collect never keeps: env values, args,
    // annotations, build sources with credentials, build env.
    const secretPod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: 'shop', name: 'leaky', creationTimestamp: '2026-01-01T00:00:00Z', annotations: { 'example.com/password': PLANTED }, ...{ labels: { secret: PLANTED } } },
      spec: { containers: [{ name: 'app', image: 'registry.local/shop/leaky:latest', args: [`--password=${PLANTED}`], env: [{ name: 'DB_PASSWORD', value: PLANTED }] }] },
      status: { phase: 'Running', message: PLANTED },
    };
    const secretBuildConfig: KubeObject = {
      apiVersion: 'build.openshift.io/v1',
      kind: 'BuildConfig',
      metadata: { namespace: 'shop', name: 'leaky', creationTimestamp: '2026-01-01T00:00:00Z', annotations: { note: PLANTED } },
      spec: {
        source: { git: { uri: `https://builder:${PLANTED}@git.example.com/shop/leaky.git` } },
        strategy: { type: 'Source', sourceStrategy: { from: { kind: 'ImageStreamTag', name: 'base:latest', namespace: 'shop' }, env: [{ name: 'TOKEN', value: PLANTED }] } },
      },
    };
    dump = join(dir, 'dump.json');
    await writeFile(dump, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...example.items, secretPod, secretBuildConfig] }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('holds no value collect would have stripped, in files 0600 and folders 0700', async () => {
    const artifacts = join(dir, 'artifacts');
    const r = await cli(['run', '--snapshot', dump, '--artifacts', artifacts, '--now', NOW]);
    expect(r.code, r.stderr).toBe(0);
    const texts = await artifactTexts(artifacts);
    const snapshots = [...texts.keys()].filter((k) => k.includes('/snapshot/'));
    expect(snapshots.length).toBeGreaterThan(0);
    // The planted objects are there, stripped: the pod's image is what the rules read.
    expect([...texts.values()].join('\n')).toContain('registry.local/shop/leaky:latest');
    for (const [path, text] of texts) expect(text, path).not.toContain(PLANTED);
    const entries = await modes(artifacts);
    expect(entries.length).toBeGreaterThan(snapshots.length);
    for (const e of entries) expect({ path: e.path, mode: e.mode.toString(8) }).toEqual({ path: e.path, mode: e.dir ? '700' : '600' });
    expect((await stat(artifacts)).mode & 0o777).toBe(0o700);
  });

  it('takes the run lock in a private folder, as a private file', async () => {
    const folder = join(dir, 'lock-folder');
    const lock = new FolderRunLock(folder, { leaseSeconds: 60 });
    expect(await lock.acquire('exec-1')).toMatchObject({ acquired: true });
    try {
      expect((await stat(folder)).mode & 0o777).toBe(0o700);
      expect((await stat(lock.dir)).mode & 0o777).toBe(0o700);
      const files = await readdir(lock.dir);
      expect(files.length).toBe(1);
      expect((await stat(join(lock.dir, files[0]))).mode & 0o777).toBe(0o600);
    } finally {
      await lock.release('exec-1');
    }
  });
});
