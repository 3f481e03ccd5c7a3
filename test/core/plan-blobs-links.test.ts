// The registry side of the plan: blobs to delete (protected by every surviving
// image), bytes reclaimed, manifest links and per-repository layer links.
import { describe, expect, it } from 'vitest';
import { byDigest, digest, image, layer, MEDIA_TYPES, ociManifest, pod, rev, schema1Manifest, schema2Manifest, stream, type ImageOptions, type Item } from '../builders.js';
import { digests, link, links, planOf } from './plan-helpers.js';

describe('blobs of deleted images', () => {
  it('are their layers, config and manifest; bytes are the dockerImageLayers sizes', () => {
    const plan = planOf([image('x', { layers: [layer('l1', 100), layer('l2', 250)], metadataId: digest('cfg') })]);
    expect(plan.images).toEqual(digests('x'));
    expect(plan.blobs).toEqual(digests('l1', 'l2', 'cfg', 'x'));
    expect(plan.bytesReclaimed).toBe(350);
  });

  it('a layer shared by two deleted images is one blob, counted once', () => {
    const plan = planOf([image('x', { layers: [layer('s', 400), layer('l1', 1)] }), image('y', { layers: [layer('s', 400), layer('l2', 2)] })]);
    expect(plan.blobs).toEqual(digests('s', 'l1', 'l2', 'x', 'y'));
    expect(plan.bytesReclaimed).toBe(403);
  });

  it('layers read from the manifest only count 0 bytes (dockerImageLayers gives no size)', () => {
    const plan = planOf([image('x', { manifest: schema2Manifest('cfg', ['m1', 'm2']), mediaType: MEDIA_TYPES.schema2 })]);
    expect(plan.blobs).toEqual(digests('m1', 'm2', 'cfg', 'x'));
    expect(plan.bytesReclaimed).toBe(0);
  });
});

describe('blobs of deleted images, whatever the manifest format', () => {
  const cases: Array<[string, ImageOptions, string[], number]> = [
    ['schema 1: fsLayers, no config', { manifest: schema1Manifest(['l2', 'l1', 'l1']), mediaType: MEDIA_TYPES.schema1 }, ['l1', 'l2'], 0],
    ['schema 2: layers and config', { manifest: schema2Manifest('cfg', ['l1', 'l2']), mediaType: MEDIA_TYPES.schema2 }, ['l1', 'l2', 'cfg'], 0],
    ['OCI: layers and config', { manifest: ociManifest('cfg', ['l1']), mediaType: MEDIA_TYPES.oci }, ['l1', 'cfg'], 0],
    ['dockerImageLayers with sizes, config from the Id', { layers: [layer('l1', 12), layer('l2', 30)], metadataId: digest('cfg') }, ['l1', 'l2', 'cfg'], 42],
    ['a broken manifest: only the manifest digest', { manifest: '{"schemaVersion": 2, "layers": [' }, [], 0],
  ];
  it.each(cases)('%s', (_why, o, blobSeeds, bytes) => {
    const plan = planOf([image('x', o)]);
    expect(plan.images).toEqual(digests('x'));
    expect(plan.blobs).toEqual(digests('x', ...blobSeeds));
    expect(plan.bytesReclaimed).toBe(bytes);
  });

  it('a broken manifest is a warning naming the image, not a failed plan', () => {
    const plan = planOf([image('x', { manifest: 'not json' }), image('k', { managed: null })]);
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toContain(digest('x'));
  });
});

describe('every image that stays protects its blobs', () => {
  // x is deleted; `keeper` shares layer s (size 700) with it and stays for some reason.
  const keepers: Array<[string, Item[]]> = [
    ['a young image', [image('k', { layers: [layer('s', 700)], age: '10m' })]],
    ['an unmanaged image', [image('k', { layers: [layer('s', 700)], managed: null })]],
    ['an image annotated managed=false', [image('k', { layers: [layer('s', 700)], managed: false })]],
    ['an image a running pod uses', [image('k', { layers: [layer('s', 700)] }), pod('ns', 'p', [byDigest('k')])]],
    ['an image of a strong stream revision', [image('k', { layers: [layer('s', 700)] }), stream('ns', 'app', { latest: ['k'] })]],
  ];
  it.each(keepers)('a layer shared with %s is kept', (_why, items) => {
    const plan = planOf([image('x', { layers: [layer('s', 700), layer('own', 5)] }), ...items]);
    expect(plan.images).toEqual(digests('x'));
    expect(plan.blobs).toEqual(digests('own', 'x'));
    expect(plan.bytesReclaimed).toBe(5);
  });

  it('a config blob that is a surviving image\'s layer is kept', () => {
    const plan = planOf([
      image('x', { layers: [layer('l1', 100)], metadataId: digest('c') }),
      image('y', { layers: [layer('c', 300)], managed: null }),
    ]);
    expect(plan.blobs).toEqual(digests('l1', 'x'));
    expect(plan.bytesReclaimed).toBe(100);
  });

  it('a layer that is a surviving image\'s config is kept', () => {
    const plan = planOf([image('x', { layers: [layer('l1', 100), layer('l2', 20)] }), image('y', { layers: ['l3'], metadataId: digest('l1'), managed: null })]);
    expect(plan.blobs).toEqual(digests('l2', 'x'));
    expect(plan.bytesReclaimed).toBe(20);
  });

  it('a config blob that is a deleted image\'s layer is deleted once, sized by that layer', () => {
    const plan = planOf([
      image('x', { layers: [layer('l1', 100)], metadataId: digest('c') }),
      image('y', { layers: [layer('c', 300), layer('l2', 1000)] }),
    ]);
    expect(plan.images).toEqual(digests('x', 'y'));
    expect(plan.blobs).toEqual(digests('l1', 'c', 'l2', 'x', 'y'));
    expect(plan.bytesReclaimed).toBe(1400);
  });
});

describe('manifest links', () => {
  it('are unlinked in every stream whose history loses the digest', () => {
    const plan = planOf(
      [
        image('k1'),
        image('k2'),
        image('x'),
        stream('ns1', 'a', { latest: ['k1', 'x'] }),
        stream('ns2', 'b', { latest: ['k2', 'x'] }),
        stream('ns3', 'c', { latest: ['k1'] }),
      ],
      { keepTagRevisions: 1 },
    );
    expect(plan.images).toEqual(digests('x'));
    expect(plan.manifestLinks).toEqual(links(link('ns1/a', 'x'), link('ns2/b', 'x')));
  });

  it('stay while another tag of the same stream still holds the digest', () => {
    const plan = planOf(
      [image('k'), image('x'), image('y'), stream('ns', 'app', { latest: ['k', 'x'], v1: ['x'], v2: ['y', 'k'] })],
      { keepTagRevisions: 1 },
    );
    // x is strong at v1[0]; k at latest[0]; y at v2[0]: nothing goes.
    expect(plan.images).toEqual([]);
    expect(plan.manifestLinks).toEqual([]);
  });

  it('include the digest of an old revision whose image is absent', () => {
    const plan = planOf([image('k'), stream('ns', 'app', { latest: ['k', rev('ghost', '3h')] })]);
    expect(plan.manifestLinks).toEqual([link('ns/app', 'ghost')]);
    expect(plan.images).toEqual([]);
    expect(plan.blobs).toEqual([]);
  });
});

describe('layer links, per repository', () => {
  // k stays in ns/app; x is deleted; x is also the only image of weak history in other/copy.
  const items = (): Item[] => [
    image('k', { layers: [layer('shared', 10), layer('k1', 20)], metadataId: digest('kc') }),
    image('x', { layers: [layer('shared', 10), layer('x1', 30)], metadataId: digest('xc') }),
    image('z', { layers: [layer('z1', 40)], managed: null }),
    stream('ns', 'app', { latest: ['k', 'x'] }),
    stream('other', 'copy', { latest: ['z', 'x'] }),
  ];

  it('unlink a deleted image\'s layers and config that no image left in that stream uses', () => {
    const plan = planOf(items(), { keepTagRevisions: 1 });
    expect(plan.images).toEqual(digests('x'));
    expect(plan.layerLinks).toEqual(
      links(link('ns/app', 'x1'), link('ns/app', 'xc'), link('other/copy', 'shared'), link('other/copy', 'x1'), link('other/copy', 'xc')),
    );
  });

  it('are unlinked even where the blob itself stays (used by another repository)', () => {
    const plan = planOf(items(), { keepTagRevisions: 1 });
    expect(plan.blobs).toEqual(digests('x1', 'xc', 'x'));
    expect(plan.layerLinks).toContainEqual(link('other/copy', 'shared'));
    expect(plan.bytesReclaimed).toBe(30);
  });

  it('list a blob once per repository when several deleted images of the stream share it', () => {
    const plan = planOf(
      [image('k', { layers: ['k1'] }), image('x', { layers: ['base', 'x1'] }), image('y', { layers: ['base', 'y1'] }), stream('ns', 'app', { latest: ['k', 'x', 'y'], v1: ['k', 'y'] })],
      { keepTagRevisions: 1 },
    );
    expect(plan.images).toEqual(digests('x', 'y'));
    expect(plan.layerLinks).toEqual(links(link('ns/app', 'base'), link('ns/app', 'x1'), link('ns/app', 'y1')));
    expect(plan.manifestLinks).toEqual(links(link('ns/app', 'x'), link('ns/app', 'y')));
    expect(plan.blobs).toEqual(digests('base', 'x1', 'y1', 'x', 'y'));
  });

  it('stay when another tag of the stream keeps an image with the same layer', () => {
    const plan = planOf(
      [
        image('a', { layers: ['base', 'a1'] }),
        image('x', { layers: ['base', 'x1'] }),
        image('b', { layers: ['base', 'x1'] }),
        stream('ns', 'app', { latest: ['a', 'x'], other: ['b'] }),
      ],
      { keepTagRevisions: 1 },
    );
    expect(plan.images).toEqual(digests('x'));
    expect(plan.layerLinks).toEqual([]);
    expect(plan.manifestLinks).toEqual([link('ns/app', 'x')]);
  });

  it('are unlinked for an image that stays for another reason when its revision is removed (as oc does)', () => {
    const plan = planOf([image('k', { layers: ['k1'] }), image('u', { layers: ['u1'], managed: null }), stream('ns', 'app', { latest: ['k', 'u'] })], {
      keepTagRevisions: 1,
    });
    expect(plan.images).toEqual([]);
    expect(plan.blobs).toEqual([]);
    expect(plan.layerLinks).toEqual([link('ns/app', 'u1')]);
    expect(plan.manifestLinks).toEqual([link('ns/app', 'u')]);
  });
});
