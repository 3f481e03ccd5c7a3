// An API server that is down, or a token it rejects, is one line at once: a
// short, bounded check before any work, no retry lines after the failure, no
// doubled words, exit 1. Against a closed port on 127.0.0.1 and the fake
// OpenShift API server.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import type { CliIO } from '../../../cli/io.js';
import { main } from '../../../cli/main.js';
import { runCli } from '../../cli/run-cli.js';
import { image, stream } from '../../builders.js';
import type { KubeObject } from '../../../shared/core/kube-types.js';
import type { FakeOpenShift } from '../../support/fake-openshift.js';
import { startFakeOpenShift } from '../../support/fake-openshift.js';

let api: FakeOpenShift | undefined;
// The commands load their modules lazily; load them first so the clock measures the command.
beforeAll(async () => {
  await Promise.all([import('../../../cli/commands/run.js'), import('../../../cli/commands/collect.js'), import('../../../cli/commands/plan.js'), import('../../../shared/adapters/kubernetes/index.js')]);
}, 60_000);
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

const OBJECTS = [image('a', { layers: ['l1'] }), image('b', { layers: ['l2'] }), stream('ns', 'app', { latest: ['a', 'b'] })] as unknown as KubeObject[];

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A kubeconfig pointing at `server` with `token`, context "ops", user "ops-user". */
async function kubeconfig(server: string, token = 'some-token'): Promise<{ path: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fail-fast-'));
  const path = join(dir, 'kubeconfig');
  await writeFile(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'ops-user', user: { token } }],
      contexts: [{ name: 'ops', context: { cluster: 'c', user: 'ops-user' } }],
      'current-context': 'ops',
    }),
  );
  return { path, dir };
}

function lines(text: string): string[] {
  return text.split('\n').filter(Boolean);
}

describe('an API server that cannot be reached', () => {
  it.each([
    ['collect', (kc: string, dir: string) => ['collect', '--kubeconfig', kc, '--out', join(dir, 'snapshot.json')]],
    ['plan', (kc: string) => ['plan', '--kubeconfig', kc]],
    ['run', (kc: string, dir: string) => ['run', '--kubeconfig', kc, '--artifacts', join(dir, 'artifacts')]],
  ])('%s: one line after a short, bounded retry, exit 1', async (command, argv) => {
    const server = `https://127.0.0.1:${await closedPort()}`;
    const { path, dir } = await kubeconfig(server);
    const started = Date.now();
    const r = await runCli(argv(path, dir));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^image-pruner ${command}: cannot reach the API server ${server.replace(/\./g, '\\.')}: ECONNREFUSED after 3 attempts over \\d+\\.\\d s\\n$`));
    expect(r.stdout).toBe('');
  });
});

describe('a token the API server rejects', () => {
  it('says "token rejected" and names the kubeconfig context and user', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS });
    const { path, dir } = await kubeconfig(api.url, 'not-the-token');
    const r = await runCli(['collect', '--kubeconfig', path, '--force-insecure', '--out', join(dir, 'out.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `image-pruner collect: token rejected by ${api.url} (HTTP 401 Unauthorized): the credentials of kubeconfig ${path}, context "ops", user "ops-user"; log in again (oc login) or give another token\n`,
    );
    expect(r.stderr).not.toContain('not-the-token');
  });

  it('names --token-file when the token came from it', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS });
    const dir = await mkdtemp(join(tmpdir(), 'fail-fast-'));
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 'not-the-token\n');
    const r = await runCli(['plan', '--server', api.url, '--token-file', tokenFile, '--force-insecure']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`image-pruner plan: token rejected by ${api.url} (HTTP 401 Unauthorized): the credentials of --token-file ${tokenFile}; log in again (oc login) or give another token\n`);
  });

  it('a 401 in the middle of the collection stops every list at once; nothing follows the failure', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS });
    // Images keep failing with 503 (six tries, seconds of backoff); builds are refused.
    api.faults.status(503, { path: '/apis/image.openshift.io/v1/images' });
    api.faults.status(401, { path: '/apis/build.openshift.io/v1/builds' });
    const dir = await mkdtemp(join(tmpdir(), 'fail-fast-'));
    // stderr as it is written, also after the command returned.
    let stderr = '';
    const err = new PassThrough();
    err.on('data', (d) => (stderr += String(d)));
    const io: CliIO = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: err, env: {} };
    const started = Date.now();
    const code = await main(['collect', '--kubeconfig', api.kubeconfigPath, '--force-insecure', '--out', join(dir, 'out.json')], io);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(code).toBe(1);
    const fatal = /^image-pruner collect: token rejected by .*\(HTTP 401 Unauthorized\): the credentials of kubeconfig .*, context "fake", user "fake-user"/;
    expect(lines(stderr).at(-1)).toMatch(fatal);
    // Give a stopped retry time to show itself: nothing is written after the failure.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(lines(stderr).at(-1)).toMatch(fatal);
    expect(lines(stderr).filter((l) => l.startsWith('image-pruner collect:'))).toHaveLength(1);
    const r = { stderr };
    expect(r.stderr.match(/HTTP (\d+) HTTP \1/)).toBeNull();
  });
});
