// LimitRanges in a snapshot (docs/rules.md, "What is read"): what is checked,
// and the one line that names the object and field when a dump is broken.
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/core/errors.js';
import { SnapshotBuilder } from '../../shared/core/snapshot.js';
import { limitRange } from './plan-helpers.js';

function add(item: unknown): SnapshotBuilder {
  const b = new SnapshotBuilder();
  b.add(item, 4);
  return b;
}

describe('the snapshot reads LimitRanges', () => {
  it('keeps them as they are, and no longer counts them as ignored', () => {
    const lr = limitRange('ns', 'images', ['1Gi', ['Container', '2Gi'], ['openshift.io/ImageStream', undefined]]);
    const s = add(lr).build();
    expect(s.limitRanges).toEqual([lr]);
    expect(s.ignoredKinds).toEqual({});
  });

  it('accepts a LimitRange without spec or limits', () => {
    const lr = limitRange('ns', 'empty', []);
    delete lr.spec;
    expect(add(lr).build().limitRanges).toHaveLength(1);
  });

  it('checks the quantity of an openshift.io/Image limit only: other types are none of the rules\' business', () => {
    expect(add(limitRange('ns', 'pvc', [['PersistentVolumeClaim', 'lots']])).build().limitRanges).toHaveLength(1);
  });

  const broken: Array<[string, () => unknown, string]> = [
    ['no namespace', () => ({ ...limitRange('ns', 'lr', []), metadata: { name: 'lr' } }), 'metadata.namespace must be a non-empty string'],
    ['limits that are not a list', () => ({ ...limitRange('ns', 'lr', []), spec: { limits: {} } }), 'spec.limits must be a list'],
    ['a limit that is not an object', () => ({ ...limitRange('ns', 'lr', []), spec: { limits: ['1Gi'] } }), 'spec.limits[0] must be an object'],
    ['a limit without type', () => ({ ...limitRange('ns', 'lr', []), spec: { limits: [{ max: { storage: '1Gi' } }] } }), 'spec.limits[0].type must be a non-empty string'],
    ['max that is not an object', () => ({ ...limitRange('ns', 'lr', []), spec: { limits: [{ type: 'openshift.io/Image', max: '1Gi' }] } }), 'spec.limits[0].max must be an object'],
    ['a storage that is not a string', () => ({ ...limitRange('ns', 'lr', []), spec: { limits: [{ type: 'Container', max: { storage: 1024 } }] } }), 'spec.limits[0].max.storage must be a non-empty string'],
    ['an image limit that is no quantity', () => limitRange('ns', 'lr', ['1Gi', '12 GB']), 'spec.limits[1].max.storage is not a Kubernetes quantity (examples: 100Mi, 1G, 512k): "12 GB"'],
  ];
  it.each(broken)('refuses %s, naming the item and field in one line', (_why, item, says) => {
    let caught: unknown;
    try {
      add(item());
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    const message = (caught as Error).message;
    expect(message).toContain('item 4 (LimitRange ');
    expect(message).toContain(says);
    expect(message).not.toContain('\n');
  });
});
