// The OpenShift registry takes the cluster user's token. A kubeconfig whose
// user gets its token from an exec plugin (oc login via OIDC, cloud CLIs) has no
// `token` field: the run must still send the token the plugin gives.
import { writeFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, runFlags, startCluster, type Cluster } from './fixture.js';

describe('image-pruner run sends the cluster token to the registry', () => {
  let c: Cluster;
  let execKubeconfig: string;
  beforeAll(async () => {
    c = await startCluster();
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: c.api.token } });
    execKubeconfig = join(dirname(c.api.kubeconfigPath), 'kubeconfig-exec');
    await writeFile(
      execKubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fake', cluster: { server: c.api.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'exec-user', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`], interactiveMode: 'Never' } } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'exec-user' } }],
        'current-context': 'fake',
      }),
      { mode: 0o600 },
    );
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('with a kubeconfig exec plugin, every registry delete carries the plugin token', async () => {
    const flags = runFlags(c, ['--confirm']);
    flags[flags.indexOf('--kubeconfig') + 1] = execKubeconfig;
    const r = await cli(flags);
    expect(r.stderr + r.stdout).toContain('succeeded (confirmed)');
    const deletes = c.proxy.log.filter((q) => q.method === 'DELETE');
    expect(deletes.length).toBeGreaterThan(0);
    // The health check (GET /) goes without credentials, as oc's does; every delete carries the token.
    expect(new Set(deletes.map((q) => q.authorization))).toEqual(new Set([`Bearer ${c.api.token}`]));
  });
});
