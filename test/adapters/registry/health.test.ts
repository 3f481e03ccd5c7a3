// The health check that precedes every delete: oc's probes (/ then /healthz),
// https unless the user allows http, TLS verified unless told otherwise.
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteManifests, RegistryUnreachableError, resolveOrigins } from '../../../shared/adapters/registry/index.js';
import { InvalidInputError } from '../../../shared/errors.js';
import { freePort, selfSignedCertificate, startRegistry, type RunningRegistry } from '../../support/registry.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { pushImage } from '../../support/push.js';
import { deleterFor, manifestStatus, MISSING_DIGEST } from './helpers.js';

let registry: RunningRegistry;
let proxy: FaultProxy;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.url);
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});

describe('a plain http registry', () => {
  it('is healthy through an http:// URL', async () => {
    const deleter = deleterFor(registry.url);
    await expect(deleter.checkHealth()).resolves.toBeUndefined();
    await deleter.close();
  });

  it('is refused through a URL without scheme unless insecure is allowed', async () => {
    const hostPort = new URL(registry.url).host;
    const strict = deleterFor(hostPort);
    await expect(strict.checkHealth()).rejects.toThrow(RegistryUnreachableError);
    await expect(strict.checkHealth()).rejects.toThrow(/https:\/\/127\.0\.0\.1:\d+.*ERR_SSL_WRONG_VERSION_NUMBER.*pass an http:\/\/ URL or --force-insecure/);
    await strict.close();
  });

  it('is used over http through a URL without scheme when insecure is allowed', async () => {
    const image = await pushImage(registry.url, { repository: 'health/insecure' });
    const insecure = deleterFor(new URL(registry.url).host, { insecure: true });
    expect(await insecure.deleteManifest('health/insecure', image.manifestDigest)).toBe('done');
    expect(await manifestStatus(registry.url, 'health/insecure', image.manifestDigest)).toBe(404);
    await insecure.close();
  });
});

describe('an unreachable or unhealthy registry', () => {
  it('fails the check when nothing listens on the port', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const deleter = deleterFor(url);
    await expect(deleter.checkHealth()).rejects.toThrow(/is not reachable or not healthy, nothing was deleted.*ECONNREFUSED/);
    await deleter.close();
  });

  it('deletes nothing when the health probes answer 503', async () => {
    proxy.reset();
    proxy.inject(Array.from({ length: 20 }, () => ({ kind: 'status' as const, status: 503 })), (method) => method === 'GET');
    const deleter = deleterFor(proxy.url);

    const results = await deleteManifests(deleter, [{ repository: 'health/app', digest: MISSING_DIGEST }], { concurrency: 4 });

    expect(results[0]).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^RegistryUnreachableError: .*\/ 503, \/healthz 503, \/v2\/ 503/) });
    expect(proxy.log.filter((r) => r.method === 'DELETE')).toEqual([]);
    await deleter.close();
  });

  it.each([
    ['/ answers 404 but /healthz 200', [{ path: '/', status: 404 }]],
    ['/ and /healthz answer 404 but /v2/ 401', [{ path: '/', status: 404 }, { path: '/healthz', status: 404 }, { path: '/v2/', status: 401 }]],
  ])('passes when %s', async (_what, answers) => {
    proxy.reset();
    for (const a of answers) proxy.inject([{ kind: 'status', status: a.status }], (method, path) => method === 'GET' && path === a.path);
    const deleter = deleterFor(proxy.url);
    await expect(deleter.checkHealth()).resolves.toBeUndefined();
    await deleter.close();
  });
});

describe('an https registry with a private certificate', () => {
  let tlsRegistry: RunningRegistry;
  let cert: { certificate: string; key: string };
  let dir: string;
  beforeAll(async () => {
    cert = await selfSignedCertificate();
    tlsRegistry = await startRegistry({ tls: cert });
    dir = await mkdtemp(join(tmpdir(), 'ca-'));
    await writeFile(join(dir, 'ca.pem'), cert.certificate);
  });
  afterAll(async () => {
    await tlsRegistry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is refused without its CA, with a hint at --certificate-authority', async () => {
    const deleter = deleterFor(tlsRegistry.url);
    await expect(deleter.checkHealth()).rejects.toThrow(/certificate.*--certificate-authority/i);
    await deleter.close();
  });

  it.each([
    ['--certificate-authority file', () => ({ caFile: join(dir, 'ca.pem') })],
    ['CA given as text', () => ({ ca: cert.certificate })],
    ['--force-insecure', () => ({ insecure: true })],
  ])('is used with %s', async (_how, opts) => {
    const deleter = deleterFor(tlsRegistry.url, opts());
    await expect(deleter.checkHealth()).resolves.toBeUndefined();
    expect(await deleter.deleteManifest('tls/app', MISSING_DIGEST)).toBe('gone');
    await deleter.close();
  });
});

describe('--registry-url and client options', () => {
  it.each([
    ['registry.example.com:5000', false, ['https://registry.example.com:5000']],
    ['registry.example.com:5000', true, ['https://registry.example.com:5000', 'http://registry.example.com:5000']],
    ['http://registry.example.com', false, ['http://registry.example.com']],
    ['https://registry.example.com/', true, ['https://registry.example.com']],
  ])('%s (insecure %s) is tried as %j', (url, insecure, origins) => {
    expect(resolveOrigins(url, insecure).origins).toEqual(origins);
  });

  it.each([
    ['ftp://registry.example.com', /scheme must be https or http/],
    ['https://user:secret@registry.example.com', /must not carry a user or password/],
    ['', /--registry-url: is required/],
  ])('refuses %j', (url, message) => {
    expect(() => resolveOrigins(url, false)).toThrow(InvalidInputError);
    expect(() => resolveOrigins(url, false)).toThrow(message);
  });

  it('does not repeat a password given in the URL', () => {
    expect(() => resolveOrigins('https://user:secret@registry.example.com', false)).not.toThrow(/secret/);
  });

  it('names the CA file that cannot be read', () => {
    expect(() => deleterFor(registry.url, { caFile: '/nonexistent/ca.pem' })).toThrow(/--certificate-authority \/nonexistent\/ca\.pem: cannot read the file \(ENOENT\)/);
  });
});
