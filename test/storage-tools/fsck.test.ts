// fsck end to end on the real docker-registry with filesystem and S3 storage:
// each kind of damage is made on purpose, found, and (lost manifests) recovered
// through the fake API server by the Fsck state machine's recover task, after
// which the image pulls through its new tag.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFsckCommand } from '../../cli/commands/fsck.js';
import type { FsckReport, LostManifestReport } from '../../shared/workflow/storage-tools/reports.js';
import type { FsckRunReport } from '../../shared/workflow/storage-tools/fsck.js';
import type { Image, ImageStream } from '../../shared/core/kube-types.js';
import type { FakeOpenShift } from '../support/fake-openshift.js';
import { pullCheck, type PushedImage } from '../support/push.js';
import { BACKENDS, clusterFlags, damagedCluster, runCommand, startStorageEnv, type StorageEnv } from './env.js';

const hexOf = (d: string) => d.slice('sha256:'.length);

describe.each(BACKENDS)('fsck on %s storage', (backend) => {
  let env: StorageEnv;
  let api: FakeOpenShift;
  let a1: PushedImage, a2: PushedImage, b: PushedImage, untagged: PushedImage, orphan: PushedImage;
  let command: ReturnType<typeof makeFsckCommand>;

  beforeAll(async () => {
    env = await startStorageEnv(backend);
    ({ api, a1, a2, untagged, b, orphan } = await damagedCluster(env));
    command = makeFsckCommand({ storageOptions: env.storageOptions, artifactsDir: env.artifactsDir });
  });

  afterAll(async () => {
    await api?.stop();
    await env?.stop();
  });

  const args = () => ['--registry-storage', env.storageUrl, ...clusterFlags(api), '--output', 'json'];

  it('reports a broken revision, a broken image with its tags, and lost manifests', async () => {
    const r = await runCommand(command, args(), 'fsck');
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as FsckReport;
    // a2's Image is gone but ns/app still holds its manifest: recover can recreate it.
    expect(report.missingImages).toEqual([{ kind: 'missing-image', namespace: 'ns', name: 'app', tag: 'v2', index: 0, image: a2.manifestDigest, manifestInStorage: true }]);
    expect(report.missingLinks).toEqual([]);
    expect(report.missingBlobs).toEqual([
      {
        kind: 'missing-blobs',
        image: b.manifestDigest,
        missing: [{ digest: b.layers[1].digest, role: 'layer' }],
        tags: [{ namespace: 'other', name: 'svc', tag: 'latest', index: 0 }],
      },
    ]);
    expect(report.lostManifests.map((f) => [f.repository, f.digest, f.imageExists, f.streamExists, f.recoverable])).toEqual([
      ['lost/thing', orphan.manifestDigest, false, false, true],
      ['ns/app', untagged.manifestDigest, true, true, true],
    ]);
  });

  it('says what to do about each finding', async () => {
    const r = await runCommand(command, args().slice(0, -2), 'fsck');
    expect(r.stdout).toMatch(/BROKEN REVISION ns\/app:v2 revision 0: Image \S+ does not exist, but storage still holds its manifest\./);
    expect(r.stdout).toMatch(/fsck --recover recreates the Image from storage/);
    expect(r.stdout).toMatch(new RegExp(`BROKEN IMAGE ${b.manifestDigest}: missing from storage: layer ${b.layers[1].digest}`));
    expect(r.stdout).toMatch(/Tags: other\/svc:latest\./);
    expect(r.stdout).toMatch(new RegExp(`fsck --recover tags it as ns/app:lost-found-${hexOf(untagged.manifestDigest)}`));
  });

  it('--namespace limits the check to one namespace', async () => {
    const r = await runCommand(command, [...args(), '--namespace', 'other'], 'fsck');
    const report = JSON.parse(r.stdout) as FsckReport;
    expect(report.missingImages).toEqual([]);
    expect(report.lostManifests).toEqual([]);
    expect(report.missingBlobs.map((f) => f.image)).toEqual([b.manifestDigest]);
  });

  it('refuses --recover with a snapshot instead of the cluster', async () => {
    const r = await runCommand(command, ['--registry-storage', env.storageUrl, '--snapshot', '/dev/null', '--recover'], 'fsck');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--recover writes through the cluster API/);
  });

  it('--recover tags lost manifests as lost-found-<hex>, recreating stream and Image, recreates the Image a stream names, and they pull', async () => {
    const before = await env.listAll();
    const r = await runCommand(command, [...args(), '--recover'], 'fsck');
    const report = JSON.parse(r.stdout) as FsckReport;
    expect(report.lostManifests.map((f) => [f.repository, f.recoveredAs, f.problem])).toEqual([
      ['lost/thing', `lost/thing:lost-found-${hexOf(orphan.manifestDigest)}`, undefined],
      ['ns/app', `ns/app:lost-found-${hexOf(untagged.manifestDigest)}`, undefined],
    ]);
    // The Image ns/app:v2 names is recreated from storage; the broken image (a blob gone) stays broken.
    expect(report.missingImages.map((f) => [f.image, f.recreated])).toEqual([[a2.manifestDigest, true]]);
    expect(r.code).toBe(1);
    expect(await env.listAll()).toEqual(before);

    // It went through the state machine: the recover task wrote recovery.json next to the report task's report.json.
    const reportPath = /report in (\S+)/.exec(r.stderr)?.[1];
    expect(reportPath, r.stderr).toMatch(/runs\/.*\/fsck\/report\.json$/);
    const stored = JSON.parse(await readFile(reportPath!, 'utf8')) as FsckRunReport;
    expect(stored.status).toBe('succeeded');
    expect(stored.report).toEqual(report);
    expect(report.recover).toBe(true);
    const recovery = JSON.parse(await readFile(join(dirname(reportPath!), 'recovery.json'), 'utf8')) as { lostManifests: LostManifestReport[] };
    expect(recovery.lostManifests.map((f) => f.recoveredAs)).toEqual(report.lostManifests.map((f) => f.recoveredAs));

    const thing = api.get('ImageStream', 'thing', 'lost') as unknown as ImageStream;
    const tag = thing.status?.tags?.find((t) => t.tag === `lost-found-${hexOf(orphan.manifestDigest)}`);
    expect(tag?.items?.[0].image).toBe(orphan.manifestDigest);
    // Recreated with what the registry records on a push: layers with sizes, media type, metadata from the config blob.
    const recreated = api.get('Image', orphan.manifestDigest) as unknown as Image | undefined;
    expect(recreated?.dockerImageLayers?.map((l) => [l.name, l.size])).toEqual(orphan.layers.map((l) => [l.digest, l.size]));
    expect(recreated?.dockerImageManifest).toBe(orphan.manifest);
    expect(recreated?.dockerImageManifestMediaType).toBe(orphan.manifestMediaType);
    expect(recreated?.dockerImageMetadata).toMatchObject({
      Id: orphan.config.digest,
      Architecture: 'amd64',
      OS: 'linux',
      Created: '2024-01-01T00:00:00Z',
      Size: orphan.layers.reduce((s, l) => s + l.size, 0) + orphan.config.size,
    });
    const v2 = api.get('Image', a2.manifestDigest) as unknown as Image | undefined;
    expect(v2?.dockerImageMetadata?.Id).toBe(a2.config.digest);
    expect((await pullCheck(env.registry.url, 'ns/app', a2.manifestDigest)).ok).toBe(true);
    const pulled = await pullCheck(env.registry.url, 'lost/thing', tag!.items![0].image);
    expect(pulled.ok, JSON.stringify(pulled.statuses)).toBe(true);

    const app = api.get('ImageStream', 'app', 'ns') as unknown as ImageStream;
    expect(app.status?.tags?.find((t) => t.tag.startsWith('lost-found-'))?.items?.[0].image).toBe(untagged.manifestDigest);
  });

  it('after recovery no manifest is lost', async () => {
    const report = JSON.parse((await runCommand(command, args(), 'fsck')).stdout) as FsckReport;
    expect(report.recover).toBe(false);
    expect(report.lostManifests).toEqual([]);
    expect(report.missingImages).toEqual([]);
    expect(report.missingBlobs).toHaveLength(1);
  });
});
