import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import type { CliIO } from '../../../cli/io.js';
import { readSnapshotFile } from '../../../cli/snapshot-input.js';
import type { KubeObject } from '../../../shared/core/kube-types.js';
import { snapshotFromList } from '../../../shared/core/snapshot.js';
import { build, image, pod, stream, workload } from '../../builders.js';
import type { FakeOpenShift } from '../../support/fake-openshift.js';
import { startFakeOpenShift } from '../../support/fake-openshift.js';

let api: FakeOpenShift | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

function io(env: Record<string, string | undefined> = {}): CliIO & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d) => (o += String(d)));
  stderr.on('data', (d) => (e += String(d)));
  return { stdin: new PassThrough(), stdout, stderr, env, out: () => o, err: () => e };
}

const OBJECTS = [
  image('a', { layers: ['l1'] }),
  image('b', { layers: ['l2'] }),
  stream('ns', 'app', { latest: ['a', 'b'] }),
  pod('ns', 'web', ['image-registry.openshift-image-registry.svc:5000/ns/app:latest']),
  workload('Deployment', 'ns', 'web', ['r/app:1']),
  workload('CronJob', 'ns', 'nightly', ['r/app:1']),
  build('BuildConfig', 'ns', 'bc', { kind: 'ImageStreamTag', name: 'app:latest' }),
  { apiVersion: 'v1', kind: 'LimitRange', metadata: { namespace: 'ns', name: 'images' }, spec: { limits: [{ type: 'openshift.io/Image', max: { storage: '512Mi' } }] } },
] as unknown as KubeObject[];

async function outFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'collect-')), 'snapshot.json');
}

describe('image-pruner collect', () => {
  it('writes a snapshot that plan reads, with progress on stderr', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS, notServed: ['apps.openshift.io'] });
    const out = await outFile();
    const t = io();
    expect(await main(['collect', '--kubeconfig', api.kubeconfigPath, '--force-insecure', '--out', out], t)).toBe(0);
    const snapshot = snapshotFromList(JSON.parse(await readFile(out, 'utf8')));
    expect(snapshot.images).toHaveLength(2);
    expect(snapshot.streams).toHaveLength(1);
    expect(snapshot.pods).toHaveLength(1);
    expect(snapshot.workloads.map((w) => w.kind).sort()).toEqual(['CronJob', 'Deployment']);
    expect(snapshot.builds).toHaveLength(1);
    expect(snapshot.limitRanges.map((l) => [l.metadata.namespace, l.spec?.limits])).toEqual([['ns', [{ type: 'openshift.io/Image', max: { storage: '512Mi' } }]]]);
    expect(t.err()).toContain(`collect: collecting from ${api.url}`);
    expect(t.err()).toContain('collect: Image: 2 (1 page)');
    expect(t.err()).toContain('collect: DeploymentConfig skipped: not served by this cluster');
    expect(t.err()).toContain(`collect: wrote 8 objects to ${out}; skipped: DeploymentConfig`);
    expect(t.out()).toBe('');
  });

  it('plans from the collected file', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS });
    const out = await outFile();
    expect(await main(['collect', '--kubeconfig', api.kubeconfigPath, '--force-insecure', '--out', out], io())).toBe(0);
    const t = io();
    expect(await main(['plan', '--snapshot', out, '--output', 'json'], t)).toBe(0);
    expect(JSON.parse(t.out())).toMatchObject({ images: [] });
    // What collect writes is laid out one item per line, which plan reads item by item, to the same snapshot.
    const read = await readSnapshotFile(out, new PassThrough());
    expect(read.via).toBe('lines');
    expect(read.snapshot).toEqual(snapshotFromList(JSON.parse(await readFile(out, 'utf8'))));
  });

  it('connects with --server and --token-file, and writes to stdout with --out -', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS });
    const t = io();
    expect(await main(['collect', '--server', api.url, '--token-file', api.tokenPath, '--force-insecure', '--out', '-'], t)).toBe(0);
    expect(snapshotFromList(JSON.parse(t.out())).images).toHaveLength(2);
  });

  it('writes no file when a list cannot be completed', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS });
    api.faults.status(500, { path: '/api/v1/pods' });
    const out = await outFile();
    const t = io();
    // Six tries with real backoff: a few seconds.
    expect(await main(['collect', '--kubeconfig', api.kubeconfigPath, '--force-insecure', '--out', out], t)).toBe(1);
    expect(t.err()).toMatch(/image-pruner collect: list of Pod \(\/api\/v1\/pods\) failed on page 1: HTTP 500 InternalError after 6 attempts over \d+\.\d s;/);
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  });

  it.each([
    { case: 'no --out', argv: ['--kubeconfig', '/x'], message: 'flag --out FILE is required' },
    { case: '--server without --token-file', argv: ['--server', 'https://api:6443', '--out', 'x'], message: 'flag --server needs --token-file PATH' },
    { case: '--token-file without --server', argv: ['--token-file', '/t', '--out', 'x'], message: 'flag --token-file needs --server URL' },
    { case: 'a bad --page-size', argv: ['--page-size', '0', '--out', 'x'], message: 'flag --page-size: "0" is not a whole number >= 1' },
    { case: 'an unknown flag', argv: ['--namespace', 'x'], message: 'unknown flag --namespace' },
  ])('exits 2 on $case', async ({ argv, message }) => {
    const t = io();
    expect(await main(['collect', ...argv], t)).toBe(2);
    expect(t.err()).toContain(message);
  });

  it('exits 1 naming the kubeconfig when it cannot be read', async () => {
    const t = io();
    expect(await main(['collect', '--kubeconfig', '/nonexistent/kc', '--out', 'x'], t)).toBe(1);
    expect(t.err()).toBe('image-pruner collect: kubeconfig /nonexistent/kc does not exist (log in with oc login, or pass --kubeconfig)\n');
  });
});
