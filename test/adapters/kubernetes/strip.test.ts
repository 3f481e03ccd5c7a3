import { afterEach, describe, expect, it } from 'vitest';
import { blobsOfImage } from '../../../shared/core/blobs.js';
import type { Image, KubeObject } from '../../../shared/core/kube-types.js';
import { kindByName } from '../../../shared/core/kinds.js';
import { digest, image, manifestList, MEDIA_TYPES, ociManifest, schema1Manifest, schema2Manifest, stream } from '../../builders.js';
import type { Cluster } from './helpers.js';
import { startCluster } from './helpers.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** An Image as a real cluster returns it: managed fields, labels, history, a full manifest. */
function heavy(img: Image): KubeObject {
  return {
    ...img,
    metadata: {
      ...img.metadata,
      uid: 'u-1',
      labels: { a: 'b' },
      annotations: { ...img.metadata.annotations, 'openshift.io/image.signature': 'x'.repeat(500) },
      managedFields: [{ manager: 'openshift-apiserver', fieldsV1: { f: 'x'.repeat(2000) } }],
    },
    dockerImageMetadata: { ...img.dockerImageMetadata, Id: img.dockerImageMetadata?.Id ?? 'sha256:abc', Size: 12, ContainerConfig: { Env: ['A=1'] }, Config: { Labels: { x: 'y' } } },
    dockerImageSignatures: [{ content: 'x'.repeat(1000) }],
  } as unknown as KubeObject;
}

async function collectImages(images: KubeObject[]): Promise<KubeObject[]> {
  cluster = await startCluster({ objects: images });
  return (await cluster.collector().listKind(kindByName('Image')!)).items;
}

const config = digest('config');
const layers = [digest('l1'), digest('l2')];

describe('stripping objects to what the rules read', () => {
  it('keeps of an Image only the fields docs/rules.md reads', async () => {
    const img = image('app', { layers: ['l1'], manifest: schema2Manifest('config', ['l1']), metadataId: config });
    const [stripped] = await collectImages([heavy(img)]);
    expect(stripped).toEqual({
      kind: 'Image',
      apiVersion: 'image.openshift.io/v1',
      metadata: { name: img.metadata.name, creationTimestamp: img.metadata.creationTimestamp, annotations: { 'openshift.io/image.managed': 'true' } },
      dockerImageReference: img.dockerImageReference,
      dockerImageManifestMediaType: MEDIA_TYPES.schema2,
      dockerImageLayers: [{ name: layers[0], size: 1000, mediaType: MEDIA_TYPES.schema2Layer }],
      // Layers are listed, so only the config digest of the manifest is kept.
      dockerImageManifest: JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.schema2, config: { digest: config } }),
      dockerImageMetadata: { Id: config, Size: 12 },
    });
  });

  // The blobs the plan computes are the same from the stripped Image as from the original.
  it.each([
    { case: 'schema 2 with layers', img: image('s2', { layers: ['l1', 'l2'], manifest: schema2Manifest('config', ['l1', 'l2']) }) },
    { case: 'schema 2 without dockerImageLayers', img: image('s2e', { manifest: schema2Manifest('config', ['l1', 'l2']) }) },
    { case: 'OCI without dockerImageLayers', img: image('oci', { mediaType: MEDIA_TYPES.oci, manifest: ociManifest('config', ['l1']) }) },
    { case: 'schema 1 without dockerImageLayers', img: image('s1', { mediaType: MEDIA_TYPES.schema1, manifest: schema1Manifest(['l1', 'l2']) }) },
    { case: 'manifest list', img: image('list', { children: ['c1', 'c2'], manifest: manifestList(['c1', 'c2']) }) },
    { case: 'config only in dockerImageMetadata', img: image('meta', { layers: ['l1'], metadataId: config }) },
    { case: 'unparsable manifest', img: image('bad', { manifest: '{not json' }) },
    { case: 'empty manifest', img: image('empty', { layers: ['l1'], manifest: '' }) },
  ])('$case: same blobs after stripping', async ({ img }) => {
    const [stripped] = await collectImages([heavy(img)]);
    expect(blobsOfImage(stripped as unknown as Image)).toEqual(blobsOfImage(img));
    expect(JSON.stringify(stripped).length).toBeLessThan(JSON.stringify(heavy(img)).length);
  });

  it('keeps of an ImageStream its tag history', async () => {
    const s = stream('ns', 'app', { latest: ['a', 'b'], old: ['c'] });
    cluster = await startCluster({ objects: [{ ...s, spec: { tags: [{ name: 'latest', from: { kind: 'DockerImage', name: 'x' } }] } } as unknown as KubeObject] });
    const [stripped] = (await cluster.collector().listKind(kindByName('ImageStream')!)).items;
    expect(stripped).toEqual({
      kind: 'ImageStream',
      apiVersion: 'image.openshift.io/v1',
      metadata: { name: 'app', namespace: 'ns', creationTimestamp: s.metadata.creationTimestamp },
      status: { dockerImageRepository: s.status!.dockerImageRepository, tags: s.status!.tags },
    });
  });

  it("keeps of an ImageStream its public repository (the registry's route a run finds its registry by)", async () => {
    const s = stream('ns', 'app', { latest: ['a'] });
    const route = 'default-route-openshift-image-registry.apps.example.com/ns/app';
    cluster = await startCluster({ objects: [{ ...s, status: { ...s.status, publicDockerImageRepository: route } } as unknown as KubeObject] });
    const [stripped] = (await cluster.collector().listKind(kindByName('ImageStream')!)).items;
    expect((stripped as { status?: Record<string, unknown> }).status?.publicDockerImageRepository).toBe(route);
    expect((stripped as { status?: Record<string, unknown> }).status?.dockerImageRepository).toBe(s.status!.dockerImageRepository);
  });

  it('keeps of a LimitRange its namespace and each limit\'s type and max.storage, through the typed core API', async () => {
    const lr = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { namespace: 'team-a', name: 'limits', creationTimestamp: '2026-01-02T03:04:05Z', labels: { a: 'b' }, managedFields: [{ manager: 'kubectl' }] },
      spec: {
        limits: [
          { type: 'openshift.io/Image', max: { storage: '1Gi' } },
          { type: 'openshift.io/ImageStream', max: { 'openshift.io/image-tags': '20', 'openshift.io/images': '30' } },
          { type: 'Container', max: { cpu: '2', memory: '1Gi' }, default: { cpu: '500m' }, defaultRequest: { cpu: '100m' } },
        ],
      },
    } as unknown as KubeObject;
    cluster = await startCluster({ objects: [lr] });
    const [stripped] = (await cluster.collector().listKind(kindByName('LimitRange')!)).items;
    expect(stripped).toEqual({
      kind: 'LimitRange',
      apiVersion: 'v1',
      metadata: { name: 'limits', namespace: 'team-a', creationTimestamp: '2026-01-02T03:04:05Z' },
      spec: { limits: [{ type: 'openshift.io/Image', max: { storage: '1Gi' } }, { type: 'openshift.io/ImageStream' }, { type: 'Container' }] },
    });
    expect(cluster.api.requests.some((r) => r.path === '/api/v1/limitranges')).toBe(true);
  });
});

describe('sharing repeated strings', () => {
  it('pools repeated layer digests and media types: one entry per distinct string', async () => {
    const { StringPool, stripObject } = await import('../../../shared/adapters/kubernetes/index.js');
    const pool = new StringPool();
    // Separate parses, as separate pages give: equal strings, distinct copies.
    const a = stripObject(kindByName('Image')!, JSON.parse(JSON.stringify(image('a', { layers: ['base', 'a-only'] }))), pool) as unknown as Image;
    const b = stripObject(kindByName('Image')!, JSON.parse(JSON.stringify(image('b', { layers: ['base'] }))), pool) as unknown as Image;
    expect(a.dockerImageLayers![0].name).toBe(digest('base'));
    expect(b.dockerImageLayers![0].name).toBe(a.dockerImageLayers![0].name);
    // base, a-only, the layer media type, the manifest media type.
    expect(pool.size).toBe(4);
  });
});
