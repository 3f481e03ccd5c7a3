// A second, independent client: images pushed by our helper are ones skopeo
// reads and copies, and after our deleter runs skopeo sees the deleted
// manifest gone and the kept one intact.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryDeleter } from '../../../shared/adapters/registry/index.js';
import { startRegistry, type RunningRegistry } from '../../support/registry.js';
import { pullCheck, pushImage } from '../../support/push.js';
import { deleterFor } from './helpers.js';

const run = promisify(execFile);
let registry: RunningRegistry;
let host: string;
let deleter: RegistryDeleter;

beforeAll(async () => {
  registry = await startRegistry();
  host = new URL(registry.url).host;
  deleter = deleterFor(registry.url);
});
afterAll(async () => {
  await deleter?.close();
  await registry?.stop();
});

async function skopeoInspect(ref: string): Promise<{ ok: boolean; digest?: string }> {
  try {
    const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', '--no-tags', `docker://${host}/${ref}`]);
    return { ok: true, digest: (JSON.parse(stdout) as { Digest: string }).Digest };
  } catch {
    return { ok: false };
  }
}

describe('with skopeo as the other client', () => {
  it('sees a copy it made deleted by our deleter while the source still pulls', async () => {
    const source = await pushImage(registry.url, { repository: 'skopeo/source', tag: 'v1', layers: [{ seed: 'sk1' }, { seed: 'sk2' }] });
    await run('skopeo', [
      'copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--preserve-digests',
      `docker://${host}/skopeo/source:v1`, `docker://${host}/skopeo/copy:v1`,
    ]);
    expect(await skopeoInspect(`skopeo/copy@${source.manifestDigest}`)).toEqual({ ok: true, digest: source.manifestDigest });

    expect(await deleter.deleteManifest('skopeo/copy', source.manifestDigest)).toBe('done');

    expect((await skopeoInspect(`skopeo/copy@${source.manifestDigest}`)).ok).toBe(false);
    expect(await skopeoInspect(`skopeo/source:v1`)).toEqual({ ok: true, digest: source.manifestDigest });
    expect((await pullCheck(registry.url, 'skopeo/source', source.manifestDigest)).ok).toBe(true);
  });
});
