// Human units and per-repository attribution of the report.
import { describe, expect, it } from 'vitest';
import { blobSizesOf, bytesByRepository, formatBytes } from '../../cli/format.js';
import type { Plan } from '../../shared/core/plan-types.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [1024 * 1024 - 1, '1.0 MiB'],
    [1.2 * 1024 ** 3, '1.2 GiB'],
    [5 * 1024 ** 4, '5.0 TiB'],
    [3 * 1024 ** 6, '3072.0 PiB'],
  ])('%d bytes is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('bytesByRepository', () => {
  const plan: Plan = {
    images: [],
    streamUpdates: [],
    manifestLinks: [],
    layerLinks: [
      { repository: 'a/one', digest: 'sha256:big' },
      { repository: 'a/one', digest: 'sha256:kept' },
      { repository: 'b/two', digest: 'sha256:big' },
      { repository: 'b/two', digest: 'sha256:small' },
      { repository: 'c/three', digest: 'sha256:unsized' },
    ],
    blobs: ['sha256:big', 'sha256:small', 'sha256:unsized'],
    bytesReclaimed: 0,
    warnings: [],
  };
  const sizes = blobSizesOf([{ dockerImageLayers: [{ name: 'sha256:big', size: 100 }, { name: 'sha256:small', size: 5 }, { name: 'sha256:kept', size: 1000 }] }]);

  it('counts only deleted blobs, a shared blob in each repository, biggest first', () => {
    expect(bytesByRepository(plan, sizes)).toEqual([
      { repository: 'b/two', blobs: 2, bytes: 105 },
      { repository: 'a/one', blobs: 1, bytes: 100 },
      { repository: 'c/three', blobs: 1, bytes: 0 },
    ]);
  });
});

describe('blobSizesOf', () => {
  it('takes the largest size when images disagree, whatever their order, as bytesReclaimed does', () => {
    const a = { dockerImageLayers: [{ name: 'sha256:l', size: 10 }] };
    const b = { dockerImageLayers: [{ name: 'sha256:l', size: 30 }, { name: 'sha256:unsized' }] };
    expect(blobSizesOf([a, b])).toEqual(new Map([['sha256:l', 30]]));
    expect(blobSizesOf([b, a])).toEqual(new Map([['sha256:l', 30]]));
  });
});
