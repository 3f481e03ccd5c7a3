// The real binary, as a user runs it: exit statuses, and stdout kept for the
// plan while every message goes to stderr (so `--output json | jq` works).
// Each spawn loads the whole bundle, so only a few cases run here; the rest
// run in-process (plan-*.test.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE, EXAMPLE_NOW } from './run-cli.js';

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['bin/image-pruner.js', ...args], { input, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bin/image-pruner.js plan', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build.js'], { stdio: 'pipe' });
  });

  it('prints the plan JSON on stdout and nothing on stderr, exit 0', () => {
    const r = run(['plan', '--snapshot', EXAMPLE, '--now', EXAMPLE_NOW, '--output', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).images).toHaveLength(6);
  });

  it('reads stdin with --snapshot - and prints the report', () => {
    const r = run(['plan', '--snapshot', '-', '--now', EXAMPLE_NOW], readFileSync(EXAMPLE, 'utf8'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Prune plan for stdin');
    expect(r.stdout).toMatch(/Images to delete\s+6/);
  });

  it.each([
    { name: 'bad input', args: ['plan', '--snapshot', '-'], input: '{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"p"}}]}', code: 1, says: 'item 0 (Pod p): metadata.namespace' },
    { name: 'a bad flag', args: ['plan', '--snapshot', EXAMPLE, '--output', 'xml'], code: 2, says: '--output' },
  ])('$name: exit $code, one message on stderr, nothing on stdout', ({ args, input, code, says }) => {
    const r = run(args, input);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(says);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    if (code === 1) expect(r.stdout).toBe('');
  });
});
