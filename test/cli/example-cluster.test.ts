// The shipped example (examples/cluster.json) is what a newcomer plans first:
// its plan must show every kind of deletion, and keep images for the reasons
// the rules give. Each "kept because" case removes the reason and checks that
// the image then goes, so the test proves the reason, not just the outcome.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Image, ImageStream, KubeObject } from '../../shared/core/kube-types.js';
import { computePlan } from '../../shared/core/plan.js';
import type { PlanOptions } from '../../shared/core/plan-types.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import { EXAMPLE, EXAMPLE_NOW, runCli } from './run-cli.js';

const items = (JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { items: KubeObject[] }).items;
const now = new Date(EXAMPLE_NOW);
const planOf = (objects: KubeObject[], o: Partial<PlanOptions> = {}) => computePlan(snapshotFromList({ kind: 'List', items: objects }), { now, ...o });
const plan = planOf(items);

/** The image at `index` of `tag` in stream `ns/name`. */
function revision(ns: string, name: string, tag: string, index: number): string {
  const s = items.find((o) => o.kind === 'ImageStream' && o.metadata?.namespace === ns && o.metadata?.name === name) as unknown as ImageStream;
  return s.status!.tags!.find((t) => t.tag === tag)!.items![index].image;
}
const imageObject = (digest: string) => items.find((o) => o.kind === 'Image' && o.metadata?.name === digest) as unknown as Image;
const without = (pred: (o: KubeObject) => boolean) => items.filter((o) => !pred(o));
const named = (kind: string, ns: string, name: string) => (o: KubeObject) => o.kind === kind && o.metadata?.namespace === ns && o.metadata?.name === name;

describe('the shipped example cluster', () => {
  it('plans every kind of deletion', () => {
    expect(plan.images.length).toBeGreaterThan(0);
    expect(plan.streamUpdates.some((u) => u.removed.length > 0)).toBe(true);
    expect(plan.streamUpdates.some((u) => u.removedTags.length > 0)).toBe(true);
    expect(plan.manifestLinks.length).toBeGreaterThan(0);
    expect(plan.layerLinks.length).toBeGreaterThan(0);
    expect(plan.blobs.length).toBeGreaterThan(0);
    expect(plan.bytesReclaimed).toBeGreaterThan(100 * 1024 * 1024);
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toMatch(/\bService\b/);
  });

  it('has the parts the README promises: namespaces, histories, pods, a deployment, a build config, a manifest list', () => {
    const kinds = new Set(items.map((o) => o.kind));
    for (const k of ['Image', 'ImageStream', 'Pod', 'Deployment', 'BuildConfig']) expect(kinds).toContain(k);
    expect(new Set(items.map((o) => o.metadata?.namespace).filter(Boolean)).size).toBeGreaterThanOrEqual(3);
    expect(items.some((o) => o.kind === 'Image' && (o as unknown as Image).dockerImageManifests?.length)).toBe(true);
    const phases = new Set(items.filter((o) => o.kind === 'Pod').map((o) => (o as { status?: { phase?: string } }).status?.phase));
    expect(phases).toContain('Running');
    expect(phases).toContain('Succeeded');
  });

  it('deletes the old revisions nothing uses, and the orphaned manifest-list children', () => {
    const ml = revision('payments', 'api', 'latest', 3);
    expect(plan.images).toEqual(
      expect.arrayContaining([revision('shop', 'frontend', 'latest', 4), revision('shop', 'backend', 'latest', 3), ml, ...imageObject(ml).dockerImageManifests!.map((c) => c.digest)]),
    );
    expect(plan.streamUpdates.find((u) => u.namespace === 'shop' && u.name === 'backend')).toMatchObject({ removedTags: ['old'] });
  });

  it.each([
    {
      image: () => revision('shop', 'frontend', 'latest', 3),
      keptBecause: 'a running pod runs it by digest',
      remove: (): KubeObject[] => without(named('Pod', 'shop', 'frontend-6d9c7b5f4-x2k8q')),
    },
    {
      image: () => revision('openshift', 'ubi', '9', 0),
      keptBecause: 'it is the newest revision of openshift/ubi:9, though only a weak (4th) revision of ci/base:latest',
      remove: (): KubeObject[] => without(named('ImageStream', 'openshift', 'ubi')),
    },
    {
      image: () => revision('shop', 'backend', 'latest', 1),
      keptBecause: 'an old ReplicaSet with 0 replicas still names it (and it is among the newest 3)',
      remove: (): KubeObject[] => without(named('ReplicaSet', 'shop', 'backend-5b8f9d6c7')),
      options: { keepTagRevisions: 1 },
    },
    {
      image: () => revision('openshift', 'nodejs', '18', 3),
      keptBecause: 'it is not managed by OpenShift (imported from Red Hat), unless --all',
      remove: (): KubeObject[] => items,
      options: { all: true },
    },
    {
      image: () => revision('shop', 'frontend', 'pr-42', 0),
      keptBecause: 'it is younger than 60m',
      remove: (): KubeObject[] => items,
      options: { keepYoungerThanMs: 60_000, keepTagRevisions: 0 },
    },
  ])('keeps an image because $keptBecause', ({ image, remove, options }) => {
    const digest = image();
    expect(plan.images).not.toContain(digest);
    expect(planOf(remove(), options).images).toContain(digest);
  });

  it('keeps the children of a kept manifest list, and a layer the young image shares with a deleted one', () => {
    const newest = imageObject(revision('payments', 'api', 'latest', 0));
    for (const child of newest.dockerImageManifests!) expect(plan.images).not.toContain(child.digest);
    const deleted = imageObject(revision('shop', 'frontend', 'latest', 4));
    const young = imageObject(revision('shop', 'frontend', 'pr-42', 0));
    const shared = deleted.dockerImageLayers!.map((l) => l.name).filter((l) => young.dockerImageLayers!.some((y) => y.name === l));
    expect(shared.length).toBeGreaterThan(0);
    for (const blob of shared) expect(plan.blobs).not.toContain(blob);
  });

  it('is what `image-pruner plan` prints for the documented command', async () => {
    const r = await runCli(['plan', '--snapshot', EXAMPLE, '--now', EXAMPLE_NOW, '--output', 'json']);
    // The contract's fields are the plan's; `reasons` comes on top, one entry per Image of the example.
    const { reasons, ...contract } = JSON.parse(r.stdout);
    expect(contract).toEqual(plan);
    expect(reasons.images).toHaveLength(items.filter((o) => o.kind === 'Image').length);
  });
});
