// Starts the real Debian `docker-registry` (distribution 2.8) on a free loopback
// port, with a config written here. The packaged /etc/docker/registry config is
// never used: it listens on every interface and expects htpasswd auth.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

/** S3 driver parameters, as distribution's `storage.s3` section names them. */
export interface S3StorageConfig {
  bucket: string;
  regionendpoint: string;
  region: string;
  accesskey: string;
  secretkey: string;
  rootdirectory?: string;
  secure?: boolean;
  v4auth?: boolean;
}

export type RegistryStorage = { filesystem: { rootdirectory: string } } | { s3: S3StorageConfig };

export interface StartRegistryOptions {
  /** Where the registry keeps its data; default a fresh temporary directory. */
  storage?: RegistryStorage;
  /** Extra environment for the registry process (REGISTRY_* overrides config keys). */
  env?: Record<string, string>;
  /** `storage.delete.enabled`; default true. False lets tests see the registry's 405. */
  deleteEnabled?: boolean;
  /** Serve https with this PEM certificate and key instead of plain http. */
  tls?: { certificate: string; key: string };
}

export interface RunningRegistry {
  /** `http://127.0.0.1:PORT` (or `https://` with `tls`), no trailing slash. */
  url: string;
  /** The filesystem root, when the storage is a filesystem. */
  rootDirectory?: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const running = new Set<ChildProcess>();

// A test that throws before calling stop() must not leave a registry behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts `docker-registry serve CONFIG` on 127.0.0.1 and resolves once `/v2/`
 * answers 200. Deleting is enabled and there is no auth.
 */
export async function startRegistry(opts: StartRegistryOptions = {}): Promise<RunningRegistry> {
  // Another process may take the port between freePort() and the bind: try again then.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortTakenError)) throw err;
    }
  }
  throw lastError;
}

class PortTakenError extends Error {}

async function startOnce(opts: StartRegistryOptions): Promise<RunningRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'registry-'));
  const ownedDirs = [dir];
  let storage: Record<string, unknown>;
  let rootDirectory: string | undefined;
  if (!opts.storage) {
    rootDirectory = join(dir, 'storage');
    storage = { filesystem: { rootdirectory: rootDirectory } };
  } else if ('filesystem' in opts.storage) {
    rootDirectory = opts.storage.filesystem.rootdirectory;
    storage = { filesystem: { rootdirectory: rootDirectory } };
  } else {
    storage = { s3: { ...opts.storage.s3 } };
  }
  const port = await freePort();
  const scheme = opts.tls ? 'https' : 'http';
  const http: Record<string, unknown> = {
    addr: `127.0.0.1:${port}`,
    secret: randomBytes(16).toString('hex'),
    headers: { 'X-Content-Type-Options': ['nosniff'] },
  };
  if (opts.tls) {
    await writeFile(join(dir, 'tls.crt'), opts.tls.certificate);
    await writeFile(join(dir, 'tls.key'), opts.tls.key, { mode: 0o600 });
    http.tls = { certificate: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
  }
  // JSON is YAML too, and needs no escaping rules of our own.
  const config = {
    version: '0.1',
    log: { level: 'warn', accesslog: { disabled: true }, formatter: 'text' },
    storage: {
      ...storage,
      delete: { enabled: opts.deleteEnabled ?? true },
      // No blob descriptor cache: storage tests delete behind the registry's back.
      maintenance: { uploadpurging: { enabled: false }, readonly: { enabled: false } },
    },
    http,
    health: { storagedriver: { enabled: true, interval: '10s', threshold: 3 } },
  };
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, JSON.stringify(config, null, 2));

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // REGISTRY_* would override our config; a CA bundle breaks the S3 driver's TLS setup.
    if (v === undefined || k.startsWith('REGISTRY_') || k === 'AWS_CA_BUNDLE') continue;
    env[k] = v;
  }
  Object.assign(env, opts.env ?? {});

  const child = spawn(REGISTRY_BINARY, ['serve', configPath], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
    child.once('error', () => {
      running.delete(child);
      resolve(-1);
    });
  });

  const url = `${scheme}://127.0.0.1:${port}`;
  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await Promise.all(ownedDirs.map((d) => rm(d, { recursive: true, force: true })));
  };

  try {
    await waitReady(url, exited, () => stderr, opts.tls !== undefined);
  } catch (err) {
    await cleanup();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return { url, rootDirectory, stop: () => (stopped ??= cleanup()) };
}

async function waitReady(url: string, exited: Promise<number | null>, stderr: () => string, tls: boolean): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      const log = stderr();
      if (/address already in use/.test(log)) throw new PortTakenError(log);
      throw new Error(`docker-registry exited with ${exitCode} before it was ready:\n${log}`);
    }
    if (await answers(url, tls)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not answer ${url}/v2/ within ${READY_TIMEOUT_MS} ms:\n${stderr()}`);
}

async function answers(url: string, tls: boolean): Promise<boolean> {
  try {
    if (tls) {
      // The test's own CA is not known to fetch; a TLS handshake plus any HTTP answer is enough.
      const { request } = await import('node:https');
      return await new Promise<boolean>((resolve) => {
        const req = request(`${url}/v2/`, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('error', () => resolve(false));
        req.on('timeout', () => req.destroy());
        req.end();
      });
    }
    const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * A self-signed certificate for 127.0.0.1 (EC P-256, one day), made with the
 * openssl command line: the PEM serves as its own CA for `--certificate-authority`.
 */
export async function selfSignedCertificate(): Promise<{ certificate: string; key: string }> {
  const { execFile } = await import('node:child_process');
  const { readFile } = await import('node:fs/promises');
  const dir = await mkdtemp(join(tmpdir(), 'tls-'));
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(
        'openssl',
        [
          'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
          '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
          '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
        ],
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    return { certificate: await readFile(join(dir, 'cert.pem'), 'utf8'), key: await readFile(join(dir, 'key.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
