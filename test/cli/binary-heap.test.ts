// A dump too big for one JavaScript string needs more heap than Node's default,
// and a dump of a few hundred MB plans faster when V8 starts with a larger first
// heap limit: the binary restarts itself once with such settings for such a --snapshot.
import { execFileSync, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE, EXAMPLE_NOW } from './run-cli.js';

function run(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['bin/image-pruner.js', ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, NODE_OPTIONS: '', IMAGE_PRUNER_REPORT_HEAP: '1', ...env },
  });
  const heap = /heap limit (\d+) MiB, initial old space (\d+ MiB|default)/.exec(r.stderr);
  return { code: r.status, stdout: r.stdout, heapMiB: heap ? Number(heap[1]) : undefined, initial: heap?.[2] };
}

describe('bin/image-pruner.js heap for big dumps', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build.js'], { stdio: 'pipe' });
  });

  const args = ['plan', '--snapshot', EXAMPLE, '--now', EXAMPLE_NOW, '--output', 'json'];

  it('keeps the default heap for a dump below the threshold', () => {
    const r = run(args, {});
    expect(r.code).toBe(0);
    expect(r.heapMiB).toBeLessThan(12 * 1024);
  });

  it('restarts with a 12 GiB heap for a dump at or above the threshold, with the same plan and exit status', () => {
    const small = run(args, {});
    const big = run(args, { IMAGE_PRUNER_BIG_DUMP_BYTES: '1' });
    expect(big.code).toBe(0);
    expect(big.heapMiB).toBeGreaterThanOrEqual(12 * 1024);
    expect(big.stdout).toBe(small.stdout);
  });

  it('leaves a heap the user chose alone', () => {
    const r = run(args, { IMAGE_PRUNER_BIG_DUMP_BYTES: '1', IMAGE_PRUNER_LARGE_DUMP_BYTES: '1', NODE_OPTIONS: '--max-old-space-size=3000' });
    expect(r.heapMiB).toBeLessThan(4 * 1024);
    expect(r.initial).toBe('default');
  });

  it('starts V8 with a larger first heap limit for a dump at or above the large threshold, with the same plan', () => {
    const small = run(args, {});
    expect(small.initial).toBe('default');
    const large = run(args, { IMAGE_PRUNER_LARGE_DUMP_BYTES: '1' });
    expect(large.code).toBe(0);
    // Six times this small dump is less than the floor of 64 MiB.
    expect(large.initial).toBe('64 MiB');
    expect(large.heapMiB).toBe(small.heapMiB);
    expect(large.stdout).toBe(small.stdout);
  });

  it('passes the exit status through the restart', () => {
    const r = run(['plan', '--snapshot', EXAMPLE, '--keep-tag-revisions', 'x'], { IMAGE_PRUNER_BIG_DUMP_BYTES: '1' });
    expect(r.code).toBe(2);
  });
});
