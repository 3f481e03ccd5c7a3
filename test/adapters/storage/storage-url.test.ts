// --registry-storage locations: what parses, and the error for what does not.
import { describe, expect, it } from 'vitest';
import { StorageUrlError, parseStorageUrl } from '../../../shared/adapters/storage/index.js';

describe('parseStorageUrl', () => {
  it.each([
    ['s3://bucket', { kind: 's3', bucket: 'bucket', root: '' }],
    ['s3://my.bucket-1/registry', { kind: 's3', bucket: 'my.bucket-1', root: 'registry' }],
    ['s3://bucket//a/b/', { kind: 's3', bucket: 'bucket', root: 'a/b' }],
    [
      's3://bucket/root?endpoint=http://127.0.0.1:9000&region=eu-west-1&force-path-style=true',
      { kind: 's3', bucket: 'bucket', root: 'root', endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', forcePathStyle: true },
    ],
    ['file:///var/lib/registry', { kind: 'filesystem', root: '/var/lib/registry' }],
    ['file:///var/lib/registry/', { kind: 'filesystem', root: '/var/lib/registry' }],
    ['file://localhost/srv/my%20registry', { kind: 'filesystem', root: '/srv/my registry' }],
  ])('reads %s', (url, expected) => {
    expect(parseStorageUrl(url)).toEqual(expected);
  });

  it.each([
    ['/var/lib/registry', /--registry-storage "\/var\/lib\/registry" is not a URL: expected s3:\/\/bucket/],
    ['https://bucket/root', /has scheme "https": expected s3:\/\/bucket/],
    ['s3://Bucket_Name/root', /bucket "bucket_name" is not a valid S3 bucket name|bucket "Bucket_Name"/],
    ['s3://b/root', /bucket "b" is not a valid S3 bucket name/],
    ['s3://bucket:9000/root', /a bucket has no port; give the server as \?endpoint=/],
    ['s3://bucket/root?endpoint=ftp://host', /endpoint "ftp:\/\/host" is not an http\(s\)/],
    ['s3://bucket/root?force-path-style=yes', /force-path-style must be true or false, not "yes"/],
    ['s3://bucket/root?secret=x', /unknown option "secret"/],
    ['s3://bucket/a%2F..%2Fb', /the root directory must not contain "\." or "\.\."/],
    ['file://server/share', /names host "server": only local paths/],
    ['file:///x?y=1', /a file URL takes no query/],
  ])('refuses %s with a clear error', (url, message) => {
    expect(() => parseStorageUrl(url)).toThrow(StorageUrlError);
    expect(() => parseStorageUrl(url)).toThrow(message);
  });

  it('never repeats credentials given in the URL', () => {
    const err = (() => {
      try {
        parseStorageUrl('s3://AKIAEXAMPLE:topsecret@bucket/root');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(StorageUrlError);
    expect(err!.message).toMatch(/must not contain credentials/);
    expect(err!.message).not.toMatch(/topsecret|AKIAEXAMPLE/);
  });

  it('names the flag it was given', () => {
    expect(() => parseStorageUrl('nope', '--storage')).toThrow(/^--storage "nope"/);
  });
});
