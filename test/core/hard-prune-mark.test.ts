import { describe, expect, it } from 'vitest';
import { IncompleteMarkingError } from '../../shared/core/errors.js';
import { markForHardPrune, markManifest, marksFromJSON, marksToJSON, sweepBlobs } from '../../shared/core/hard-prune.js';
import { dg, image, stream } from '../storage-tools/builders.js';

describe('hard prune marking', () => {
  const cases: { name: string; images: ReturnType<typeof image>[]; marked: string[]; notMarked?: string[] }[] = [
    { name: 'marks layers, config and manifest of a managed image', images: [image('a', { layers: ['l1', 'l2'], config: 'c' })], marked: ['a', 'l1', 'l2', 'c'] },
    { name: 'marks the blobs of an unmanaged image too', images: [image('u', { layers: ['ul'], managed: false })], marked: ['u', 'ul'] },
    {
      name: 'marks the children of a manifest list and their layers',
      images: [image('list', { children: ['amd', 'arm'] }), image('amd', { layers: ['la'] }), image('arm', { layers: ['lr'] })],
      marked: ['list', 'amd', 'arm', 'la', 'lr'],
    },
    { name: 'marks nothing that no image names', images: [image('a', { layers: ['l1'] })], marked: ['a', 'l1'], notMarked: ['stray'] },
  ];
  it.each(cases)('$name', ({ images, marked, notMarked = [] }) => {
    const marks = markForHardPrune(images, []);
    for (const m of marked) expect(marks.blobs.has(dg(m)), m).toBe(true);
    for (const m of notMarked) expect(marks.blobs.has(dg(m)), m).toBe(false);
  });

  it('marks layers read from the manifest when dockerImageLayers is empty', () => {
    const img = image('m');
    img.dockerImageManifest = JSON.stringify({ schemaVersion: 2, config: { digest: dg('cfg') }, layers: [{ digest: dg('from-manifest') }] });
    const marks = markForHardPrune([img], []);
    expect(marks.blobs.has(dg('from-manifest'))).toBe(true);
    expect(marks.blobs.has(dg('cfg'))).toBe(true);
  });

  it('reaches manifest-list children from the stream history', () => {
    const marks = markForHardPrune([image('list', { children: ['amd'] }), image('amd')], [stream('ns', 'app', { latest: ['list'] })]);
    expect([...marks.repositories.get('ns/app')!].sort()).toEqual([dg('list'), dg('amd')].sort());
  });

  it('a child without an Image object blocks the sweep until it is read from storage', () => {
    const marks = markForHardPrune([image('list', { children: ['orphan-child'] })], []);
    expect([...marks.unresolvedChildren]).toEqual([dg('orphan-child')]);
    const blobs = [{ digest: dg('child-layer'), size: 1, lastModified: new Date(0) }];
    expect(() => sweepBlobs(marks, blobs, { keepYoungerThanMs: 0, now: new Date() })).toThrow(IncompleteMarkingError);
    expect(markManifest(marks, dg('orphan-child'), JSON.stringify({ schemaVersion: 2, layers: [{ digest: dg('child-layer') }] }))).toBeUndefined();
    expect(sweepBlobs(marks, blobs, { keepYoungerThanMs: 0, now: new Date() }).delete).toEqual([]);
  });

  it.each([
    { name: 'missing from storage', text: undefined, warning: /not in storage/ },
    { name: 'not JSON', text: '{', warning: /cannot be parsed/ },
  ])('a child manifest $name stays unresolved with a warning', ({ text, warning }) => {
    const marks = markForHardPrune([image('list', { children: ['c'] })], []);
    expect(markManifest(marks, dg('c'), text)).toMatch(warning);
    expect(marks.unresolvedChildren.has(dg('c'))).toBe(true);
  });

  it('an unparsable manifest is a warning, not a crash', () => {
    const img = image('bad');
    img.dockerImageManifest = 'not json';
    const marks = markForHardPrune([img], []);
    expect(marks.warnings).toHaveLength(1);
    expect(marks.blobs.has(dg('bad'))).toBe(true);
  });

  it('marks survive a JSON round trip for the fan-out', () => {
    const marks = markForHardPrune([image('a', { layers: ['l'] })], [stream('ns', 'app', { latest: ['a'] })]);
    const back = marksFromJSON(JSON.parse(JSON.stringify(marksToJSON(marks))));
    expect(back.blobs).toEqual(marks.blobs);
    expect(back.repositories).toEqual(marks.repositories);
    expect(back.images).toEqual(marks.images);
  });
});
