import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import type { CliIO } from '../../../cli/io.js';
import type { KubeObject } from '../../../shared/core/kube-types.js';
import { image, pod, stream } from '../../builders.js';
import type { FakeOpenShift } from '../../support/fake-openshift.js';
import { startFakeOpenShift } from '../../support/fake-openshift.js';

let api: FakeOpenShift | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

function io(): CliIO & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d) => (o += String(d)));
  stderr.on('data', (d) => (e += String(d)));
  return { stdin: new PassThrough(), stdout, stderr, env: {}, out: () => o, err: () => e };
}

// Five old revisions: with the default 3 kept, d and e are pruned unless a pod runs them.
const OBJECTS = [
  ...['a', 'b', 'c', 'd', 'e'].map((s) => image(s, { layers: [`layer-${s}`] })),
  stream('ns', 'app', { latest: ['a', 'b', 'c', 'd', 'e'] }),
  pod('ns', 'web', [`image-registry.openshift-image-registry.svc:5000/ns/app@${image('e').metadata.name}`]),
] as unknown as KubeObject[];

describe('image-pruner plan on a live cluster', () => {
  it('plans from the cluster the flags name, exactly as from a collected snapshot', async () => {
    api = await startFakeOpenShift({ objects: OBJECTS, pageSizeCap: 2 });
    const live = io();
    expect(await main(['plan', '--kubeconfig', api.kubeconfigPath, '--force-insecure', '--now', '2026-03-01T12:00:00Z', '--output', 'json'], live)).toBe(0);
    const file = join(await mkdtemp(join(tmpdir(), 'plan-live-')), 's.json');
    expect(await main(['collect', '--server', api.url, '--token-file', api.tokenPath, '--force-insecure', '--out', file], io())).toBe(0);
    const offline = io();
    expect(await main(['plan', '--snapshot', file, '--now', '2026-03-01T12:00:00Z', '--output', 'json'], offline)).toBe(0);
    const plan = JSON.parse(live.out());
    expect(plan).toEqual(JSON.parse(offline.out()));
    expect(plan.images).toEqual([image('d').metadata.name]);
    expect(live.err()).toContain(`plan: collecting from ${api.url}`);
    // Planning changes nothing.
    expect(api.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it.each([
    { case: '--snapshot with cluster flags', argv: ['--snapshot', 'f.json', '--kubeconfig', 'k'], says: 'flag --snapshot cannot be combined with cluster flags' },
    { case: '--server without --token-file', argv: ['--server', 'https://api:6443'], says: 'flag --server needs --token-file PATH' },
  ])('exits 2 on $case', async ({ argv, says }) => {
    const t = io();
    expect(await main(['plan', ...argv], t)).toBe(2);
    expect(t.err()).toContain(says);
  });
});
