// infra/app.ts: the registry storage bucket reaches the prune workflow's blob
// deletion only when the user asks for it.
import { describe, expect, it } from 'vitest';
import { ENV } from '../../shared/workflow/contracts.js';
import { synthApp } from './synth.js';

/** The Lambda functions told to use the registry storage bucket. */
function functionsUsingBucket(context: Record<string, string>): string[] {
  const { template } = synthApp(context);
  const fns = template.findResources('AWS::Lambda::Function') as Record<string, { Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
  return Object.keys(fns).filter((id) => fns[id].Properties.Environment?.Variables?.[ENV.registryStorageBucket] === 'my-registry-bucket');
}

describe('app context', () => {
  it('hands the storage bucket to the prune workflow only with deleteBlobsInStorage=true', () => {
    const storageToolsOnly = functionsUsingBucket({ registryStorageBucket: 'my-registry-bucket' });
    const withBlobDeletion = functionsUsingBucket({ registryStorageBucket: 'my-registry-bucket', deleteBlobsInStorage: 'true' });
    const added = withBlobDeletion.filter((id) => !storageToolsOnly.includes(id));
    // The blob deletes, and the health check that proves (reading, not deleting) the storage answers first.
    expect(added).toHaveLength(2);
    expect(added).toEqual(expect.arrayContaining([expect.stringMatching(/DeleteBlobs/i), expect.stringMatching(/CheckHealth/i)]));
    // Two whole stacks with cdk-nag: about 50 s on a loaded 2-core machine, over the default minute.
  }, 180_000);

  it('lets only the blob deletes delete in the bucket; the health check may only read', () => {
    const { template } = synthApp({ registryStorageBucket: 'my-registry-bucket', deleteBlobsInStorage: 'true' });
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')) as [string, { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }][];
    const deleters = policies
      .filter(([, p]) => p.Properties.PolicyDocument.Statement.some((st) => JSON.stringify(st.Action).includes('s3:DeleteObject') && JSON.stringify(st.Resource).includes('my-registry-bucket') && JSON.stringify(st.Resource).includes('blobs')))
      .map(([id]) => id);
    expect(deleters.filter((id) => /Pruner/.test(id))).toEqual([expect.stringMatching(/deleteblobs/i)]);
    const readers = policies.filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('my-registry-bucket')).map(([id]) => id);
    expect(readers).toEqual(expect.arrayContaining([expect.stringMatching(/checkhealth/i)]));
  });

  it('refuses deleteBlobsInStorage without a bucket', () => {
    expect(() => synthApp({ deleteBlobsInStorage: 'true' })).toThrow(/deleteBlobsInStorage=true needs registryStorageBucket/);
  });
});
