// Every command reads its flags with the one parser (cli/flags.ts): the same
// mistake gets the same line and exit status 2 everywhere, `--flag=false` is
// the flag left out, `--flag=true` is the flag given, and `--help=true` is help.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE, EXAMPLE_NOW, runCli, tempDir } from './run-cli.js';

const COMMANDS = ['plan', 'collect', 'run', 'start', 'history', 'hard-prune', 'fsck'] as const;

const tmp = tempDir();
afterAll(() => tmp.cleanup());
// An empty registry root: the storage tools refuse a path without the layout ("not a registry root").
mkdirSync(join(tmp.dir, 'docker/registry/v2/blobs'), { recursive: true });
const STORAGE = `file://${tmp.dir}`;
const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:P';

/** Refuses `argv` with exit status 2 and exactly one line: `image-pruner CMD: MESSAGE (see image-pruner CMD --help)`. */
async function expectUsage(command: string, argv: string[], message: string): Promise<void> {
  const r = await runCli([command, ...argv]);
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
    code: 2,
    stdout: '',
    stderr: `image-pruner ${command}: ${message} (see image-pruner ${command} --help)\n`,
  });
}

describe.each(COMMANDS)('image-pruner %s', (command) => {
  it('refuses --bogus in the same words', () => expectUsage(command, ['--bogus'], 'unknown flag --bogus'));

  it('refuses --bogus=1 and -x in the same words', async () => {
    await expectUsage(command, ['--bogus=1'], 'unknown flag --bogus');
    await expectUsage(command, ['-x'], 'unknown flag -x');
  });

  it('refuses a stray argument in the same words', () => expectUsage(command, ['extra'], 'unexpected argument "extra" (every input is given with a flag)'));

  it.each([['--help'], ['-h'], ['--help=true'], ['--help=1']])('%s prints the help on stdout and exits 0', async (flag) => {
    const r = await runCli([command, flag]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^Usage: image-pruner ${command} `));
    expect(r.stdout).toMatch(/^ {2}-h, --help +show this help$/m);
  });

  it('--help=false is no help, and --help=maybe is a bad boolean', async () => {
    const r = await runCli([command, '--help=false', '--bogus']);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    await expectUsage(command, ['--help=maybe'], 'flag --help: "maybe" is not a boolean (true or false)');
  });
});

describe('the same mistake, the same line, in every command that has the flag', () => {
  it.each([
    ['run', '--confirm'],
    ['start', '--confirm'],
    ['hard-prune', '--confirm'],
    ['start', '--wait'],
    ['plan', '--all'],
    ['run', '--all'],
    ['start', '--all'],
    ['plan', '--ignore-invalid-refs'],
    ['fsck', '--recover'],
    ['collect', '--in-cluster'],
    ['plan', '--insecure-skip-tls-verify'],
  ])('%s %s=maybe', (command, flag) => expectUsage(command, [`${flag}=maybe`], `flag ${flag}: "maybe" is not a boolean (true or false)`));

  it.each([['plan'], ['run'], ['hard-prune'], ['fsck']])('%s --snapshot with no value', (command) => expectUsage(command, ['--snapshot'], 'flag --snapshot needs a value'));

  // The same words; the list names each command's own outputs (plan also writes html).
  it.each([
    ['plan', ['--snapshot', EXAMPLE], 'table, json, html'],
    ['hard-prune', ['--registry-storage', STORAGE, '--snapshot', EXAMPLE], 'table, json'],
    ['fsck', ['--registry-storage', STORAGE, '--snapshot', EXAMPLE], 'table, json'],
  ])('%s -o xml and --output=xml', async (command, base, choices) => {
    await expectUsage(command, [...base, '-o', 'xml'], `flag --output: "xml" is not one of ${choices}`);
    await expectUsage(command, [...base, '--output=xml'], `flag --output: "xml" is not one of ${choices}`);
  });

  it.each([['plan'], ['run'], ['start']])('%s --keep-tag-revisions x', (command) =>
    expectUsage(command, ['--keep-tag-revisions', 'x'], 'flag --keep-tag-revisions: "x" is not a whole number >= 0'),
  );

  it.each([['plan'], ['run'], ['start'], ['hard-prune']])('%s --keep-younger-than soon', (command) =>
    expectUsage(command, ['--keep-younger-than', 'soon'], 'flag --keep-younger-than: "soon" is not a duration (examples: 60m, 1h30m, 90s, 2d)'),
  );

  it.each([['plan'], ['run']])('%s --now 2026-02-30T00:00:00Z (which Date.parse would roll over to March 2nd)', (command) =>
    expectUsage(command, ['--now', '2026-02-30T00:00:00Z'], 'flag --now: "2026-02-30T00:00:00Z" is not an ISO-8601 instant (example: 2026-11-01T00:00:00Z)'),
  );

  it.each([['run'], ['hard-prune'], ['fsck']])('%s --registry-storage ftp://host/x', (command) =>
    expectUsage(command, ['--registry-storage', 'ftp://host/x'], 'flag --registry-storage: "ftp://host/x" is not an s3:// or file:// URL'),
  );

  it.each([['run'], ['hard-prune'], ['fsck']])('%s --registry-storage with a bad bucket name (the storage URL parser says why)', async (command) => {
    const r = await runCli([command, '--registry-storage', 's3://A_B/root']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^image-pruner ${command}: flag --registry-storage "s3://A_B/root": bucket "A_B" is not a valid S3 bucket name`));
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it.each([['plan'], ['collect'], ['run'], ['hard-prune'], ['fsck']])('%s --server ftp://api:6443', (command) =>
    expectUsage(command, ['--server', 'ftp://api:6443'], 'flag --server: "ftp://api:6443" is not an https:// or http:// URL'),
  );

  it('run --registry-url ftp://registry', () => expectUsage('run', ['--registry-url', 'ftp://registry'], 'flag --registry-url: "ftp://registry" is not an https:// or http:// URL'));

  it.each([
    ['plan', []],
    ['run', []],
    ['hard-prune', ['--registry-storage', STORAGE]],
    ['fsck', ['--registry-storage', STORAGE]],
  ])('%s --snapshot with cluster flags', (command, base) =>
    expectUsage(command, [...base, '--snapshot', EXAMPLE, '--kubeconfig', '/x'], 'flag --snapshot cannot be combined with cluster flags (--kubeconfig, --server, ...)'),
  );

  it.each([['start'], ['history']])('%s with a bad --state-machine', (command) =>
    expectUsage(command, ['--state-machine', 'arn:x'], 'flag --state-machine: "arn:x" is not a state machine ARN'),
  );

  it.each([
    ['collect', ['--page-size', '0'], 'flag --page-size: "0" is not a whole number >= 1'],
    ['history', ['--state-machine', ARN, '--limit', '0'], 'flag --limit: "0" is not a whole number from 1 to 9999'],
    ['hard-prune', ['--registry-storage', STORAGE, '--concurrency', '257'], 'flag --concurrency: "257" is not a whole number from 1 to 256'],
    ['fsck', ['--registry-storage', STORAGE, '--concurrency', '0'], 'flag --concurrency: "0" is not a whole number from 1 to 256'],
  ])('%s %j', (command, argv, message) => expectUsage(command, argv, message));
});

describe('--flag=true is the flag, --flag=false is the flag left out', () => {
  const plan = (...more: string[]) => runCli(['plan', '--snapshot', EXAMPLE, '--now', EXAMPLE_NOW, '-o', 'json', ...more]);

  it('plan --all=true plans as --all; --all=false as no --all', async () => {
    const [all, allTrue, none, allFalse] = await Promise.all([plan('--all'), plan('--all=true'), plan(), plan('--all=false')]);
    for (const r of [all, allTrue, none, allFalse]) expect(r.code, r.stderr).toBe(0);
    expect(allTrue.stdout).toBe(all.stdout);
    expect(allFalse.stdout).toBe(none.stdout);
    // Else the comparison above proves nothing: the example has images that only --all prunes.
    expect(all.stdout).not.toBe(none.stdout);
  });

  it('-o json is --output json', async () => {
    const [short, long] = await Promise.all([plan(), runCli(['plan', '--snapshot', EXAMPLE, '--now', EXAMPLE_NOW, '--output=json'])]);
    expect(short.stdout).toBe(long.stdout);
    expect(() => JSON.parse(short.stdout)).not.toThrow();
  });

  it('run --snapshot --confirm=false is a dry run; --confirm=true is refused as --confirm is', async () => {
    const dry = await runCli(['run', '--snapshot', EXAMPLE, '--now', EXAMPLE_NOW, '--artifacts', tmp.dir, '--confirm=false', '--all=true']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/succeeded \(dry-run\)/);
    const refused = 'flag --snapshot: a dump can only be planned, not pruned; leave out --confirm';
    await expectUsage('run', ['--snapshot', EXAMPLE, '--confirm=true'], refused);
    await expectUsage('run', ['--snapshot', EXAMPLE, '--confirm'], refused);
  });

  it('hard-prune --confirm=false is a dry run; --confirm=true still needs --registry-read-only-confirmed', async () => {
    const base = ['hard-prune', '--registry-storage', STORAGE, '--snapshot', EXAMPLE];
    const dry = await runCli([...base, '--confirm=false']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/dry run: nothing is changed/);
    expect(dry.stdout).toBe((await runCli(base)).stdout);
    for (const confirm of ['--confirm', '--confirm=true', '--confirm=1']) {
      const r = await runCli([...base, confirm, '--registry-read-only-confirmed=false']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^image-pruner hard-prune: flag --confirm needs --registry-read-only-confirmed: the registry must be read-only/);
    }
  });

  it('fsck --recover=false reads a snapshot as no --recover does; --recover=true is refused as --recover is', async () => {
    const base = ['--registry-storage', STORAGE, '--snapshot', EXAMPLE, '-o', 'json'];
    // One after the other: each run holds the artifacts folder's run lock.
    const off = await runCli(['fsck', ...base, '--recover=false']);
    const none = await runCli(['fsck', ...base]);
    expect(off.code).toBe(none.code);
    expect(off.stdout).toBe(none.stdout);
    expect(JSON.parse(off.stdout)).toMatchObject({ recover: false });
    await expectUsage('fsck', [...base, '--recover=true'], 'flag --recover writes through the cluster API: give cluster flags, not --snapshot');
  });

  it('a cluster boolean set to false is no cluster flag: plan --in-cluster=false --snapshot plans the dump', async () => {
    const r = await plan('--in-cluster=false', '--insecure-skip-tls-verify=false');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe((await plan()).stdout);
  });

  it('start --confirm=false --wait=false --all=true gets as far as the state machine', () =>
    expectUsage('start', ['--confirm=false', '--wait=false', '--all=true'], 'no state machine: pass --state-machine ARN or set IMAGE_PRUNER_STATE_MACHINE_ARN'),
  );
});
