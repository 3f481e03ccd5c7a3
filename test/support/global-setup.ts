// vitest globalSetup: the tests run against real servers, so the system
// packages that provide them must be there. On a fresh Debian machine run as
// root they are installed; otherwise the run stops at once with the command to
// run. Tests never skip because a server is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** System packages the tests need, with the binary that proves each is installed. */
export const REQUIRED_PACKAGES: ReadonlyArray<{ pkg: string; binary: string }> = [
  { pkg: 'docker-registry', binary: '/usr/bin/docker-registry' },
  { pkg: 'skopeo', binary: '/usr/bin/skopeo' },
  // The HTML report is checked by rendering it (scripts/headless-chromium.ts).
  { pkg: 'chromium', binary: '/usr/bin/chromium' },
];

/** The exact command that installs `packages`. */
export function installCommand(packages: string[]): string {
  return `sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`;
}

export default function setup(): void {
  ensureSystemPackages(REQUIRED_PACKAGES, typeof process.getuid === 'function' && process.getuid() === 0);
}

/**
 * Installs the missing ones of `required` when `isRoot`; otherwise throws with
 * the command that installs them. Exported for its own test.
 */
export function ensureSystemPackages(required: ReadonlyArray<{ pkg: string; binary: string }>, isRoot: boolean): void {
  const missing = required.filter((p) => !existsSync(p.binary)).map((p) => p.pkg);
  if (missing.length === 0) return;
  if (!isRoot) {
    throw new Error(
      `The tests need the system package(s) ${missing.join(', ')}, which are not installed.\n` +
        `Install them, then run the tests again:\n\n  ${installCommand(missing)}\n`,
    );
  }
  process.stderr.write(`installing missing system packages: ${missing.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  const still = required.filter((p) => missing.includes(p.pkg) && !existsSync(p.binary));
  if (still.length > 0) {
    throw new Error(`apt-get did not install ${still.map((p) => p.binary).join(', ')}`);
  }
  // The Debian package starts its own registry on every interface with the packaged config;
  // the tests start their own, so stop it where a service manager did start it.
  try {
    execFileSync('systemctl', ['disable', '--now', 'docker-registry'], { stdio: 'ignore' });
  } catch {
    // No systemd (containers): nothing was started.
  }
}
