// shared/core is the rules and nothing else: no file system, no network, no
// adapter. Everything it needs comes in as arguments, so every rule can be
// tested without a server, and a Lambda or the CLI can feed it the same way.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = join(import.meta.dirname, '../../shared/core');

describe('shared/core', () => {
  const files = readdirSync(CORE).filter((f) => f.endsWith('.ts'));

  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files)('%s imports only from shared/core', (file) => {
    const text = readFileSync(join(CORE, file), 'utf8');
    const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
    expect(specifiers.filter((s) => !s.startsWith('./'))).toEqual([]);
  });
});
