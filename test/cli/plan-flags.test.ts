// Flags of `image-pruner plan`: wrong ones give one line naming the flag and
// exit status 2, before any input is read.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePlanFlags } from '../../cli/commands/plan.js';
import { UsageError } from '../../cli/flags.js';
import { planOptionsOf, resolveRunOptions } from '../../shared/workflow/schemas/prune.js';
import { runCli } from './run-cli.js';

describe('plan flags', () => {
  it.each([
    { argv: ['--snapshot', 'x.json', '--bogus'], names: '--bogus', says: 'unknown flag' },
    { argv: ['--snapshot'], names: '--snapshot', says: 'needs a value' },
    { argv: ['--snapshot='], names: '--snapshot', says: 'give a file' },
    { argv: ['--snapshot', 'x.json', 'extra'], names: 'extra', says: 'unexpected argument' },
    { argv: ['--snapshot', 'x.json', '--keep-tag-revisions', 'three'], names: '--keep-tag-revisions', says: '"three"' },
    { argv: ['--snapshot', 'x.json', '--keep-tag-revisions=-1'], names: '--keep-tag-revisions', says: 'not a whole number' },
    { argv: ['--snapshot', 'x.json', '--keep-tag-revisions', '-1'], names: '--keep-tag-revisions', says: '--keep-tag-revisions=VALUE' },
    { argv: ['--snapshot', 'x.json', '--keep-tag-revisions', '1.5'], names: '--keep-tag-revisions', says: 'not a whole number' },
    { argv: ['--snapshot', 'x.json', '--keep-younger-than', '60 minutes'], names: '--keep-younger-than', says: 'not a duration' },
    { argv: ['--snapshot', 'x.json', '--now', 'yesterday'], names: '--now', says: 'ISO-8601' },
    { argv: ['--snapshot', 'x.json', '--now', '2026-11-01'], names: '--now', says: 'ISO-8601' },
    { argv: ['--snapshot', 'x.json', '--now', '2026-13-01T00:00:00Z'], names: '--now', says: 'ISO-8601' },
    { argv: ['--snapshot', 'x.json', '--output', 'yaml'], names: '--output', says: 'table, json' },
    { argv: ['--snapshot', 'x.json', '--now', '2026-02-30T00:00:00Z'], names: '--now', says: 'ISO-8601' },
    { argv: ['--snapshot', 'x.json', '--all=yes'], names: '--all', says: 'is not a boolean (true or false)' },
    { argv: ['--snapshot', 'x.json', '--all', 'true'], names: '--all=true', says: 'unexpected argument "true"' },
    { argv: ['--snapshot', 'x.json', '-o', 'yaml'], names: '--output', says: 'table, json' },
  ])('$argv is refused naming $names', async ({ argv, names, says }) => {
    const r = await runCli(['plan', ...argv]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(names);
    expect(r.stderr).toContain(says);
  });

  it('--help prints every flag and exits 0', async () => {
    const r = await runCli(['plan', '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const flag of ['--snapshot', '--keep-tag-revisions', '--keep-younger-than', '--now', '--all', '--ignore-invalid-refs', '--output']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('the top-level help lists the plan command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}plan /m);
  });

  it('defaults follow oc adm prune images: 3 revisions, 60m, managed only, stop on invalid references, table', () => {
    const clock = new Date('2026-05-05T05:05:05Z');
    expect(parsePlanFlags(['--snapshot', 'f.json'], () => clock)).toEqual({
      snapshot: 'f.json',
      options: { keepTagRevisions: 3, keepYoungerThanMs: 3_600_000, now: clock, all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: false, pruneRegistry: true },
      keepYoungerThan: '60m',
      output: 'table',
      out: '-',
    });
  });

  it('every flag reaches the plan options', () => {
    const f = parsePlanFlags([
      '--snapshot=-',
      '--keep-tag-revisions', '0',
      '--keep-younger-than', '1h30m',
      '--now', '2026-11-01T02:00:00+02:00',
      '--all',
      '--ignore-invalid-refs',
      '--output', 'json',
      '--prune-registry=false',
      '-n', 'team-a',
      '--out', '-',
    ]);
    expect(f).toEqual({
      snapshot: '-',
      options: { keepTagRevisions: 0, keepYoungerThanMs: 5_400_000, now: new Date('2026-11-01T00:00:00Z'), all: true, ignoreInvalidRefs: true, pruneOverSizeLimit: false, namespace: 'team-a', pruneRegistry: false },
      keepYoungerThan: '1h30m',
      output: 'json',
      out: '-',
    });
  });

  // plan resolves its flags without the schemas (no zod at start-up): every
  // value a flag lets through must be one the execution input's schema takes,
  // and give the same options.
  it('takes from its flags exactly the options the execution input schema would give', () => {
    const token = fc.oneof(
      fc.constantFrom('--all', '--all=false', '--ignore-invalid-refs', '--prune-over-size-limit', '--prune-over-size-limit=false', '--prune-registry=false', '--prune-registry'),
      fc.constantFrom('0', '1', '3', '17', '-1', '1.5', 'x').map((n) => `--keep-tag-revisions=${n}`),
      fc.constantFrom('0s', '60m', '1h30m', '2d', '90', 'soon').map((d) => `--keep-younger-than=${d}`),
      fc.constantFrom('team-a', 'a', 'Team', '-a', 'a'.repeat(64), '').map((n) => `--namespace=${n}`),
      fc.constantFrom('1', '10', '10000', '10001', '0').map((n) => `--num-workers=${n}`),
      fc.constantFrom('2026-11-01T02:00:00+02:00', '2026-11-01T00:00:00.5Z', '2026-11-01').map((t) => `--now=${t}`),
    );
    const clock = new Date('2026-05-05T05:05:05Z');
    let compared = 0;
    fc.assert(
      fc.property(fc.array(token, { maxLength: 6 }), (flags) => {
        let options;
        try {
          options = parsePlanFlags(['--snapshot', 'f.json', ...flags], () => clock)!.options;
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          return;
        }
        const last = (name: string): string | undefined => flags.filter((f) => f.startsWith(`--${name}`)).pop();
        const value = (name: string): string | undefined => last(name)?.split('=')[1];
        const bool = (name: string): boolean | undefined => (last(name) === undefined ? undefined : value(name) !== 'false');
        const input = Object.fromEntries(
          Object.entries({
            all: bool('all') ?? false,
            ignoreInvalidRefs: bool('ignore-invalid-refs') ?? false,
            pruneOverSizeLimit: bool('prune-over-size-limit'),
            pruneRegistry: bool('prune-registry'),
            keepTagRevisions: value('keep-tag-revisions') === undefined ? undefined : Number(value('keep-tag-revisions')),
            keepYoungerThan: value('keep-younger-than'),
            namespace: value('namespace'),
            numWorkers: value('num-workers') === undefined ? undefined : Number(value('num-workers')),
            now: value('now'),
          }).filter(([, v]) => v !== undefined),
        );
        expect(options).toEqual(planOptionsOf(resolveRunOptions(input, {}, clock.toISOString())));
        compared++;
      }),
      { numRuns: 300 },
    );
    // Most draws are valid: the comparison, not the refusals, is what ran.
    expect(compared).toBeGreaterThan(100);
  });

  it.each([
    { out: '/nonexistent-dir/plan.html', says: '--out /nonexistent-dir/plan.html: the directory /nonexistent-dir does not exist' },
    { out: '.', says: '--out .: is a directory (give a file name)' },
  ])('--out $out is refused in one line before the snapshot is read', async ({ out, says }) => {
    // The snapshot does not exist either: the output path is checked first.
    const r = await runCli(['plan', '--snapshot', 'missing.json', '--output', 'html', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`image-pruner plan: ${says}\n`);
  });
});
