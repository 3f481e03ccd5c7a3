import { describe, expect, it } from 'vitest';
import { IncompleteMarkingError, PartialClusterViewError } from '../../shared/core/errors.js';
import { checkClusterView, markForHardPrune, markManifest, sweepBlobs, sweepRepository } from '../../shared/core/hard-prune.js';
import { dg, image, stream } from '../storage-tools/builders.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const HOUR = 3_600_000;
const at = (msAgo: number) => new Date(NOW.getTime() - msAgo);

describe('hard prune blob sweep', () => {
  const marks = markForHardPrune([image('kept', { layers: ['shared', 'own'], config: 'cfg' })], []);
  const cases = [
    { name: 'deletes an unmarked old blob', blob: 'stray', age: 2 * HOUR, outcome: 'delete' },
    { name: 'keeps an unmarked blob younger than the threshold', blob: 'stray', age: 59 * 60_000, outcome: 'young' },
    { name: 'deletes an unmarked blob exactly at the threshold', blob: 'stray', age: HOUR, outcome: 'delete' },
    { name: 'keeps a marked old layer', blob: 'shared', age: 100 * HOUR, outcome: 'kept' },
    { name: 'keeps a marked config', blob: 'cfg', age: 100 * HOUR, outcome: 'kept' },
    { name: 'keeps the manifest blob of an image', blob: 'kept', age: 100 * HOUR, outcome: 'kept' },
  ] as const;
  it.each(cases)('$name', ({ blob, age, outcome }) => {
    const r = sweepBlobs(marks, [{ digest: dg(blob), size: 5, lastModified: at(age) }], { keepYoungerThanMs: HOUR, now: NOW });
    expect({ delete: r.delete.length, young: r.young.length, kept: r.kept }).toEqual({
      delete: outcome === 'delete' ? 1 : 0,
      young: outcome === 'young' ? 1 : 0,
      kept: outcome === 'kept' ? 1 : 0,
    });
  });

  it('returns deletions sorted by digest', () => {
    const blobs = ['x', 'y', 'z', 'w'].map((w) => ({ digest: dg(w), size: 1, lastModified: at(2 * HOUR) }));
    const r = sweepBlobs(marks, blobs, { keepYoungerThanMs: HOUR, now: NOW });
    expect(r.delete.map((b) => b.digest)).toEqual(blobs.map((b) => b.digest).sort());
  });
});

describe('hard prune repository sweep', () => {
  const images = [
    image('a1', { layers: ['la'] }),
    image('a2', { layers: ['la', 'lb'] }),
    image('b1', { layers: ['lb'] }),
    image('list', { children: ['child'] }),
    image('child', { layers: ['lc'] }),
  ];
  const streams = [stream('ns', 'app', { latest: ['a1'], old: ['list'] }), stream('ns', 'other', { latest: ['b1'] })];
  const marks = markForHardPrune(images, streams);

  it('removes a repository that has no image stream, whole', () => {
    expect(sweepRepository(marks, { name: 'ns/gone', manifestLinks: [dg('a1')], layerLinks: [dg('la')] })).toEqual({
      repository: 'ns/gone',
      action: 'remove',
      reason: 'no image stream',
    });
  });

  const links = [
    { name: 'keeps a manifest in the stream history', link: 'a1', removed: false },
    { name: 'keeps a child of a manifest list in the history', link: 'child', removed: false },
    { name: 'removes a manifest whose Image exists but is in another stream only', link: 'b1', removed: true },
    { name: 'removes a manifest whose Image exists in no stream', link: 'a2', removed: true },
    { name: 'removes a manifest that is no Image', link: 'ghost', removed: true },
  ];
  it.each(links)('$name', ({ link, removed }) => {
    const r = sweepRepository(marks, { name: 'ns/app', manifestLinks: [dg(link)], layerLinks: [] });
    expect(r.action === 'sweep' && r.manifestLinks).toEqual(removed ? [dg(link)] : []);
  });

  it('keeps a child of a listed manifest that has no Image object', () => {
    const m = markForHardPrune([image('list', { children: ['bare-child'] })], [stream('ns', 'app', { latest: ['list'] })]);
    m.unresolvedChildren.clear();
    const r = sweepRepository(m, { name: 'ns/app', manifestLinks: [dg('bare-child')], layerLinks: [] });
    expect(r).toMatchObject({ manifestLinks: [] });
  });

  it('keeps a history digest of a stream when its Image is gone, and the blobs its manifest in storage names', () => {
    const m = markForHardPrune([], [stream('ns', 'app', { latest: ['lost'] })]);
    expect(() => sweepRepository(m, { name: 'ns/app', manifestLinks: [], layerLinks: [] }), 'unread: the sweep must not decide').toThrow(IncompleteMarkingError);
    const text = JSON.stringify({ schemaVersion: 2, config: { digest: dg('lost-cfg') }, layers: [{ digest: dg('lost-layer') }] });
    expect(markManifest(m, dg('lost'), text)).toBeUndefined();
    const r = sweepRepository(m, { name: 'ns/app', manifestLinks: [dg('lost')], layerLinks: [dg('lost-layer')] });
    expect(r).toMatchObject({ action: 'sweep', manifestLinks: [], layerLinks: [] });
    const blobs = sweepBlobs(m, ['lost', 'lost-cfg', 'lost-layer'].map((w) => ({ digest: dg(w), size: 1, lastModified: at(100 * HOUR) })), { keepYoungerThanMs: HOUR, now: NOW });
    expect(blobs.delete).toEqual([]);
  });

  it('keeps the children of a history manifest list read from storage', () => {
    const m = markForHardPrune([], [stream('ns', 'app', { latest: ['lost-list'] })]);
    expect(markManifest(m, dg('lost-list'), JSON.stringify({ schemaVersion: 2, manifests: [{ digest: dg('lost-child') }] }))).toBeUndefined();
    expect(markManifest(m, dg('lost-child'), JSON.stringify({ schemaVersion: 2, layers: [{ digest: dg('child-layer') }] }))).toBeUndefined();
    const r = sweepRepository(m, { name: 'ns/app', manifestLinks: [dg('lost-list'), dg('lost-child')], layerLinks: [dg('child-layer')] });
    expect(r).toMatchObject({ action: 'sweep', manifestLinks: [], layerLinks: [] });
  });

  it('a history manifest in neither the cluster nor storage only warns: nothing of it is left to keep', () => {
    const m = markForHardPrune([], [stream('ns', 'app', { latest: ['vanished'] })]);
    expect(markManifest(m, dg('vanished'), undefined)).toBeUndefined();
    expect(m.warnings.join()).toMatch(/neither an Image nor in storage/);
    expect(sweepRepository(m, { name: 'ns/app', manifestLinks: [], layerLinks: [] }).action).toBe('sweep');
  });

  it.each([
    { name: 'keeps a layer link to a blob of any image', link: 'lb', removed: false },
    { name: 'keeps a layer link to a child image layer', link: 'lc', removed: false },
    { name: 'removes a layer link to an unmarked blob', link: 'nobody', removed: true },
  ])('$name', ({ link, removed }) => {
    const r = sweepRepository(marks, { name: 'ns/app', manifestLinks: [], layerLinks: [dg(link)] });
    expect(r.action === 'sweep' && r.layerLinks).toEqual(removed ? [dg(link)] : []);
  });

  it('counts what it keeps', () => {
    const r = sweepRepository(marks, { name: 'ns/app', manifestLinks: [dg('a1'), dg('ghost')], layerLinks: [dg('la'), dg('nobody')] });
    expect(r).toMatchObject({ action: 'sweep', keptManifestLinks: 1, keptLayerLinks: 1 });
  });
});

describe('hard prune: a push in progress', () => {
  const marks = markForHardPrune([image('kept', { layers: ['l'] })], [stream('ns', 'app', { latest: ['kept'] })]);
  it.each([
    { name: 'keeps the layer link of a young unmarked blob', links: { manifestLinks: [], layerLinks: [dg('uploading')] } },
    { name: 'keeps the revision link of a young manifest that has no Image yet', links: { manifestLinks: [dg('uploading')], layerLinks: [] } },
  ])('$name', ({ links }) => {
    const r = sweepRepository(marks, { name: 'ns/app', ...links }, new Set([dg('uploading')]));
    expect(r).toMatchObject({ action: 'sweep', manifestLinks: [], layerLinks: [] });
  });

  it('a repository without stream that links a young blob loses only its other links', () => {
    const r = sweepRepository(marks, { name: 'ns/none', manifestLinks: [dg('old-manifest')], layerLinks: [dg('uploading'), dg('l')] }, new Set([dg('uploading')]));
    expect(r).toMatchObject({ action: 'sweep', manifestLinks: [dg('old-manifest')], layerLinks: [] });
  });

  it('a repository without stream that holds an upload younger than keepYoungerThan is kept', () => {
    const r = sweepRepository(marks, { name: 'ns/pushing', manifestLinks: [], layerLinks: [], newestUpload: at(5_000) }, new Set(), { keepYoungerThanMs: HOUR, now: NOW });
    expect(r).toMatchObject({ action: 'sweep', manifestLinks: [], layerLinks: [], keptFor: 'young upload' });
  });

  it('a repository without stream whose upload is older than keepYoungerThan is removed whole', () => {
    const r = sweepRepository(marks, { name: 'ns/stale', manifestLinks: [], layerLinks: [], newestUpload: at(2 * HOUR) }, new Set(), { keepYoungerThanMs: HOUR, now: NOW });
    expect(r.action).toBe('remove');
  });

  it('a repository without stream and nothing young is removed whole', () => {
    expect(sweepRepository(marks, { name: 'ns/none', manifestLinks: [], layerLinks: [dg('l')] }, new Set([dg('uploading')])).action).toBe('remove');
  });
});

describe('hard prune: a partial view of the cluster', () => {
  it.each([
    { name: 'no Image and no stream while storage holds manifests (an empty List)', images: 0, streams: 0, held: true, refused: true },
    { name: 'streams but no Image while storage holds manifests (a streams-only dump)', images: 0, streams: 3, held: true, refused: true },
    { name: 'no Image and storage holds no manifest (a new registry)', images: 0, streams: 0, held: false, refused: false },
    { name: 'Images present', images: 1, streams: 0, held: true, refused: false },
  ])('$name', ({ images, streams, held, refused }) => {
    const check = () => checkClusterView({ images, streams, storageHoldsManifests: held });
    if (refused) expect(check).toThrow(PartialClusterViewError);
    else expect(check).not.toThrow();
  });
});
