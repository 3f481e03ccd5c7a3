// The real things the storage tools run against in tests: the docker-registry
// on a filesystem root or on our loopback S3 server, the fake OpenShift API
// server, and the CLI command in-process. Plus what a test does behind the
// registry's back: age files, remove blobs, list every stored file.
import { runCommand as runCommandAsMainDoes } from '../../cli/main.js';
import { mkdtemp, readdir, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { openRegistryStorage, type OpenStorageOptions, type RegistryStorage } from '../../shared/adapters/storage/index.js';
import type { Image, ImageStream, KubeObject } from '../../shared/core/kube-types.js';
import type { CliIO, Command } from '../../cli/io.js';
import { startFakeOpenShift, type FakeOpenShift } from '../support/fake-openshift.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { pushImage, type PushedImage } from '../support/push.js';

export type BackendName = 'filesystem' | 's3';
export const BACKENDS: BackendName[] = ['filesystem', 's3'];

const BUCKET = 'registry';
const S3_ROOT = 'tools/root';

/** A registry on one backend, and the ways a test reaches its storage. */
export interface StorageEnv {
  backend: BackendName;
  registry: RunningRegistry;
  /** `--registry-storage` for the CLI. */
  storageUrl: string;
  /** How the CLI opens it (the S3 server's credentials). */
  storageOptions: OpenStorageOptions;
  /** The adapter, for assertions and set-up. */
  storage: RegistryStorage;
  /** Local directory that holds every stored file (s3rver keeps objects as files too). */
  filesDir: string;
  /** A fresh artifacts folder for the commands' local runs (each test file its own, so run locks do not meet). */
  artifactsDir: string;
  s3?: S3Server;
  /** Sets the modification time of every stored file to `when` (blobs look old to hard prune). */
  ageAll(when: Date): Promise<void>;
  /** Every stored path below the layout, sorted (to prove a dry run changed nothing). */
  listAll(): Promise<string[]>;
  stop(): Promise<void>;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

/** Starts a backend and the real docker-registry on it. */
export async function startStorageEnv(backend: BackendName): Promise<StorageEnv> {
  const artifactsDir = await mkdtemp(path.join(tmpdir(), 'storage-tools-artifacts-'));
  const env = await startBackend(backend);
  return {
    ...env,
    artifactsDir,
    stop: async () => {
      await env.stop();
      await rm(artifactsDir, { recursive: true, force: true });
    },
  };
}

async function startBackend(backend: BackendName): Promise<Omit<StorageEnv, 'artifactsDir'>> {
  if (backend === 'filesystem') {
    const dir = await mkdtemp(path.join(tmpdir(), 'storage-tools-'));
    const root = path.join(dir, 'root');
    const registry = await startRegistry({ storage: { filesystem: { rootdirectory: root } } });
    const storageUrl = `file://${root}`;
    return {
      backend,
      registry,
      storageUrl,
      storageOptions: {},
      storage: openRegistryStorage(storageUrl),
      filesDir: root,
      ageAll: async (when) => {
        for (const f of await walk(root)) await utimes(f, when, when);
      },
      listAll: async () => (await walk(root)).map((f) => path.relative(root, f)).sort(),
      stop: async () => {
        await registry.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const s3 = await startS3Server({ buckets: [BUCKET] });
  const registry = await startRegistry({
    storage: {
      s3: {
        bucket: BUCKET,
        regionendpoint: s3.endpoint,
        region: s3.region,
        accesskey: s3.accessKeyId,
        secretkey: s3.secretAccessKey,
        rootdirectory: `/${S3_ROOT}`,
        secure: false,
        v4auth: true,
      },
    },
  });
  const storageOptions: OpenStorageOptions = {
    s3Config: { region: s3.region, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } },
  };
  const storageUrl = `s3://${BUCKET}/${S3_ROOT}?endpoint=${encodeURIComponent(s3.endpoint)}&force-path-style=true&region=${s3.region}`;
  const bucketDir = path.join(s3.directory, BUCKET);
  const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: storageOptions.s3Config!.credentials! as never });
  return {
    backend,
    registry,
    storageUrl,
    storageOptions,
    storage: openRegistryStorage(storageUrl, { s3Client: client }),
    filesDir: bucketDir,
    s3,
    ageAll: async (when) => {
      // s3rver answers LastModified from the object file's mtime.
      for (const f of await walk(bucketDir)) if (f.endsWith('._S3rver_object')) await utimes(f, when, when);
    },
    listAll: async () =>
      (await walk(bucketDir))
        .filter((f) => f.endsWith('._S3rver_object'))
        .map((f) => path.relative(bucketDir, f))
        .sort(),
    stop: async () => {
      await registry.stop();
      client.destroy();
      await s3.stop();
    },
  };
}

/** The fake API server holding these Images and streams. */
export async function startCluster(images: Image[], streams: ImageStream[]): Promise<FakeOpenShift> {
  return startFakeOpenShift({ objects: [...images, ...streams] as unknown as KubeObject[] });
}

/** A stream whose tags point at pushed images, newest first. */
export function streamOf(namespace: string, name: string, tags: Record<string, Image[]>): ImageStream {
  return {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: { namespace, name, creationTimestamp: '2024-01-01T00:00:00Z' },
    status: {
      tags: Object.entries(tags).map(([tag, imgs]) => ({
        tag,
        items: imgs.map((i) => ({ created: '2024-01-01T00:00:00Z', image: i.metadata.name, dockerImageReference: i.dockerImageReference })),
      })),
    },
  };
}

/** Runs a command in-process as `image-pruner NAME` would (usage errors exit 2); returns its exit status and what it printed. */
export async function runCommand(command: Command, argv: string[], name = 'hard-prune'): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const io: CliIO = { stdin: new PassThrough(), stdout, stderr, env: {} };
  const code = await runCommandAsMainDoes(name, command, argv, io);
  return { code, stdout: out, stderr: err };
}

/** Cluster flags for the fake server. */
export function clusterFlags(api: FakeOpenShift): string[] {
  return ['--kubeconfig', api.kubeconfigPath, '--force-insecure'];
}

/** True when the file exists. */
export async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** The images of {@link damagedCluster}, as pushed. */
export interface DamagedCluster {
  api: FakeOpenShift;
  a1: PushedImage;
  a2: PushedImage;
  untagged: PushedImage;
  b: PushedImage;
  orphan: PushedImage;
}

/**
 * Pushes five images into three repositories, serves them from a fake API
 * server, then does every kind of damage fsck finds: a blob gone from storage
 * (b's second layer), an Image gone (a2), a tag gone (ns/app:old, so `untagged`
 * is lost), and a stream with its Image gone (lost/thing, `orphan`).
 * `seed` keeps layer contents apart between test files.
 */
export async function damagedCluster(env: StorageEnv, seed = ''): Promise<DamagedCluster> {
  const url = env.registry.url;
  const a1 = await pushImage(url, { repository: 'ns/app', tag: 'v1', layers: [{ seed: `${seed}a1` }] });
  const a2 = await pushImage(url, { repository: 'ns/app', tag: 'v2', layers: [{ seed: `${seed}a2` }] });
  const untagged = await pushImage(url, { repository: 'ns/app', tag: 'old', layers: [{ seed: `${seed}old` }] });
  const b = await pushImage(url, { repository: 'other/svc', tag: 'latest', layers: [{ seed: `${seed}b-1` }, { seed: `${seed}b-2` }] });
  const orphan = await pushImage(url, { repository: 'lost/thing', tag: 'latest', layers: [{ seed: `${seed}orphan` }] });
  const api = await startCluster(
    [a1, a2, untagged, b, orphan].map((p) => p.image),
    [
      streamOf('ns', 'app', { v1: [a1.image], v2: [a2.image], old: [untagged.image] }),
      streamOf('other', 'svc', { latest: [b.image] }),
      streamOf('lost', 'thing', { latest: [orphan.image] }),
    ],
  );
  for await (const r of env.storage.deleteBlobs([b.layers[1].digest])) {
    if (r.status !== 'done') throw new Error(`damagedCluster: deleting ${r.item} gave ${r.status}`);
  }
  const removed = [api.remove('Image', a2.manifestDigest)];
  const app = api.get('ImageStream', 'app', 'ns') as unknown as ImageStream;
  app.status!.tags = app.status!.tags!.filter((t) => t.tag !== 'old');
  api.put(app as never);
  removed.push(api.remove('ImageStream', 'thing', 'lost'), api.remove('Image', orphan.manifestDigest));
  if (removed.includes(false)) throw new Error('damagedCluster: an object to remove was not there');
  return { api, a1, a2, untagged, b, orphan };
}

/** A time older than the default keep-younger-than (60m). */
export const TWO_HOURS_AGO = (): Date => new Date(Date.now() - 2 * 3_600_000);

/** Everything an async iterable yields, in order. */
export async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
