// The one manifest reader that plan, hard-prune marking and fsck share.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OCI_INDEX_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE, SCHEMA1_SIGNED_MEDIA_TYPE, SCHEMA2_MEDIA_TYPE, parseManifest, parseManifestConfig } from '../../shared/core/manifest.js';

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

describe('parseManifestConfig says what parseManifest says of the config', () => {
  const c = dg('c');
  const tricky: Array<[string, string, string | undefined]> = [
    ['the usual schema 2 manifest', JSON.stringify({ schemaVersion: 2, mediaType: SCHEMA2_MEDIA_TYPE, config: { mediaType: 'x', size: 1, digest: c }, layers: [{ digest: dg('1') }] }), c],
    ['a key spelt with an escape', `{"con\\u0066ig": {"dig\\u0065st": "${c}"}}`, c],
    ['a digest spelt with escapes', `{"config": {"digest": "sha256:\\u0063${'c'.repeat(63)}"}}`, c],
    ['the last of two config keys', `{"config": {"digest": "${dg('a')}"}, "config": {"digest": "${c}"}}`, c],
    ['a later config that is no object', `{"config": {"digest": "${c}"}, "config": null}`, undefined],
    ['the last of two digest keys', `{"config": {"digest": "${dg('a')}", "digest": "${c}"}}`, c],
    ['config only inside a layer', JSON.stringify({ layers: [{ digest: dg('1'), config: { digest: c } }] }), undefined],
    ['config only in an annotation value', JSON.stringify({ annotations: { note: '"config": {"digest": "x"}' } }), undefined],
    ['config that is a list', JSON.stringify({ config: [{ digest: c }] }), undefined],
    ['config that is a string', JSON.stringify({ config: c }), undefined],
    ['a digest that is a number', JSON.stringify({ config: { digest: 7 } }), undefined],
    ['an empty digest', JSON.stringify({ config: { digest: '' } }), undefined],
    ['a digest under another name', JSON.stringify({ config: { Digest: c } }), undefined],
    ['whitespace everywhere', `\n\t {\r\n "config" :\n{ "digest"\t: "${c}" } } \n`, c],
  ];
  it.each(tricky)('%s', (_why, text, config) => {
    expect(parseManifest(text).manifest?.config).toBe(config);
    expect(parseManifestConfig(text)).toEqual(config === undefined ? {} : { config });
  });

  it.each([
    ['truncated', `{"config": {"digest": "${c}"}`],
    ['a trailing comma', `{"config": {"digest": "${c}"},}`],
    ['garbage after the object', `{"config": {"digest": "${c}"}} x`],
    ['a list', `[{"config": {"digest": "${c}"}}]`],
    ['a byte order mark', `\ufeff{"config": {"digest": "${c}"}}`],
    ['empty', ''],
  ])('%s: the same error as parseManifest, no config', (_why, text) => {
    const r = parseManifestConfig(text);
    expect(r.error).toBeDefined();
    expect(r).toEqual({ error: parseManifest(text).error });
  });

  it('agrees with parseManifest on any JSON text and on manifests with their parts shuffled', () => {
    const digestArb = fc.constantFrom(dg('a'), dg('b'), '', 'sha256:short');
    const part = fc.oneof(fc.jsonValue(), digestArb, fc.record({ digest: fc.oneof(digestArb, fc.jsonValue()), size: fc.nat() }, { requiredKeys: [] }));
    const manifestish = fc
      .array(fc.tuple(fc.constantFrom('config', 'layers', 'schemaVersion', 'mediaType', 'digest', 'manifests'), part), { maxLength: 6 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`);
    fc.assert(
      fc.property(fc.oneof(fc.json(), manifestish, fc.string()), (text) => {
        const full = parseManifest(text);
        expect(parseManifestConfig(text)).toEqual(full.manifest ? (full.manifest.config === undefined ? {} : { config: full.manifest.config }) : { error: full.error });
      }),
      { numRuns: 2000 },
    );
  });
});
