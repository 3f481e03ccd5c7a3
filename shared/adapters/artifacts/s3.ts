// Run artifacts in an S3 bucket: what the Lambda functions use.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ArtifactsError } from '../../workflow/contracts.js';
import type { ArtifactStore } from './artifact-store.js';
import { checkKey } from './artifact-store.js';

/** Keeps artifacts as objects in one bucket, optionally under a prefix. */
export class S3Artifacts implements ArtifactStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly prefix = '',
  ) {}

  locate(key: string): string {
    return `s3://${this.bucket}/${this.prefix}${checkKey(key)}`;
  }

  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + checkKey(key), Body: body, ContentType: contentType }));
    } catch (err) {
      throw new ArtifactsError(key, `cannot write ${this.locate(key)}: ${errorName(err)}`, { cause: err });
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + checkKey(key) }));
      if (!res.Body) throw new Error('empty body');
      return Buffer.from(await res.Body.transformToByteArray());
    } catch (err) {
      const name = errorName(err);
      throw new ArtifactsError(key, name === 'NoSuchKey' ? `does not exist (${this.locate(key)})` : `cannot read ${this.locate(key)}: ${name}`, { cause: err });
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }));
        for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key.slice(this.prefix.length));
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw new ArtifactsError(prefix, `cannot list s3://${this.bucket}/${this.prefix}${prefix}: ${errorName(err)}`, { cause: err });
    }
    return keys.sort();
  }
}

// Only the SDK's error name goes into messages: never response bodies or headers.
function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'error';
}
