// Hard prune's safety rules on a hand-written distribution layout (filesystem),
// with the cluster in the fake API server (a confirmed run from a snapshot file
// is refused): a manifest-list child without an
// Image is read from storage so its layers stay, and one that cannot be read
// stops the run with nothing deleted.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeHardPruneCommand } from '../../cli/commands/hard-prune.js';
import type { HardPruneReport } from '../../shared/workflow/storage-tools/reports.js';
import type { Image, ImageStream } from '../../shared/core/kube-types.js';
import type { FakeOpenShift } from '../support/fake-openshift.js';
import { sha256Digest } from '../support/push.js';
import { clusterFlags, runCommand, startCluster } from './env.js';

const OLD = new Date('2024-01-01T00:00:00Z');

describe('hard prune safety (filesystem layout)', () => {
  let dir: string;
  let root: string;
  const hex = (d: string) => d.slice(7);

  async function put(rel: string, content: string): Promise<void> {
    const file = path.join(root, 'docker/registry/v2', rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    await utimes(file, OLD, OLD);
  }
  const putBlob = (content: string) => {
    const d = sha256Digest(content);
    return put(`blobs/sha256/${hex(d).slice(0, 2)}/${hex(d)}/data`, content).then(() => d);
  };
  const link = (repo: string, kind: '_layers' | '_manifests/revisions', d: string) => put(`repositories/${repo}/${kind}/sha256/${hex(d)}/link`, d);

  let layer: string, child: string, list: string, garbage: string;
  let api: FakeOpenShift;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hard-prune-safety-'));
    root = path.join(dir, 'root');
    layer = await putBlob('child layer bytes');
    garbage = await putBlob('nobody uses this');
    const childManifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [{ digest: layer, size: 17 }] });
    child = await putBlob(childManifest);
    const listManifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ digest: child }] });
    list = await putBlob(listManifest);
    for (const d of [list, child]) await link('ns/app', '_manifests/revisions', d);
    await link('ns/app', '_layers', layer);
    // Only the list has an Image: the child's layers are known from storage alone.
    api = await startCluster(
      [{ kind: 'Image', metadata: { name: list, creationTimestamp: '2024-01-01T00:00:00Z' }, dockerImageManifests: [{ digest: child }] } as Image],
      [
        {
          kind: 'ImageStream',
          metadata: { namespace: 'ns', name: 'app', creationTimestamp: '2024-01-01T00:00:00Z' },
          status: { tags: [{ tag: 'latest', items: [{ image: list, created: '2024-01-01T00:00:00Z' }] }] },
        } as ImageStream,
      ],
    );
  });

  afterEach(async () => {
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const argv = () => ['--registry-storage', `file://${root}`, ...clusterFlags(api), '--confirm', '--registry-read-only-confirmed', '--output', 'json'];

  it('reads a child without Image from storage and keeps its layers and links', async () => {
    const r = await runCommand(makeHardPruneCommand({ artifactsDir: path.join(dir, 'artifacts') }), argv());
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as HardPruneReport;
    expect(report.blobs.deleted).toBe(1);
    expect(report.repositories).toEqual([]);
    const { existsSync } = await import('node:fs');
    const blob = (d: string) => path.join(root, `docker/registry/v2/blobs/sha256/${hex(d).slice(0, 2)}/${hex(d)}/data`);
    expect(existsSync(blob(garbage))).toBe(false);
    for (const d of [layer, child, list]) expect(existsSync(blob(d)), d).toBe(true);
    expect(existsSync(path.join(root, `docker/registry/v2/repositories/ns/app/_manifests/revisions/sha256/${hex(child)}/link`))).toBe(true);
  });

  it('stops with nothing deleted when such a child is not in storage', async () => {
    await rm(path.join(root, `docker/registry/v2/blobs/sha256/${hex(child).slice(0, 2)}/${hex(child)}`), { recursive: true });
    // The HardPrune state machine's mark task stops the run; the command says why in one line.
    const { code, stdout, stderr: err } = await runCommand(makeHardPruneCommand({ artifactsDir: path.join(dir, 'artifacts') }), argv());
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(err).not.toMatch(/\n\s+at /);
    expect(err).toMatch(new RegExp(`nothing deleted: manifest ${child} \\(child of a manifest list\\) is not in storage`));
    const { existsSync } = await import('node:fs');
    expect(existsSync(path.join(root, `docker/registry/v2/blobs/sha256/${hex(garbage).slice(0, 2)}/${hex(garbage)}/data`))).toBe(true);
  });
});
