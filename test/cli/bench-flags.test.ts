// `npm run bench -- --help` lists the benchmarks with their flags, and a
// benchmark's flags go through the one parser: the same words, exit status 2.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function bench(...argv: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...argv], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run bench', () => {
  it('--help lists every benchmark with its flags and exits 0', () => {
    const r = bench('--help');
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['plan', 'collect', 's3-delete', 'registry-delete', 'hard-prune', 'local-run']) {
      expect(r.stdout).toMatch(new RegExp(`^${name}: `, 'm'));
      expect(r.stdout).toContain(`npm run bench -- ${name} [flags]`);
    }
    expect(r.stdout).toMatch(/^ {4}--order sorted\|random +the order/m);
    expect(r.stdout).toMatch(/^ {4}--sizes N,N,\.\.\. +cluster sizes .*\(default 10000,100000\)$/m);
  });

  it.each([
    [['s3-delete', '--order=chaos'], 'bench s3-delete: flag --order: "chaos" is not one of sorted, random'],
    [['s3-delete', '--bogus'], 'bench s3-delete: unknown flag --bogus'],
    [['hard-prune', '--blobs', '1'], 'bench hard-prune: flag --blobs: "1" is not a whole number >= 2'],
    [['hard-prune', '--fanout', '1,300'], 'bench hard-prune: flag --fanout: "1,300" is not a comma-separated list of whole numbers from 1 to 256'],
    [['plan', '--keep=maybe'], 'bench plan: flag --keep: "maybe" is not a boolean (true or false)'],
  ])('%j is refused before anything starts, exit 2', (argv, message) => {
    const r = bench(...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${message} (see npm run bench -- --help)\n`);
  });

  it('an unknown benchmark is refused with the list', () => {
    const r = bench('nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^unknown benchmark "nope"\n\nUsage: npm run bench/);
  });
});
