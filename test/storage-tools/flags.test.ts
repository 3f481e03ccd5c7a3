// The flags of hard-prune and fsck: what is refused (exit 2, one line naming
// the flag) before any storage or cluster is touched.
import { describe, expect, it } from 'vitest';
import { makeFsckCommand } from '../../cli/commands/fsck.js';
import { makeHardPruneCommand } from '../../cli/commands/hard-prune.js';
import { main } from '../../cli/main.js';
import { runCommand } from './env.js';

const STORAGE = ['--registry-storage', 'file:///nonexistent/registry'];

describe('hard-prune flags', () => {
  it.each([
    { name: 'needs --registry-storage', argv: ['--snapshot', 'x.json'], message: /--registry-storage URL is required/ },
    { name: 'refuses --confirm without --registry-read-only-confirmed', argv: [...STORAGE, '--confirm'], message: /--confirm needs --registry-read-only-confirmed.*read-only/ },
    { name: 'refuses a bad --keep-younger-than', argv: [...STORAGE, '--keep-younger-than', 'soon'], message: /--keep-younger-than: "soon" is not a duration/ },
    { name: 'refuses --concurrency 0', argv: [...STORAGE, '--concurrency', '0'], message: /--concurrency: "0"/ },
    { name: 'refuses --concurrency above 256', argv: [...STORAGE, '--concurrency', '257'], message: /--concurrency: "257"/ },
    { name: 'refuses --snapshot with cluster flags', argv: [...STORAGE, '--snapshot', 'x.json', '--kubeconfig', 'k'], message: /^image-pruner hard-prune: flag --snapshot cannot be combined with cluster flags/ },
    { name: 'refuses an unknown flag', argv: [...STORAGE, '--force'], message: /^image-pruner hard-prune: unknown flag --force \(see image-pruner hard-prune --help\)\n$/ },
    { name: 'refuses an unknown output', argv: [...STORAGE, '--output', 'yaml'], message: /--output: "yaml"/ },
  ])('$name', async ({ argv, message }) => {
    const r = await runCommand(makeHardPruneCommand(), argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('--help says the registry must be read-only', async () => {
    const r = await runCommand(makeHardPruneCommand(), ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/must be read-only/);
    expect(r.stdout).toMatch(/--kubeconfig/);
  });
});

describe('fsck flags', () => {
  it.each([
    { name: 'needs --registry-storage', argv: ['--namespace', 'ns'], message: /--registry-storage URL is required/ },
    { name: 'refuses --recover from a snapshot', argv: [...STORAGE, '--recover', '--snapshot', 'x.json'], message: /--recover writes through the cluster API/ },
    { name: 'refuses a namespace that is no namespace name', argv: [...STORAGE, '--namespace', 'Not_A_NS'], message: /--namespace: "Not_A_NS"/ },
  ])('$name', async ({ argv, message }) => {
    const r = await runCommand(makeFsckCommand(), argv, 'fsck');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('through main', () => {
  it.each([['hard-prune'], ['fsck']])('%s names a bad storage URL and exits 2 (a usage error)', async (command) => {
    const chunks: string[] = [];
    const { PassThrough } = await import('node:stream');
    const stderr = new PassThrough();
    stderr.on('data', (c: Buffer) => chunks.push(c.toString()));
    const code = await main([command, '--registry-storage', 'ftp://host/x', '--snapshot', '/dev/null'], {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr,
      env: {},
    });
    expect(code).toBe(2);
    expect(chunks.join('')).toBe(`image-pruner ${command}: flag --registry-storage: "ftp://host/x" is not an s3:// or file:// URL (see image-pruner ${command} --help)\n`);
  });
});
