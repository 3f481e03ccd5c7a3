import { describe, expect, it } from 'vitest';
import { childrenWithoutImages, fsckExpectations, linksToPresentBlobs, lostManifests, missingBlobFindings, missingInPrefix, missingLinks, prefixOf } from '../../shared/core/fsck.js';
import { dg, image, stream } from '../storage-tools/builders.js';

const images = [
  image('a1', { layers: ['la', 'lb'], config: 'ca' }),
  image('list', { children: ['child'] }),
  image('child', { layers: ['lc'] }),
  image('external', { layers: ['lx'], managed: false }),
];
const streams = [stream('ns', 'app', { latest: ['a1', 'gone'], multi: ['list'] }), stream('other', 'svc', { v1: ['a1'] })];

describe('fsck: revisions whose Image is missing', () => {
  it('reports the stream, tag, position and digest', () => {
    expect(fsckExpectations(images, streams).missingImages).toEqual([
      { kind: 'missing-image', namespace: 'ns', name: 'app', tag: 'latest', index: 1, image: dg('gone') },
    ]);
  });
  it('looks only at the namespace asked for', () => {
    expect(fsckExpectations(images, streams, { namespace: 'other' }).missingImages).toEqual([]);
  });
});

describe('fsck: images whose blobs are missing from storage', () => {
  const e = fsckExpectations(images, streams);
  const present = (missing: string[]) => [...e.blobs.keys()].filter((d) => !missing.map(dg).includes(d));

  it.each([
    { name: 'a missing layer is reported with its role', missing: ['lb'], image: 'a1', role: 'layer' },
    { name: 'a missing config is reported with its role', missing: ['ca'], image: 'a1', role: 'config' },
    { name: 'a missing manifest blob is reported with its role', missing: ['a1'], image: 'a1', role: 'manifest' },
  ])('$name', ({ missing, image: img, role }) => {
    const found = missingBlobFindings(e, missingInPrefix(e, '', present(missing)));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'missing-blobs', image: dg(img), missing: [{ digest: dg(missing[0]), role }] });
  });

  it('names every tag that points at the broken image', () => {
    const [f] = missingBlobFindings(e, [dg('la')]);
    expect(f.tags).toEqual([
      { namespace: 'ns', name: 'app', tag: 'latest', index: 0 },
      { namespace: 'other', name: 'svc', tag: 'v1', index: 0 },
    ]);
  });

  it('names the tags of the manifest list for a broken child', () => {
    const [f] = missingBlobFindings(e, [dg('lc')]);
    expect(f.image).toBe(dg('child'));
    expect(f.tags).toEqual([{ namespace: 'ns', name: 'app', tag: 'multi', index: 0 }]);
  });

  it('does not check unmanaged images, whose blobs live elsewhere', () => {
    expect(e.blobs.has(dg('lx'))).toBe(false);
  });

  it('checks one prefix at a time: blobs of other prefixes are not reported', () => {
    const digest = dg('la');
    const other = prefixOf(digest) === '00' ? '01' : '00';
    expect(missingInPrefix(e, prefixOf(digest), [])).toContain(digest);
    expect(missingInPrefix(e, other, [])).not.toContain(digest);
  });

  it('reports nothing when storage holds every blob', () => {
    expect(missingBlobFindings(e, missingInPrefix(e, '', present([])))).toEqual([]);
  });

  it('with a namespace, checks only the images its streams reach', () => {
    const scoped = fsckExpectations([...images, image('elsewhere', { layers: ['le'] })], streams, { namespace: 'other' });
    expect(scoped.blobs.has(dg('la'))).toBe(true);
    expect(scoped.blobs.has(dg('le'))).toBe(false);
  });
});

describe('fsck: manifests in storage that no tag reaches', () => {
  const e = fsckExpectations([...images, image('untagged')], streams);
  it.each([
    { name: 'a tagged manifest is not lost', repo: 'ns/app', digest: 'a1', lost: undefined },
    { name: 'a child of a tagged list is not lost', repo: 'ns/app', digest: 'child', lost: undefined },
    { name: 'a manifest tagged only in another stream is lost here', repo: 'ns/app', digest: 'untagged', lost: { imageExists: true, streamExists: true, recoverable: true } },
    { name: 'a manifest whose Image is gone is lost', repo: 'ns/app', digest: 'nothing', lost: { imageExists: false, streamExists: true, recoverable: true } },
    { name: 'a manifest in a repository without stream is lost', repo: 'ns/nostream', digest: 'a1', lost: { imageExists: true, streamExists: false, recoverable: true } },
    { name: 'a repository not named namespace/name cannot be recovered', repo: 'a/b/c', digest: 'a1', lost: { imageExists: true, streamExists: false, recoverable: false } },
  ])('$name', ({ repo, digest, lost }) => {
    const found = lostManifests(e, repo, [dg(digest)]);
    if (lost === undefined) expect(found).toEqual([]);
    else expect(found).toEqual([{ kind: 'lost-manifest', repository: repo, digest: dg(digest), ...lost }]);
  });

  it('skips repositories outside the namespace asked for', () => {
    const scoped = fsckExpectations(images, streams, { namespace: 'other' });
    expect(lostManifests(scoped, 'ns/app', [dg('zzz')])).toEqual([]);
    expect(lostManifests(scoped, 'other/svc', [dg('zzz')])).toHaveLength(1);
  });
});

describe('fsck: links a stream revision needs in its repository', () => {
  const imgs = [image('a1', { layers: ['la', 'lb'], config: 'ca' }), image('list', { children: ['child', 'bare'] }), image('child', { layers: ['lc'] }), image('ext', { layers: ['lx'], managed: false })];
  const bare = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: dg('cb') }, layers: [{ digest: dg('lbare') }] });
  const e = fsckExpectations(imgs, [stream('ns', 'app', { latest: ['a1'], multi: ['list'], other: ['ext'] })], {}, new Map([[dg('bare'), bare]]));
  const all = ['a1', 'la', 'lb', 'ca', 'list', 'child', 'lc', 'bare', 'cb', 'lbare'].map(dg);

  it('reports nothing when every revision and layer link is there', () => {
    expect(missingLinks(e, 'ns/app', all, all)).toEqual([]);
  });

  it('reports a missing revision link and a missing layer link (the config counts as a layer), with the tags', () => {
    const found = missingLinks(e, 'ns/app', all.filter((d) => d !== dg('a1')), all.filter((d) => d !== dg('ca')));
    expect(found).toEqual([
      {
        kind: 'missing-links',
        repository: 'ns/app',
        image: dg('a1'),
        missing: [{ kind: 'layer', digest: dg('ca') }, { kind: 'revision', digest: dg('a1') }],
        tags: [{ namespace: 'ns', name: 'app', tag: 'latest', index: 0 }],
      },
    ]);
  });

  it('counts the links of a list and its children, with or without Image, under the list', () => {
    const found = missingLinks(e, 'ns/app', all.filter((d) => d !== dg('child')), all.filter((d) => d !== dg('lbare')));
    expect(found.map((f) => [f.image, f.missing])).toEqual([[dg('list'), [{ kind: 'layer', digest: dg('lbare') }, { kind: 'revision', digest: dg('child') }]]]);
  });

  it('does not ask links of an unmanaged image (it lives elsewhere) or of a repository without stream', () => {
    expect(missingLinks(e, 'ns/app', all, all).some((f) => f.image === dg('ext'))).toBe(false);
    expect(missingLinks(e, 'ns/none', [], [])).toEqual([]);
  });

  it('leaves links to missing blobs to the broken-image finding', () => {
    const found = missingLinks(e, 'ns/app', all, all.filter((d) => d !== dg('la') && d !== dg('lb')));
    expect(linksToPresentBlobs(found, new Set([dg('la')])).map((f) => f.missing)).toEqual([[{ kind: 'layer', digest: dg('lb') }]]);
    expect(linksToPresentBlobs(found, new Set([dg('la'), dg('lb')]))).toEqual([]);
  });
});

describe('fsck: children of manifest lists that have no Image', () => {
  const imgs = [image('list', { children: ['bare'] })];
  const streams2 = [stream('ns', 'multi', { latest: ['list'] })];

  it('are the children to read from storage', () => {
    expect(childrenWithoutImages(imgs, streams2)).toEqual([dg('bare')]);
    expect(childrenWithoutImages(imgs, streams2, { namespace: 'other' })).toEqual([]);
  });

  it('need their manifest blob even when storage did not give their manifest', () => {
    const e = fsckExpectations(imgs, streams2);
    expect(missingBlobFindings(e, [dg('bare')])).toEqual([
      { kind: 'missing-blobs', image: dg('bare'), missing: [{ digest: dg('bare'), role: 'manifest' }], tags: [{ namespace: 'ns', name: 'multi', tag: 'latest', index: 0 }] },
    ]);
  });

  it('need their config and layers when storage gave their manifest', () => {
    const bare = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: dg('cb') }, layers: [{ digest: dg('lbare') }] });
    const e = fsckExpectations(imgs, streams2, {}, new Map([[dg('bare'), bare]]));
    expect(missingBlobFindings(e, [dg('lbare')])).toMatchObject([{ image: dg('bare'), missing: [{ digest: dg('lbare'), role: 'layer' }] }]);
    expect(missingBlobFindings(e, [dg('cb')])).toMatchObject([{ image: dg('bare'), missing: [{ digest: dg('cb'), role: 'config' }] }]);
  });
});
