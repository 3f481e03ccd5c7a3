import { describe, expect, it } from 'vitest';
import { markForHardPrune, sweepBlobs, sweepRepository } from '../../shared/core/hard-prune.js';
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

  it('removes a history digest from a stream when its Image is gone', () => {
    const m = markForHardPrune([], [stream('ns', 'app', { latest: ['lost'] })]);
    const r = sweepRepository(m, { name: 'ns/app', manifestLinks: [dg('lost')], layerLinks: [] });
    expect(r.action === 'sweep' && r.manifestLinks).toEqual([dg('lost')]);
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

  it('a repository without stream and nothing young is removed whole', () => {
    expect(sweepRepository(marks, { name: 'ns/none', manifestLinks: [], layerLinks: [dg('l')] }, new Set([dg('uploading')])).action).toBe('remove');
  });
});
