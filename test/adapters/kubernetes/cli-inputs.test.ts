// What the cluster commands check before any work, and what they read by
// default: output paths before the first request, `plan` without flags reads
// the cluster of the default kubeconfig (as oc does), a junk kubeconfig is one
// line without its bytes, and a failed run says "failed" once.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/run-cli.js';
import { image, stream } from '../../builders.js';
import type { KubeObject } from '../../../shared/core/kube-types.js';
import type { FakeOpenShift } from '../../support/fake-openshift.js';
import { startFakeOpenShift } from '../../support/fake-openshift.js';

let api: FakeOpenShift | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

const SEEDS = ['a', 'b', 'c', 'd'];
const OBJECTS = [...SEEDS.map((s) => image(s, { layers: [`${s}-l`] })), stream('ns', 'app', { latest: SEEDS })] as unknown as KubeObject[];

function lines(text: string): string[] {
  return text.split('\n').filter(Boolean);
}

describe('output paths are checked before any work', () => {
  it.each([
    ['a directory that does not exist', (dir: string) => join(dir, 'missing', 'snapshot.json'), /--out .*missing\/snapshot\.json: the directory .*missing does not exist$/],
    ['a directory', (dir: string) => dir, /--out .*: is a directory \(give a file name\)$/],
  ])('collect --out into %s: one line, exit 1, no request to the cluster', async (_, out, message) => {
    api = await startFakeOpenShift({ objects: OBJECTS });
    const dir = await mkdtemp(join(tmpdir(), 'cli-inputs-'));
    const r = await runCli(['collect', '--kubeconfig', api.kubeconfigPath, '--force-insecure', '--out', out(dir)]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(api.requests).toHaveLength(0);
  });

  it('run --artifacts that is a file: one line, exit 1, no request to the cluster', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS });
    const dir = await mkdtemp(join(tmpdir(), 'cli-inputs-'));
    const file = join(dir, 'file');
    await writeFile(file, 'x');
    const r = await runCli(['run', '--kubeconfig', api.kubeconfigPath, '--force-insecure', '--artifacts', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`image-pruner run: --artifacts ${file}: is not a directory\n`);
    expect(api.requests).toHaveLength(0);
  });
});

describe('plan without flags', () => {
  it('reads the live cluster of the default kubeconfig, as its help says', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS });
    const r = await runCli(['plan', '--force-insecure', '--now', '2026-11-01T00:00:00Z'], { env: { KUBECONFIG: api.kubeconfigPath } });
    expect(r.stderr).not.toContain('--snapshot');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Prune plan for cluster ${api.url}`);
    expect(r.stdout).toMatch(/Images to delete\s+1\n/);
  });

  it('with no kubeconfig at all says which file it looked for, in one line', async () => {
    const home = await mkdtemp(join(tmpdir(), 'cli-inputs-home-'));
    const r = await runCli(['plan'], { env: { HOME: home } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`image-pruner plan: kubeconfig ${join(home, '.kube', 'config')} does not exist (log in with oc login, or pass --kubeconfig)\n`);
  });
});

describe('a junk --kubeconfig', () => {
  it.each([
    ['binary bytes', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0xff, 0xfe, 0x0a, 0x00]), 'is not a kubeconfig: it holds binary data'],
    ['YAML that does not parse', Buffer.from('clusters: [\n  - {name: x\n\u00ff\u00fe'), 'is not a valid kubeconfig: '],
    ['YAML that is no kubeconfig', Buffer.from('hello: world\n'), 'is not a kubeconfig: it names no cluster and no context'],
  ])('%s: one line naming the file, no bytes echoed, exit 1', async (_, bytes, message) => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-inputs-'));
    const path = join(dir, 'junk');
    await writeFile(path, bytes);
    const r = await runCli(['plan', '--kubeconfig', path]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr.startsWith(`image-pruner plan: kubeconfig ${path} ${message}`)).toBe(true);
    // Printable ASCII only: nothing of the file is echoed.
    expect(r.stderr).toMatch(/^[\x20-\x7e]*\n$/);
  });
});

describe('a run that fails', () => {
  it('says "failed" once and gives no dry-run hint', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS });
    // The API server is up and takes the token, but refuses one list.
    api.faults.status(403, { path: '/apis/build.openshift.io/v1/builds' });
    const dir = await mkdtemp(join(tmpdir(), 'cli-inputs-'));
    const r = await runCli(['run', '--kubeconfig', api.kubeconfigPath, '--force-insecure', '--artifacts', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\b(\w+) \1\b/);
    expect(r.stderr).toContain('run: Prune failed\n');
    expect(r.stdout).toContain(': failed (dry-run)');
    expect(r.stdout).not.toContain('run again with --confirm');
  }, 60_000);
});
