// examples/oc-options.json exercises each option oc has besides the keep
// options: two namespaces with LimitRanges of type openshift.io/Image (100Mi in
// team-a, 1Gi in team-b, and limits of other types that must not count), an
// image shared by both namespaces, a 300Mi image tagged into both, and a young
// 200Mi image. `image-pruner plan` runs on it once per option; each expected
// plan is worked out from docs/rules.md, by hand, in the comments.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Image, ImageStream, KubeObject } from '../../shared/core/kube-types.js';
import type { Plan } from '../../shared/core/plan-types.js';
import { runCli } from './run-cli.js';

const EXAMPLE = 'examples/oc-options.json';
const NOW = '2026-11-01T00:00:00Z';
const items = (JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { items: KubeObject[] }).items;

/** The image at `index` of the `latest` tag of stream `ns/name`. */
function at(ns: string, name: string, index: number): string {
  const s = items.find((o) => o.kind === 'ImageStream' && o.metadata?.namespace === ns && o.metadata?.name === name) as unknown as ImageStream;
  return s.status!.tags!.find((t) => t.tag === 'latest')!.items![index].image;
}
const image = (digest: string) => items.find((o) => o.kind === 'Image' && o.metadata?.name === digest) as unknown as Image;
/** The image's own layer (its first layer is the base every image shares). */
const ownLayer = (digest: string) => image(digest).dockerImageLayers![1].name;
const config = (digest: string) => (image(digest).dockerImageMetadata as { Id: string }).Id;
const base = () => image(A1).dockerImageLayers![0].name;
const sizeOf = (digest: string): number => image(digest).dockerImageLayers![1].size!;

// team-a/app latest, newest first: A5, A4 (200Mi, 30 minutes old), A3, A2, A1.
const [A5, A4, A3, A2, A1] = [0, 1, 2, 3, 4].map((i) => at('team-a', 'app', i));
// team-b/app latest: B3, A2 (shared), B2 (300Mi), B1; team-a/tools latest: B2.
const [B3, , B2, B1] = [0, 1, 2, 3].map((i) => at('team-b', 'app', i));
const sorted = (xs: string[]) => [...xs].sort();
const links = (repository: string, digests: string[]) => sorted(digests).map((digest) => ({ repository, digest }));

async function plan(...flags: string[]): Promise<Plan> {
  const r = await runCli(['plan', '--snapshot', EXAMPLE, '--now', NOW, '-o', 'json', ...flags]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Plan;
}

describe('examples/oc-options.json', () => {
  it('is what the comments say: shared images, a young big one, limits per namespace', () => {
    expect(at('team-b', 'app', 1)).toBe(A2);
    expect(at('team-a', 'tools', 0)).toBe(B2);
    expect(new Set([A1, A2, A3, A4, A5, B1, B2, B3]).size).toBe(8);
    expect((image(A4).dockerImageMetadata as { Size: number }).Size).toBe(200 * 1024 * 1024);
    expect((image(B2).dockerImageMetadata as { Size: number }).Size).toBe(300 * 1024 * 1024);
    const limits = items.filter((o) => o.kind === 'LimitRange').map((o) => [o.metadata?.namespace, (o as unknown as { spec: { limits: { type: string }[] } }).spec.limits.map((l) => l.type)]);
    expect(limits).toEqual([
      ['team-a', ['openshift.io/Image', 'Container', 'PersistentVolumeClaim']],
      ['team-b', ['openshift.io/Image']],
    ]);
  });

  it('without options: 3 revisions per tag, A4 young; A2 stays through team-b, A1 and B1 go', async () => {
    // team-a/app: A2 (3) and A1 (4) are beyond 3 revisions, nothing pins them through the stream: removed.
    // team-b/app: B1 (3) removed. Images: A2 stays (team-b keeps its revision), A1 and B1 go.
    const p = await plan();
    expect(p.images).toEqual(sorted([A1, B1]));
    expect(p.streamUpdates).toEqual([
      { namespace: 'team-a', name: 'app', removed: [{ tag: 'latest', index: 3, image: A2 }, { tag: 'latest', index: 4, image: A1 }], removedTags: [] },
      { namespace: 'team-b', name: 'app', removed: [{ tag: 'latest', index: 3, image: B1 }], removedTags: [] },
    ]);
    expect(p.manifestLinks).toEqual([...links('team-a/app', [A1, A2]), ...links('team-b/app', [B1])]);
    // Layers and configs of the removed revisions that no revision left in the same repository uses (the base stays linked).
    expect(p.layerLinks).toEqual([...links('team-a/app', [ownLayer(A1), config(A1), ownLayer(A2), config(A2)]), ...links('team-b/app', [ownLayer(B1), config(B1)])]);
    // The deleted images' blobs (layers, config, manifest) but the base, which kept images use.
    expect(p.blobs).toEqual(sorted([ownLayer(A1), config(A1), A1, ownLayer(B1), config(B1), B1]));
    expect(p.bytesReclaimed).toBe(sizeOf(A1) + sizeOf(B1));
  });

  it('--prune-over-size-limit: what exceeds its namespace\'s openshift.io/Image limit goes, young or not, and nothing else', async () => {
    // team-a (100Mi): A4 (200Mi, young: youth does not count here) and B2 (300Mi) are over; the
    // Container and PersistentVolumeClaim limits do not count. team-b (1Gi): nothing is over, so
    // its B2 revision stays and B2 with it; team-a/tools loses its only revision and its tag.
    const p = await plan('--prune-over-size-limit');
    expect(p.images).toEqual([A4]);
    expect(p.streamUpdates).toEqual([
      { namespace: 'team-a', name: 'app', removed: [{ tag: 'latest', index: 1, image: A4 }], removedTags: [] },
      { namespace: 'team-a', name: 'tools', removed: [{ tag: 'latest', index: 0, image: B2 }], removedTags: ['latest'] },
    ]);
    expect(p.manifestLinks).toEqual([...links('team-a/app', [A4]), ...links('team-a/tools', [B2])]);
    expect(p.layerLinks).toEqual([...links('team-a/app', [ownLayer(A4), config(A4)]), ...links('team-a/tools', [base(), ownLayer(B2), config(B2)])]);
    expect(p.blobs).toEqual(sorted([ownLayer(A4), config(A4), A4]));
    expect(p.bytesReclaimed).toBe(sizeOf(A4));
  });

  it.each([
    ['--namespace', 'team-a'],
    ['-n', 'team-a'],
  ])('%s team-a: only team-a\'s streams are trimmed, and no Image is deleted', async (...flag) => {
    const p = await plan(...flag);
    expect(p.images).toEqual([]);
    expect(p.streamUpdates).toEqual([{ namespace: 'team-a', name: 'app', removed: [{ tag: 'latest', index: 3, image: A2 }, { tag: 'latest', index: 4, image: A1 }], removedTags: [] }]);
    expect(p.manifestLinks).toEqual(links('team-a/app', [A1, A2]));
    expect(p.layerLinks).toEqual(links('team-a/app', [ownLayer(A1), config(A1), ownLayer(A2), config(A2)]));
    expect(p.blobs).toEqual([]);
    expect(p.bytesReclaimed).toBe(0);
  });

  it('-n team-b: only team-b\'s stream is trimmed', async () => {
    const p = await plan('-n', 'team-b');
    expect(p.images).toEqual([]);
    expect(p.streamUpdates).toEqual([{ namespace: 'team-b', name: 'app', removed: [{ tag: 'latest', index: 3, image: B1 }], removedTags: [] }]);
    expect(p.manifestLinks).toEqual(links('team-b/app', [B1]));
  });

  it('--prune-over-size-limit -n team-a: over-size mode, in team-a only, no Image deleted', async () => {
    const p = await plan('--prune-over-size-limit', '-n', 'team-a');
    expect(p.images).toEqual([]);
    expect(p.streamUpdates.map((u) => `${u.namespace}/${u.name}`)).toEqual(['team-a/app', 'team-a/tools']);
    expect(p.blobs).toEqual([]);
  });

  it('--prune-registry=false: the same cluster changes, nothing in the registry, 0 bytes', async () => {
    const withRegistry = await plan();
    const p = await plan('--prune-registry=false');
    expect({ images: p.images, streamUpdates: p.streamUpdates }).toEqual({ images: withRegistry.images, streamUpdates: withRegistry.streamUpdates });
    expect({ manifestLinks: p.manifestLinks, layerLinks: p.layerLinks, blobs: p.blobs, bytesReclaimed: p.bytesReclaimed }).toEqual({ manifestLinks: [], layerLinks: [], blobs: [], bytesReclaimed: 0 });
  });

  it('--num-workers changes nothing in a plan (it sets how many delete batches run at once)', async () => {
    expect(await plan('--num-workers', '1')).toEqual(await plan());
  });

  it('the table says which options shaped the plan', async () => {
    const r = await runCli(['plan', '--snapshot', EXAMPLE, '--now', NOW, '--prune-over-size-limit', '-n', 'team-a', '--prune-registry=false']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("pruning what exceeds its namespace's LimitRange (openshift.io/Image), whatever its age or revision");
    expect(r.stdout).toContain('only the image streams of namespace team-a; no Image is deleted');
    expect(r.stdout).toContain('registry left alone (--prune-registry=false)');
    const plain = await runCli(['plan', '--snapshot', EXAMPLE, '--now', NOW]);
    expect(plain.stdout).toContain('keeping 3 revision(s) per tag and anything younger than 60m');
    expect(plain.stdout).not.toMatch(/only the image streams|registry left alone|LimitRange/);
  });
});
