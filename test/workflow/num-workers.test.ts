// --num-workers / numWorkers: how many delete batches run at once, read by each
// deletion Map (MaxConcurrencyPath) from the run's options. Run locally on the
// state machine the construct synthesizes, one item per batch, so the deletes
// in flight are the batches in flight.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeLocal, type LocalWorkflow } from '../../cli/local-run/engine.js';
import { FolderRunLock } from '../../cli/local-run/run-lock.js';
import { runLocally } from '../../cli/local-run/runner.js';
import { SnapshotClusterReader } from '../../cli/local-run/snapshot-reader.js';
import { ImagePruner } from '../../infra/image-pruner.js';
import { LocalFolderArtifacts } from '../../shared/adapters/artifacts/local-folder.js';
import type { ItemStatus } from '../../shared/core/ports.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import type { KubeObject } from '../../shared/core/kube-types.js';

const NOW = '2026-11-01T00:00:00Z';
const IMAGES = 24;
const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/** One stream of IMAGES old managed revisions, each with a layer of its own: with keepTagRevisions 0 all go. */
function cluster(): KubeObject[] {
  const images = Array.from({ length: IMAGES }, (_, i) => ({
    apiVersion: 'image.openshift.io/v1',
    kind: 'Image',
    metadata: { name: digest(`image ${i}`), creationTimestamp: '2026-01-01T00:00:00Z', annotations: { 'openshift.io/image.managed': 'true' } },
    dockerImageReference: `registry.local/team/app@${digest(`image ${i}`)}`,
    dockerImageLayers: [{ name: digest(`layer ${i}`), size: 1000 + i, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' }],
  }));
  const stream = {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: { namespace: 'team', name: 'app', creationTimestamp: '2026-01-01T00:00:00Z' },
    status: { tags: [{ tag: 'latest', items: images.map((im) => ({ created: '2026-01-01T00:00:00Z', dockerImageReference: im.dockerImageReference, image: im.metadata.name })) }] },
  };
  return [...images, stream] as KubeObject[];
}

/** Counts the deletes of each kind in flight; each takes a few milliseconds so that batches overlap. */
class CountingDeleters {
  private readonly now = new Map<string, number>();
  readonly most = new Map<string, number>();
  readonly total = new Map<string, number>();
  private async count(kind: string): Promise<ItemStatus> {
    const n = (this.now.get(kind) ?? 0) + 1;
    this.now.set(kind, n);
    this.most.set(kind, Math.max(this.most.get(kind) ?? 0, n));
    this.total.set(kind, (this.total.get(kind) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, 15));
    this.now.set(kind, this.now.get(kind)! - 1);
    return 'done';
  }
  checkHealth = async () => undefined;
  checkBlobDelete = async () => undefined;
  deleteLayerLink = () => this.count('layerLinks');
  deleteManifest = () => this.count('manifests');
  deleteBlob = () => this.count('blobs');
  updateImageStream = () => this.count('streamUpdates');
  deleteImage = () => this.count('images');
}

describe('numWorkers', () => {
  let dir: string;
  let workflow: LocalWorkflow;
  const snapshot = snapshotFromList({ kind: 'List', items: cluster() });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pruner-workers-'));
    workflow = synthesizeLocal((stack) => {
      const pruner = new ImagePruner(stack, 'Pruner', { registryUrl: 'https://registry.local', clusterSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'C', 'local'), batchSize: 1 });
      return { prune: { machine: pruner.stateMachine, taskStates: pruner.taskStates } };
    }).prune;
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(input: Record<string, unknown>, name: string): Promise<CountingDeleters> {
    const d = new CountingDeleters();
    const artifacts = join(dir, name);
    const result = await runLocally({
      input: { confirm: true, now: NOW, keepTagRevisions: 0, ...input },
      ports: { artifacts: new LocalFolderArtifacts(artifacts), cluster: new SnapshotClusterReader(snapshot), lock: new FolderRunLock(artifacts, { leaseSeconds: 3600 }), registry: d, blobs: d, clusterWriter: d, settings: { registryUrl: 'http://registry.test' } },
      workflow,
      executionName: name,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    return d;
  }

  it.each([1, 3])('%i: at most that many delete batches of each kind at once, and that many reached', async (workers) => {
    const d = await run({ numWorkers: workers }, `w${workers}`);
    // Enough items that the limit, not the work, decides.
    expect(d.total.get('layerLinks')).toBe(IMAGES);
    expect(d.total.get('blobs')).toBe(2 * IMAGES);
    expect(d.most.get('layerLinks')).toBe(workers);
    expect(d.most.get('blobs')).toBe(workers);
  });

  it('defaults to 10', async () => {
    const d = await run({}, 'default');
    expect(d.total.get('layerLinks')).toBe(IMAGES);
    expect(d.most.get('layerLinks')).toBe(10);
  });
});
