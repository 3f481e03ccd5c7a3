// The blobs of an image (docs/rules.md, "Words"): layers, config, manifest digest.
import { describe, expect, it } from 'vitest';
import { blobsOfImage } from '../../shared/core/blobs.js';
import {
  digest,
  image,
  layer,
  manifestList,
  MEDIA_TYPES,
  ociManifest,
  schema1Manifest,
  schema2Manifest,
  type ImageOptions,
} from '../builders.js';

const d = (...seeds: string[]): string[] => seeds.map(digest);
const sorted = (xs: string[]): string[] => [...xs].sort();

describe('blobsOfImage finds layers, config and manifest', () => {
  const cases: Array<{ why: string; image: ImageOptions; layers: string[]; config?: string }> = [
    {
      why: 'dockerImageLayers are the layers',
      image: { layers: ['l1', 'l2'], mediaType: MEDIA_TYPES.schema2 },
      layers: d('l1', 'l2'),
    },
    {
      why: 'dockerImageLayers win over the manifest layers',
      image: { layers: ['l1'], manifest: schema2Manifest('cfg', ['other']) },
      layers: d('l1'),
      config: digest('cfg'),
    },
    {
      why: 'schema 1 fsLayers when dockerImageLayers is empty',
      image: { manifest: schema1Manifest(['l3', 'l2', 'l1']), mediaType: MEDIA_TYPES.schema1Signed },
      layers: d('l1', 'l2', 'l3'),
    },
    {
      why: 'schema 1 repeats the empty layer; it is one blob',
      image: { manifest: schema1Manifest(['l2', 'empty', 'l1', 'empty']), mediaType: MEDIA_TYPES.schema1 },
      layers: d('empty', 'l1', 'l2'),
    },
    {
      why: 'schema 1 has no config even with a digest in dockerImageMetadata.Id',
      image: { manifest: schema1Manifest(['l1']), mediaType: MEDIA_TYPES.schema1, metadataId: digest('v1id') },
      layers: d('l1'),
    },
    {
      why: 'schema 2 layers and config.digest',
      image: { manifest: schema2Manifest('cfg', ['l1', 'l2']), mediaType: MEDIA_TYPES.schema2 },
      layers: d('l1', 'l2'),
      config: digest('cfg'),
    },
    {
      why: 'OCI layers and config.digest',
      image: { manifest: ociManifest('cfg', ['l1', 'l2']), mediaType: MEDIA_TYPES.oci },
      layers: d('l1', 'l2'),
      config: digest('cfg'),
    },
    {
      why: 'config.digest wins over dockerImageMetadata.Id',
      image: { manifest: schema2Manifest('cfg', ['l1']), mediaType: MEDIA_TYPES.schema2, metadataId: digest('id') },
      layers: d('l1'),
      config: digest('cfg'),
    },
    {
      why: 'schema 2 without a manifest: config from dockerImageMetadata.Id',
      image: { layers: ['l1'], mediaType: MEDIA_TYPES.schema2, metadataId: digest('id') },
      layers: d('l1'),
      config: digest('id'),
    },
    {
      why: 'OCI without a manifest: config from dockerImageMetadata.Id',
      image: { layers: ['l1'], mediaType: MEDIA_TYPES.oci, metadataId: digest('id') },
      layers: d('l1'),
      config: digest('id'),
    },
    {
      why: 'dockerImageMetadata.Id that is not a digest is no config',
      image: { layers: ['l1'], mediaType: MEDIA_TYPES.schema2, metadataId: 'ab'.repeat(32) },
      layers: d('l1'),
    },
    {
      why: 'dockerImageMetadata.Id of a schema 1 image is no config',
      image: { layers: ['l1'], mediaType: MEDIA_TYPES.schema1, metadataId: digest('id') },
      layers: d('l1'),
    },
    {
      why: 'an empty manifest string is no manifest (and no warning)',
      image: { layers: ['l1'], manifest: '', mediaType: MEDIA_TYPES.schema2 },
      layers: d('l1'),
    },
    {
      why: 'a Docker manifest list has no layers and no config of its own',
      image: { manifest: manifestList(['c1', 'c2']), mediaType: MEDIA_TYPES.list, children: ['c1', 'c2'] },
      layers: [],
    },
    {
      why: 'an OCI index has no layers and no config of its own',
      image: { manifest: manifestList(['c1'], 'ociIndex'), mediaType: MEDIA_TYPES.ociIndex, children: ['c1'] },
      layers: [],
    },
    {
      why: 'a layer listed twice in dockerImageLayers is one blob',
      image: { layers: ['l1', 'l2', 'l1'], mediaType: MEDIA_TYPES.schema2 },
      layers: d('l1', 'l2'),
    },
    {
      why: 'with dockerImageLayers, the config of a manifest whose keys are spelt with escapes and given twice (the last counts)',
      image: { layers: ['l1'], manifest: `{"config": {"digest": "${digest('first')}"}, "con\\u0066ig": {"dig\\u0065st": "${digest('cfg')}"}, "layers": []}`, mediaType: MEDIA_TYPES.schema2 },
      layers: d('l1'),
      config: digest('cfg'),
    },
    {
      why: 'with dockerImageLayers, a config key only inside a layer of the manifest is no config; the Id is',
      image: { layers: ['l1'], manifest: JSON.stringify({ schemaVersion: 2, layers: [{ digest: digest('l1'), config: { digest: digest('no') } }] }), mediaType: MEDIA_TYPES.schema2, metadataId: digest('id') },
      layers: d('l1'),
      config: digest('id'),
    },
    {
      why: 'an image without layers or manifest has only its manifest digest',
      image: {},
      layers: [],
    },
  ];
  it.each(cases)('$why', ({ image: o, layers, config }) => {
    const img = image('img', o);
    const blobs = blobsOfImage(img);
    expect(sorted(blobs.layers)).toEqual(sorted(layers));
    expect(new Set(blobs.layers).size).toBe(blobs.layers.length);
    expect(blobs.config).toBe(config);
    expect(blobs.manifest).toBe(digest('img'));
    expect(blobs.warning).toBeUndefined();
  });
});

describe('blobsOfImage warns about a manifest it cannot parse, never throws', () => {
  const broken: Array<[string, string]> = [
    ['truncated JSON', '{"schemaVersion": 2, "layers": ['],
    ['not JSON at all', 'this is not a manifest'],
    ['JSON that is not an object', '[1, 2, 3]'],
    ['a JSON null', 'null'],
  ];
  it.each(broken)('%s, no dockerImageLayers: no layers and a warning naming the image', (_why, text) => {
    const img = image('img', { manifest: text, mediaType: MEDIA_TYPES.schema2 });
    const blobs = blobsOfImage(img);
    expect(blobs.layers).toEqual([]);
    expect(blobs.config).toBeUndefined();
    expect(blobs.manifest).toBe(digest('img'));
    expect(blobs.warning).toContain(digest('img'));
  });

  it('a broken manifest still leaves dockerImageLayers and the Id config', () => {
    const img = image('img', { manifest: '{', layers: [layer('l1')], mediaType: MEDIA_TYPES.schema2, metadataId: digest('id') });
    const blobs = blobsOfImage(img);
    expect(blobs.layers).toEqual(d('l1'));
    expect(blobs.config).toBe(digest('id'));
    expect(blobs.warning).toContain(digest('img'));
  });

  it('a manifest with layers of the wrong shape gives no garbage digests', () => {
    const text = JSON.stringify({ schemaVersion: 2, layers: [{ digest: 42 }, null, { digest: digest('ok') }], config: 'nope' });
    const blobs = blobsOfImage(image('img', { manifest: text }));
    expect(blobs.layers).toEqual(d('ok'));
    expect(blobs.config).toBeUndefined();
  });
});
