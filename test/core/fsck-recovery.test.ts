import { describe, expect, it } from 'vitest';
import { blobsOfImage } from '../../shared/core/blobs.js';
import { blobsToVerify, imageFromManifest, lostFoundTag, recoveryActions, type LostManifestFinding } from '../../shared/core/fsck.js';
import { dg } from '../storage-tools/builders.js';

const lost = (repository: string, word: string, o: Partial<LostManifestFinding> = {}): LostManifestFinding => ({
  kind: 'lost-manifest',
  repository,
  digest: dg(word),
  imageExists: false,
  streamExists: true,
  recoverable: true,
  ...o,
});

describe('fsck recovery actions', () => {
  it('tags a lost manifest as lost-found-<hex> after recreating its Image', () => {
    expect(recoveryActions([lost('ns/app', 'm')])).toEqual([
      { action: 'create-image', digest: dg('m'), repository: 'ns/app' },
      { action: 'tag', namespace: 'ns', name: 'app', tag: `lost-found-${dg('m').slice(7)}`, digest: dg('m') },
    ]);
  });

  it('only tags when the Image still exists', () => {
    expect(recoveryActions([lost('ns/app', 'm', { imageExists: true })]).map((a) => a.action)).toEqual(['tag']);
  });

  it('creates a missing stream once, before anything else', () => {
    const actions = recoveryActions([lost('ns/new', 'm1', { streamExists: false }), lost('ns/new', 'm2', { streamExists: false })]);
    expect(actions.map((a) => a.action)).toEqual(['create-stream', 'create-image', 'create-image', 'tag', 'tag']);
    expect(actions[0]).toEqual({ action: 'create-stream', namespace: 'ns', name: 'new' });
  });

  it('creates an Image found in two repositories once and tags it in both', () => {
    const actions = recoveryActions([lost('ns/a', 'm'), lost('ns/b', 'm')]);
    expect(actions.filter((a) => a.action === 'create-image')).toHaveLength(1);
    expect(actions.filter((a) => a.action === 'tag')).toHaveLength(2);
  });

  it('does nothing for an unrecoverable finding', () => {
    expect(recoveryActions([lost('a/b/c', 'm', { recoverable: false, streamExists: false })])).toEqual([]);
  });

  it('the tag is a valid tag name (at most 128 characters)', () => {
    expect(lostFoundTag(dg('x'))).toMatch(/^[\w][\w.-]{0,127}$/);
  });
});

describe('recreating an Image from a manifest in storage', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('reads a schema 2 manifest: layers with sizes, config, media type', () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { digest: dg('cfg'), size: 3 },
      layers: [{ digest: dg('l1'), size: 100, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' }, { digest: dg('l2'), size: 50 }],
    });
    const img = imageFromManifest({ digest: dg('m'), manifest, dockerImageRepository: 'registry:5000/ns/app', now })!;
    expect(img.metadata.name).toBe(dg('m'));
    expect(img.dockerImageReference).toBe(`registry:5000/ns/app@${dg('m')}`);
    expect(img.dockerImageManifestMediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(img.dockerImageLayers?.map((l) => [l.name, l.size])).toEqual([[dg('l1'), 100], [dg('l2'), 50]]);
    expect(blobsOfImage(img)).toMatchObject({ config: dg('cfg'), layers: [dg('l1'), dg('l2')], manifest: dg('m') });
  });

  it('reads an OCI index: its children', () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ digest: dg('amd'), mediaType: 'application/vnd.oci.image.manifest.v1+json', platform: { architecture: 'amd64', os: 'linux' } }],
    });
    const img = imageFromManifest({ digest: dg('idx'), manifest, dockerImageRepository: 'ns/app', now })!;
    expect(img.dockerImageManifests).toEqual([{ digest: dg('amd'), mediaType: 'application/vnd.oci.image.manifest.v1+json', architecture: 'amd64', os: 'linux' }]);
  });

  it.each([
    { name: 'text that is not JSON', manifest: 'garbage' },
    { name: 'a JSON array', manifest: '[]' },
    { name: 'an object without manifest fields', manifest: '{"hello":1}' },
  ])('refuses $name', ({ manifest }) => {
    expect(imageFromManifest({ digest: dg('m'), manifest, dockerImageRepository: 'ns/app', now })).toBeUndefined();
  });
});

describe('recreating an Image with what the registry records', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { digest: dg('cfg'), size: 3 },
    layers: [{ digest: dg('l1'), size: 100 }, { digest: dg('l2'), size: 50 }],
  });
  const config = JSON.stringify({ architecture: 'arm64', os: 'linux', created: '2025-05-05T00:00:00Z', author: 'me', config: { Env: ['A=1'] }, docker_version: '' });

  it('copies the config blob into dockerImageMetadata: Id, architecture, os, created, config, and Size = layers + config', () => {
    const img = imageFromManifest({ digest: dg('m'), manifest, dockerImageRepository: 'ns/app', now, config })!;
    expect(img.dockerImageMetadata).toEqual({
      kind: 'DockerImage',
      apiVersion: '1.0',
      Id: dg('cfg'),
      Architecture: 'arm64',
      OS: 'linux',
      Created: '2025-05-05T00:00:00Z',
      Author: 'me',
      Config: { Env: ['A=1'] },
      Size: 150 + config.length,
    });
    expect(img.dockerImageMetadataVersion).toBe('1.0');
  });

  it('without a readable config, still records the config digest and the layer sizes', () => {
    const img = imageFromManifest({ digest: dg('m'), manifest, dockerImageRepository: 'ns/app', now, config: 'not json' })!;
    expect(img.dockerImageMetadata).toMatchObject({ Id: dg('cfg'), Size: 150 });
  });

  it('names the blobs to verify before restoring: config, every layer, a list\'s children', () => {
    expect(blobsToVerify(manifest)).toEqual([dg('cfg'), dg('l1'), dg('l2')]);
    expect(blobsToVerify(JSON.stringify({ schemaVersion: 2, manifests: [{ digest: dg('c1') }] }))).toEqual([dg('c1')]);
    expect(blobsToVerify('garbage')).toBeUndefined();
  });
});
