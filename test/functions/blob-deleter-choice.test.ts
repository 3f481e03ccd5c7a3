// Which blob deleter the AWS ports give the "Delete a batch of blobs"
// handler: with registry storage configured, one that takes whole batches (so
// a batch costs one DeleteObjects per 1,000 blobs, see
// test/workflow/blob-batches-on-s3.test.ts); otherwise the registry's API.
import { describe, expect, it } from 'vitest';
import { awsPorts } from '../../functions/aws-ports.js';
import type { RegistryDeleter } from '../../shared/adapters/registry/deleter.js';
import { ENV } from '../../shared/workflow/contracts.js';
import { takesBlobBatches } from '../../shared/workflow/storage-blobs.js';

const secrets = { readSecret: async () => ({ token: 'not-a-real-token' }) };

describe('the blob deleter on AWS', () => {
  it('takes whole batches when the registry storage bucket is set', async () => {
    const deps = awsPorts({ [ENV.registryStorageBucket]: 'registry-bucket', [ENV.registryStorageRoot]: '/registry/' }, secrets);
    expect(takesBlobBatches(await deps.blobs())).toBe(true);
  });

  it('is the registry API, one blob at a time, without registry storage', async () => {
    const deps = awsPorts({ [ENV.registryUrl]: 'http://127.0.0.1:1', [ENV.forceInsecure]: 'true', [ENV.registrySecretArn]: 'arn:aws:secretsmanager:eu-west-1:1:secret:r' }, secrets);
    const deleter = await deps.blobs();
    expect(takesBlobBatches(deleter)).toBe(false);
    await (deleter as RegistryDeleter).close();
  });
});
