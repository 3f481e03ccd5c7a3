// Our loopback S3 server answers the calls s3rver alone gets wrong or lacks,
// the way S3 does: these are what docker-registry's s3 driver relies on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { startS3Server, type S3Server } from '../../support/s3-server.js';
import { s3Client } from './backends.js';

describe('the loopback S3 server', () => {
  let s3: S3Server;
  let client: S3Client;
  const keys = ['a/b/c/d', 'a/b/e', 'a-x', 'a/z', 'a/b/c/f', 'a/ba', 'b'];

  beforeAll(async () => {
    s3 = await startS3Server({ buckets: ['bk'] });
    client = s3Client(s3);
    for (const Key of keys) await client.send(new PutObjectCommand({ Bucket: 'bk', Key, Body: `body of ${Key}` }));
  });
  afterAll(async () => {
    client.destroy();
    await s3.stop();
  });

  it('listens on 127.0.0.1 with the fixed test credentials', () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect([s3.region, s3.accessKeyId, s3.secretAccessKey]).toEqual(['us-east-1', 'S3RVER', 'S3RVER']);
  });

  it('lists keys in byte order across pages with its own continuation tokens', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await client.send(new ListObjectsV2Command({ Bucket: 'bk', MaxKeys: 2, ContinuationToken: token }));
      pages++;
      expect(res.KeyCount).toBe(res.Contents?.length);
      seen.push(...(res.Contents ?? []).map((o) => o.Key!));
      token = res.NextContinuationToken;
    } while (token);
    expect(seen).toEqual([...keys].sort());
    expect(pages).toBe(4);
  });

  it.each([
    ['', [['a-x', 'b'], ['a/']]],
    ['a/', [['a/ba', 'a/z'], ['a/b/']]],
    ['a/b/', [['a/b/e'], ['a/b/c/']]],
  ] as const)('lists prefix %j with a delimiter: nested prefixes and KeyCount included', async (prefix, [contents, prefixes]) => {
    const res = await client.send(new ListObjectsV2Command({ Bucket: 'bk', Prefix: prefix, Delimiter: '/' }));
    expect((res.Contents ?? []).map((o) => o.Key)).toEqual(contents);
    expect((res.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(prefixes);
    expect(res.KeyCount).toBe(contents.length + prefixes.length);
  });

  it('pages version 1 listings with markers, counting a common prefix as one entry', async () => {
    const first = await client.send(new ListObjectsCommand({ Bucket: 'bk', Prefix: 'a/', Delimiter: '/', MaxKeys: 1 }));
    expect(first.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/b/']);
    expect(first.IsTruncated).toBe(true);
    const second = await client.send(new ListObjectsCommand({ Bucket: 'bk', Prefix: 'a/', Delimiter: '/', Marker: first.NextMarker }));
    expect(second.Contents?.map((o) => o.Key)).toEqual(['a/ba', 'a/z']);
    expect(second.CommonPrefixes ?? []).toEqual([]);
  });

  it('refuses a forged continuation token', async () => {
    await expect(client.send(new ListObjectsV2Command({ Bucket: 'bk', ContinuationToken: 'not base64url!' }))).rejects.toThrow(/continuation token/);
  });

  it.each([
    ['an unknown access key', { accessKeyId: 'NOBODY', secretAccessKey: 'S3RVER' }, 'InvalidAccessKeyId'],
    ['the wrong secret', { accessKeyId: 'S3RVER', secretAccessKey: 'wrong' }, 'SignatureDoesNotMatch'],
  ])('refuses %s (signature version 4 is checked)', async (_what, credentials, name) => {
    const stranger = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    await expect(stranger.send(new ListObjectsV2Command({ Bucket: 'bk', Prefix: 'a b/+&=' }))).rejects.toMatchObject({ name });
    await expect(stranger.send(new PutObjectCommand({ Bucket: 'bk', Key: 'x', Body: 'y' }))).rejects.toMatchObject({ name });
    stranger.destroy();
  });

  it('accepts correctly signed requests with awkward keys and query values', async () => {
    const Key = "odd key/with+plus&amp=eq!'()*~";
    await client.send(new PutObjectCommand({ Bucket: 'bk', Key, Body: 'odd' }));
    const res = await client.send(new ListObjectsV2Command({ Bucket: 'bk', Prefix: 'odd key/with+' }));
    expect(res.Contents?.map((o) => o.Key)).toEqual([Key]);
    expect(await (await client.send(new GetObjectCommand({ Bucket: 'bk', Key }))).Body!.transformToString()).toBe('odd');
  });

  it('lists multipart uploads and their parts, copies parts from objects and aborts uploads', async () => {
    const Key = 'up/blob';
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'bk', Key }));
    await client.send(new UploadPartCommand({ Bucket: 'bk', Key, UploadId, PartNumber: 1, Body: 'hello ' }));
    const copied = await client.send(new UploadPartCopyCommand({ Bucket: 'bk', Key, UploadId, PartNumber: 2, CopySource: 'bk/a/b/e', CopySourceRange: 'bytes=0-6' }));
    expect(copied.CopyPartResult?.ETag).toMatch(/^"[0-9a-f]{32}"$/);

    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: 'bk', Prefix: 'up/' }));
    expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([[Key, UploadId]]);
    const parts = await client.send(new ListPartsCommand({ Bucket: 'bk', Key, UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([[1, 6], [2, 7]]);

    await client.send(new CompleteMultipartUploadCommand({
      Bucket: 'bk', Key, UploadId,
      MultipartUpload: { Parts: parts.Parts!.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })) },
    }));
    const body = await (await client.send(new GetObjectCommand({ Bucket: 'bk', Key }))).Body!.transformToString();
    expect(body).toBe('hello body of');

    const other = await client.send(new CreateMultipartUploadCommand({ Bucket: 'bk', Key: 'up/other' }));
    await client.send(new AbortMultipartUploadCommand({ Bucket: 'bk', Key: 'up/other', UploadId: other.UploadId }));
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: 'bk' }))).Uploads ?? []).toEqual([]);
    await expect(client.send(new ListPartsCommand({ Bucket: 'bk', Key: 'up/other', UploadId: other.UploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('logs every request for counting', async () => {
    s3.requests.length = 0;
    await client.send(new ListObjectsV2Command({ Bucket: 'bk', Prefix: 'a/' }));
    expect(s3.requests).toEqual([{ method: 'GET', path: '/bk/', query: expect.objectContaining({ 'list-type': '2', prefix: 'a/' }) }]);
  });
});
