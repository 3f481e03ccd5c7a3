// The test set-up's promise: a missing system package is installed (as root) or
// named with the exact command to run, never skipped over.
import { describe, expect, it } from 'vitest';
import { ensureSystemPackages, installCommand, REQUIRED_PACKAGES } from '../../support/global-setup.js';

describe('system packages the tests need', () => {
  it('include docker-registry, skopeo and chromium', () => {
    expect(REQUIRED_PACKAGES.map((p) => p.pkg)).toEqual(['docker-registry', 'skopeo', 'chromium']);
  });

  it('pass when every binary is there', () => {
    expect(() => ensureSystemPackages(REQUIRED_PACKAGES, false)).not.toThrow();
  });

  it('stop a non-root run at once with the exact command to run', () => {
    const missing = [{ pkg: 'no-such-package-xyz', binary: '/nonexistent/bin/no-such-binary' }, ...REQUIRED_PACKAGES];
    expect(() => ensureSystemPackages(missing, false)).toThrow(
      `Install them, then run the tests again:\n\n  ${installCommand(['no-such-package-xyz'])}\n`,
    );
    expect(installCommand(['a', 'b'])).toBe('sudo apt-get update && sudo apt-get install -y a b');
  });
});
