// The checks a snapshot makes on each item of a dump: one message naming the
// item (index, kind, namespace/name) and the field path, for every field the
// rules read. They run on 100,000s of items, so they are written for speed;
// these cases pin their words.
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/core/errors.js';
import { SnapshotBuilder } from '../../shared/core/snapshot.js';

const T = '2026-10-01T00:00:00Z';
const D = `sha256:${'a'.repeat(64)}`;
const image = (extra: Record<string, unknown>): Record<string, unknown> => ({ kind: 'Image', metadata: { name: D, creationTimestamp: T }, ...extra });
const stream = (tags: unknown): Record<string, unknown> => ({ kind: 'ImageStream', metadata: { name: 'app', namespace: 'ns', creationTimestamp: T }, status: { tags } });
const pod = (spec: unknown): Record<string, unknown> => ({ kind: 'Pod', metadata: { name: 'p', namespace: 'ns', creationTimestamp: T }, spec });

const CASES: Array<[string, unknown, string]> = [
  ['an item that is no object', 'text', 'item 7 (object <no name>): item must be an object'],
  ['an Image with a bad creation time', { kind: 'Image', metadata: { name: D, creationTimestamp: 'soon' } }, `item 7 (Image ${D}): metadata.creationTimestamp is not a timestamp: "soon"`],
  ['a layer that is no object', image({ dockerImageLayers: [{ name: D }, 3] }), `item 7 (Image ${D}): dockerImageLayers[1] must be an object`],
  ['a layer without a name', image({ dockerImageLayers: [{ name: D }, { name: '' }] }), `item 7 (Image ${D}): dockerImageLayers[1].name must be a non-empty string`],
  ['a layer size that is no number', image({ dockerImageLayers: [{ name: D, size: '12' }] }), `item 7 (Image ${D}): dockerImageLayers[0].size must be a number`],
  ['layers that are no list', image({ dockerImageLayers: { name: D } }), `item 7 (Image ${D}): dockerImageLayers must be a list`],
  ['a child that is no object', image({ dockerImageManifests: [null] }), `item 7 (Image ${D}): dockerImageManifests[0] must be an object`],
  ['a child without a digest', image({ dockerImageManifests: [{ digest: D }, { mediaType: 'x' }] }), `item 7 (Image ${D}): dockerImageManifests[1].digest must be a non-empty string`],
  ['a manifest that is no string', image({ dockerImageManifest: { schemaVersion: 2 } }), `item 7 (Image ${D}): dockerImageManifest must be a string`],
  ['metadata that is a list', image({ dockerImageMetadata: [] }), `item 7 (Image ${D}): dockerImageMetadata must be an object`],
  ['a stream without a namespace', { kind: 'ImageStream', metadata: { name: 'app', creationTimestamp: T } }, 'item 7 (ImageStream app): metadata.namespace must be a non-empty string'],
  ['tags that are no list', stream('latest'), 'item 7 (ImageStream ns/app): status.tags must be a list'],
  ['a tag that is no object', stream([{ tag: 'a' }, 'b']), 'item 7 (ImageStream ns/app): status.tags[1] must be an object'],
  ['a tag without a name', stream([{ tag: 'a' }, { items: [] }]), 'item 7 (ImageStream ns/app): status.tags[1].tag must be a non-empty string'],
  ['revisions that are no list', stream([{ tag: 'a', items: {} }]), 'item 7 (ImageStream ns/app): status.tags[0].items must be a list'],
  ['a revision that is no object', stream([{ tag: 'a', items: [{ image: D, created: T }, 1] }]), 'item 7 (ImageStream ns/app): status.tags[0].items[1] must be an object'],
  ['a revision without an image', stream([{ tag: 'a', items: [{ created: T }] }]), 'item 7 (ImageStream ns/app): status.tags[0].items[0].image must be a non-empty string'],
  ['a revision without a time', stream([{ tag: 'a', items: [{ image: D }] }]), 'item 7 (ImageStream ns/app): status.tags[0].items[0].created must be a non-empty string'],
  ['a revision with a bad time', stream([{ tag: 'a' }, { tag: 'b', items: [{ image: D, created: T }, { image: D, created: '2026-13-45' }] }]), 'item 7 (ImageStream ns/app): status.tags[1].items[1].created is not a timestamp: "2026-13-45"'],
  ['a pod spec that is no object', pod([]), 'item 7 (Pod ns/p): spec must be an object'],
  ['containers that are no list', pod({ containers: 'web' }), 'item 7 (Pod ns/p): spec.containers must be a list'],
  ['a container that is no object', pod({ containers: [{ image: 'a' }], initContainers: [false] }), 'item 7 (Pod ns/p): spec.initContainers[0] must be an object'],
  ['an ephemeral container without an image', pod({ ephemeralContainers: [{ image: 'a' }, { name: 'debug' }] }), 'item 7 (Pod ns/p): spec.ephemeralContainers[1].image must be a non-empty string'],
  [
    'a CronJob container without an image',
    { kind: 'CronJob', metadata: { name: 'c', namespace: 'ns' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ image: 7 }] } } } } } },
    'item 7 (CronJob ns/c): spec.jobTemplate.spec.template.spec.containers[0].image must be a non-empty string',
  ],
  [
    'a Deployment container without an image',
    { kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' }, spec: { template: { spec: { initContainers: [{ image: 'a' }, {}] } } } },
    'item 7 (Deployment ns/d): spec.template.spec.initContainers[1].image must be a non-empty string',
  ],
  [
    'a build source that is no string',
    { kind: 'Build', metadata: { name: 'b', namespace: 'ns' }, spec: { strategy: { dockerStrategy: { from: { kind: 'DockerImage', name: 5 } } } } },
    'item 7 (Build ns/b): spec.strategy.dockerStrategy.from.name must be a string',
  ],
];

describe('SnapshotBuilder.add', () => {
  it.each(CASES)('refuses %s with one line naming the item and field', (_, item, message) => {
    const add = (): void => new SnapshotBuilder().add(item, 7);
    expect(add).toThrow(InvalidInputError);
    expect(add).toThrow(message);
    try {
      add();
    } catch (err) {
      expect((err as Error).message).toBe(message);
    }
  });

  it('takes good items of every kind it reads', () => {
    const b = new SnapshotBuilder();
    b.add(image({ dockerImageLayers: [{ name: D, size: 1 }], dockerImageManifests: [{ digest: D }], dockerImageManifest: '{}', dockerImageMetadata: {} }), 0);
    b.add(stream([{ tag: 'a', items: [{ image: D, created: T }] }, { tag: 'b' }]), 1);
    b.add(pod({ containers: [{ image: 'a' }], initContainers: null }), 2);
    b.add({ kind: 'ConfigMap', metadata: { name: 'x' } }, 3);
    const s = b.build();
    expect([s.images.length, s.streams.length, s.pods.length, s.ignoredKinds]).toEqual([1, 1, 1, { ConfigMap: 1 }]);
  });
});
