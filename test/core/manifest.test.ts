// The one manifest reader that plan, hard-prune marking and fsck share.
import { describe, expect, it } from 'vitest';
import { OCI_INDEX_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE, SCHEMA1_SIGNED_MEDIA_TYPE, SCHEMA2_MEDIA_TYPE, parseManifest } from '../../shared/core/manifest.js';

const dg = (c: string) => `sha256:${c.repeat(64).slice(0, 64)}`;

describe('parseManifest', () => {
  it('reads a schema 2 manifest: media type, config, layers in order with duplicates', () => {
    const text = JSON.stringify({
      schemaVersion: 2,
      mediaType: SCHEMA2_MEDIA_TYPE,
      config: { digest: dg('c') },
      layers: [{ digest: dg('1'), size: 5, mediaType: 'x' }, { digest: dg('2') }, { digest: dg('1') }, { size: 3 }, 'junk'],
    });
    expect(parseManifest(text)).toEqual({
      manifest: {
        schemaVersion: 2,
        mediaType: SCHEMA2_MEDIA_TYPE,
        config: dg('c'),
        layers: [{ digest: dg('1'), size: 5, mediaType: 'x' }, { digest: dg('2') }, { digest: dg('1') }],
        children: [],
      },
    });
  });

  it('reads schema 1 layers from fsLayers, and only there', () => {
    const m = parseManifest(JSON.stringify({ schemaVersion: 1, fsLayers: [{ blobSum: dg('a') }, { blobSum: dg('b') }], layers: [{ digest: dg('x') }] })).manifest;
    expect(m?.mediaType).toBe(SCHEMA1_SIGNED_MEDIA_TYPE);
    expect(m?.layers.map((l) => l.digest)).toEqual([dg('a'), dg('b')]);
  });

  it('reads the children of an index, with their platform', () => {
    const m = parseManifest(JSON.stringify({ schemaVersion: 2, manifests: [{ digest: dg('a'), platform: { architecture: 'arm64', os: 'linux' } }, { digest: '' }] })).manifest;
    expect(m?.mediaType).toBe(OCI_INDEX_MEDIA_TYPE);
    expect(m?.children).toEqual([{ digest: dg('a'), architecture: 'arm64', os: 'linux' }]);
  });

  it.each([
    [{ schemaVersion: 2, layers: [] }, OCI_MANIFEST_MEDIA_TYPE],
    [{ hello: 1 }, undefined],
  ])('implies the media type of %j: %s', (o, mediaType) => {
    expect(parseManifest(JSON.stringify(o)).manifest?.mediaType).toBe(mediaType);
  });

  it.each([
    ['{', /JSON/],
    ['[]', /^not a JSON object$/],
    ['"text"', /^not a JSON object$/],
  ])('%j is not a manifest, and says why', (text, error) => {
    const r = parseManifest(text);
    expect(r.manifest).toBeUndefined();
    expect(r.error).toMatch(error);
  });
});
