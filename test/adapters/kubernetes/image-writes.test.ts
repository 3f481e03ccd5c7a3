import { afterEach, describe, expect, it } from 'vitest';
import { ClusterRequestError, KubernetesClusterWriter } from '../../../shared/adapters/kubernetes/index.js';
import type { ImageStream, KubeObject } from '../../../shared/core/kube-types.js';
import { digest, image, stream } from '../../builders.js';
import type { Cluster } from './helpers.js';
import { FAST_RETRY, startCluster } from './helpers.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const writer = (c: Cluster) => new KubernetesClusterWriter(c.client, { retry: FAST_RETRY });

describe('deleting Images', () => {
  it('deletes an Image: done, and the server no longer has it', async () => {
    cluster = await startCluster({ objects: [image('a'), image('b')] as unknown as KubeObject[] });
    expect(await writer(cluster).deleteImage(digest('a'))).toBe('done');
    expect(cluster.api.objects('Image').map((i) => i.metadata?.name)).toEqual([digest('b')]);
    expect(cluster.api.requests.filter((r) => r.method === 'DELETE').map((r) => `${r.path} ${r.status}`)).toEqual([`/apis/image.openshift.io/v1/images/${digest('a')} 200`]);
  });

  it('counts a missing Image (404) as already gone', async () => {
    cluster = await startCluster();
    expect(await writer(cluster).deleteImage(digest('a'))).toBe('gone');
  });

  it('retries a dropped connection, then deletes', async () => {
    cluster = await startCluster({ objects: [image('a')] as unknown as KubeObject[] });
    cluster.api.faults.drop({ method: 'DELETE', times: 1 });
    expect(await writer(cluster).deleteImage(digest('a'))).toBe('done');
    expect(cluster.api.objects('Image')).toEqual([]);
  });

  it('throws ClusterRequestError naming the Image when the server keeps failing', async () => {
    cluster = await startCluster({ objects: [image('a')] as unknown as KubeObject[] });
    cluster.api.faults.status(500, { method: 'DELETE' });
    const err = await writer(cluster).deleteImage(digest('a')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterRequestError);
    expect((err as Error).message).toBe(`delete Image ${digest('a')} failed: HTTP 500 InternalError after 4 attempts`);
    expect(cluster.api.objects('Image')).toHaveLength(1);
  });
});

describe('creating what fsck recovery needs', () => {
  it('creates an Image and an ImageStream, and says when they exist already', async () => {
    cluster = await startCluster();
    const w = writer(cluster);
    const img = image('a', { layers: ['l1'] });
    expect(await w.createImage(img)).toBe('created');
    expect(await w.createImage(img)).toBe('exists');
    expect(await w.createImageStream('ns', 'app')).toBe('created');
    expect(await w.createImageStream('ns', 'app')).toBe('exists');
    expect(cluster.api.get('Image', digest('a'))).toMatchObject({ dockerImageLayers: img.dockerImageLayers });
    expect(cluster.api.get('ImageStream', 'app', 'ns')).toMatchObject({ metadata: { namespace: 'ns', name: 'app' } });
  });

  it('tags an Image into a stream with an ImageStreamMapping, creating the Image and the tag', async () => {
    cluster = await startCluster({ objects: [stream('ns', 'app', { latest: ['a'] })] as unknown as KubeObject[] });
    const img = image('lost', { layers: ['l1'] });
    await writer(cluster).createImageStreamMapping('ns', 'app', `lost-found-${digest('lost').slice(7)}`, img);
    const s = cluster.api.get('ImageStream', 'app', 'ns') as unknown as ImageStream;
    const tag = s.status!.tags!.find((t) => t.tag.startsWith('lost-found-'));
    expect(tag?.items?.map((i) => i.image)).toEqual([digest('lost')]);
    expect(s.status!.tags!.find((t) => t.tag === 'latest')?.items).toHaveLength(1);
    expect(cluster.api.get('Image', digest('lost'))).toBeDefined();
    const post = cluster.api.requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/apis/image.openshift.io/v1/namespaces/ns/imagestreammappings');
  });

  it('fails naming the stream when it does not exist', async () => {
    cluster = await startCluster();
    const err = await writer(cluster).createImageStreamMapping('ns', 'nope', 'x', image('a')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterRequestError);
    expect((err as Error).message).toMatch(/ns\/nope:x.*HTTP 404 NotFound/);
  });
});
