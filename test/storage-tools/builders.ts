// Small builders for the storage tools' unit tests: digests, images, streams.
import { createHash } from 'node:crypto';
import type { Image, ImageStream } from '../../shared/core/kube-types.js';

/** A stable sha256 digest named after a word, so tables stay readable. */
export function dg(word: string): string {
  return `sha256:${createHash('sha256').update(word).digest('hex')}`;
}

export const OLD = '2020-01-01T00:00:00Z';

/** An Image named `dg(name)` with layers `dg(layer)` (size 10 each) and an optional config. */
export function image(name: string, o: { layers?: string[]; config?: string; children?: string[]; managed?: boolean } = {}): Image {
  const img: Image = {
    kind: 'Image',
    metadata: { name: dg(name), creationTimestamp: OLD, annotations: o.managed === false ? {} : { 'openshift.io/image.managed': 'true' } },
    dockerImageLayers: (o.layers ?? []).map((l) => ({ name: dg(l), size: 10 })),
  };
  if (o.config) {
    img.dockerImageMetadata = { Id: dg(o.config) };
    img.dockerImageManifestMediaType = 'application/vnd.docker.distribution.manifest.v2+json';
  }
  if (o.children) img.dockerImageManifests = o.children.map((c) => ({ digest: dg(c) }));
  return img;
}

/** A stream `namespace/name` whose tags list image words, newest first. */
export function stream(namespace: string, name: string, tags: Record<string, string[]> = {}): ImageStream {
  return {
    kind: 'ImageStream',
    metadata: { namespace, name, creationTimestamp: OLD },
    status: { tags: Object.entries(tags).map(([tag, items]) => ({ tag, items: items.map((i) => ({ image: dg(i), created: OLD })) })) },
  };
}
