// Layer sizes that are no byte count (docs/rules.md, "The plan"): they count 0,
// with a warning naming the image, instead of inflating the bytes reclaimed.
import { describe, expect, it } from 'vitest';
import { layerSizesOf } from '../../shared/core/blobs.js';
import { digest, image, layer, stream } from '../builders.js';
import { planOf } from './plan-helpers.js';

describe('layer sizes', () => {
  it.each([1e30, -1, 1.5, Number.MAX_SAFE_INTEGER + 1, '12'])('a size of %s counts 0, with a warning naming the image', (size) => {
    const img = image('bad', { layers: [{ ...layer('l1'), size: size as number }, layer('l2', 10)] });
    const read = layerSizesOf(img);
    expect([...read.sizes]).toEqual([[digest('l2'), 10]]);
    expect(read.warning).toContain(`Image ${digest('bad')}: dockerImageLayers[0].size`);
    expect(read.warning).toContain('counted as 0');
  });

  it('sizes from 0 to 2^53-1 count, and an absent size is no warning', () => {
    const img = image('ok', { layers: [layer('l1', 0), layer('l2', Number.MAX_SAFE_INTEGER), { ...layer('l3'), size: undefined as unknown as number }] });
    const read = layerSizesOf(img);
    expect(read.sizes.get(digest('l1'))).toBe(0);
    expect(read.sizes.get(digest('l2'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(read.warning).toBeUndefined();
  });

  it('the plan counts a size of 1e30 as 0 and warns about the image', () => {
    const seeds = ['keep1', 'keep2', 'keep3', 'gone'];
    const images = seeds.map((s) => image(s, { layers: [layer(`${s}-l`, 100)] }));
    images[3].dockerImageLayers![0].size = 1e30;
    const plan = planOf([...images, stream('ns', 'app', { latest: seeds })]);
    expect(plan.images).toEqual([digest('gone')]);
    expect(plan.blobs).toContain(digest('gone-l'));
    expect(plan.bytesReclaimed).toBe(0);
    expect(plan.warnings.some((w) => w.startsWith(`Image ${digest('gone')}: dockerImageLayers[0].size 1e+30 is not a byte count`))).toBe(true);
  });
});
