// The repository of an image stream: its registry path, and back.
import { describe, expect, it } from 'vitest';
import { repositoryOf, repositoryOfStream, splitRepository } from '../../shared/core/repository.js';

describe('the repository of a stream', () => {
  it('is namespace/name', () => {
    expect(repositoryOfStream({ metadata: { namespace: 'ns', name: 'app' } })).toBe('ns/app');
    expect(repositoryOf('ns', 'app')).toBe('ns/app');
  });

  it.each([
    ['ns/app', { namespace: 'ns', name: 'app' }],
    ['a/b/c', undefined],
    ['app', undefined],
    ['/app', undefined],
  ])('%s splits to %j', (repository, expected) => {
    expect(splitRepository(repository)).toEqual(expected);
  });
});
