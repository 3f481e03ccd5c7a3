// The prune options oc has besides the keep options (--prune-over-size-limit,
// --namespace/-n, --prune-registry, --num-workers) in plan, run and start, and
// --token: the local commands take it, start refuses it. Each reaches the
// execution input (start: what AWS receives), or is one usage line, exit 2.
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlanFlags } from '../../cli/commands/plan.js';
import { parseRunFlags } from '../../cli/commands/run.js';
import { connectionOptionsFromFlags } from '../../cli/cluster-flags.js';
import { makeFsckCommand } from '../../cli/commands/fsck.js';
import { makeHardPruneCommand } from '../../cli/commands/hard-prune.js';
import { runCommand } from '../../cli/main.js';
import { startFakeOpenShift } from '../support/fake-openshift.js';
import { EXAMPLE, EXAMPLE_NOW, runCli, tempDir } from './run-cli.js';

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:P';
// oc's message, word for word.
const OVER_SIZE = '--prune-over-size-limit cannot be specified with --keep-tag-revisions nor --keep-younger-than';
const NOT_A_NAMESPACE = 'is not a namespace name (a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit)';

/** What every command needs besides the flag under test, so the flag is what decides. */
const BASE: Record<'plan' | 'run' | 'start', string[]> = {
  plan: ['--snapshot', EXAMPLE, '--now', EXAMPLE_NOW],
  run: ['--snapshot', EXAMPLE, '--now', EXAMPLE_NOW],
  start: ['--state-machine', ARN],
};

async function expectUsage(command: string, argv: string[], message: string): Promise<string> {
  const r = await runCli([command, ...BASE[command as keyof typeof BASE], ...argv]);
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: '', stderr: `image-pruner ${command}: ${message} (see image-pruner ${command} --help)\n` });
  return r.stderr;
}

describe.each(['plan', 'run', 'start'] as const)('image-pruner %s', (command) => {
  it.each([
    [['--prune-over-size-limit', '--keep-tag-revisions', '3']],
    [['--keep-younger-than', '60m', '--prune-over-size-limit']],
    [['--prune-over-size-limit=true', '--keep-tag-revisions=0', '--keep-younger-than=1h']],
  ])('refuses over-size mode with an explicit keep flag %j, as oc (even one equal to the default)', async (argv) => {
    await expectUsage(command, argv, OVER_SIZE);
  });

  it.each([
    [['--namespace', 'Team'], `flag --namespace: "Team" ${NOT_A_NAMESPACE}`],
    [['-n', 'team_a'], `flag --namespace: "team_a" ${NOT_A_NAMESPACE}`],
    [['-n='], `flag --namespace: "" ${NOT_A_NAMESPACE}`],
    [['-n', `a${'b'.repeat(63)}`], `flag --namespace: "a${'b'.repeat(63)}" ${NOT_A_NAMESPACE}`],
    [['-n'], 'flag --namespace needs a value'],
    [['--num-workers', '0'], 'flag --num-workers: "0" is not a whole number from 1 to 10000'],
    [['--num-workers', '10001'], 'flag --num-workers: "10001" is not a whole number from 1 to 10000'],
    [['--num-workers', 'five'], 'flag --num-workers: "five" is not a whole number from 1 to 10000'],
    [['--prune-registry=no'], 'flag --prune-registry: "no" is not a boolean (true or false)'],
    [['--prune-over-size-limit=maybe'], 'flag --prune-over-size-limit: "maybe" is not a boolean (true or false)'],
  ])('refuses %j in one line', async (argv, message) => {
    await expectUsage(command, argv, message);
  });

  it('lists the new flags in its help, with -n for --namespace', async () => {
    const r = await runCli([command, '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--prune-over-size-limit', '--prune-registry', '--num-workers N']) expect(r.stdout).toContain(flag);
    expect(r.stdout).toMatch(/^ {2}-n, --namespace NS +trim only this namespace's image streams/m);
    // start takes no credentials: its help does not even offer them.
    if (command === 'start') expect(r.stdout).not.toMatch(/--token/);
    else expect(r.stdout).toMatch(/^ {2}--token TOKEN +bearer token for the API server/m);
  });
});

describe('plan: every new option reaches the plan options', () => {
  const clock = () => new Date(EXAMPLE_NOW);
  it.each([
    [['--prune-over-size-limit'], { pruneOverSizeLimit: true }],
    [['--prune-over-size-limit=false', '--keep-tag-revisions', '1'], { pruneOverSizeLimit: false, keepTagRevisions: 1 }],
    [['--namespace', 'team-a'], { namespace: 'team-a' }],
    [['-n', 'team-a'], { namespace: 'team-a' }],
    [['-n=team-a'], { namespace: 'team-a' }],
    [['-nteam-a'], { namespace: 'team-a' }],
    [['--prune-registry=false'], { pruneRegistry: false }],
    [['--prune-registry'], { pruneRegistry: true }],
  ])('%j', (argv, expected) => {
    const f = parsePlanFlags(['--snapshot', 'f.json', ...argv], clock);
    expect(f?.options).toMatchObject(expected);
  });

  it('leaves them at the rules\' defaults when not given: over-size off, every namespace, the registry pruned', () => {
    const f = parsePlanFlags(['--snapshot', 'f.json'], clock);
    expect(f?.options).toMatchObject({ pruneOverSizeLimit: false, pruneRegistry: true });
    expect(f?.options).not.toHaveProperty('namespace');
  });

  it('takes --num-workers (one set of flags for plan, run and start); a plan deletes nothing', () => {
    expect(parsePlanFlags(['--snapshot', 'f.json', '--num-workers', '4'], clock)).toEqual(parsePlanFlags(['--snapshot', 'f.json'], clock));
  });
});

describe('run: the new options in the execution input', () => {
  it('puts each one given, and only those, into the execution input', () => {
    const f = parseRunFlags(['--snapshot', EXAMPLE, '--prune-over-size-limit', '-n', 'team-a', '--prune-registry=false', '--num-workers', '7']);
    expect(f?.input).toEqual({ confirm: false, all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: true, namespace: 'team-a', pruneRegistry: false, numWorkers: 7 });
    expect(parseRunFlags(['--snapshot', EXAMPLE])?.input).toEqual({ confirm: false, all: false, ignoreInvalidRefs: false });
  });

  it('--confirm needs no --registry-url: the run finds the route, or needs none with --prune-registry=false', async () => {
    expect(parseRunFlags(['--confirm', '--kubeconfig', '/x'])?.input).toMatchObject({ confirm: true });
    expect(parseRunFlags(['--confirm', '--kubeconfig', '/x', '--prune-registry=false'])?.input).toMatchObject({ confirm: true, pruneRegistry: false });
  });
});

describe('start: the new options in the execution input AWS receives; no credentials', () => {
  let server: Server;
  const bodies: { target: string; body: Record<string, unknown> }[] = [];
  let env: Record<string, string>;
  beforeAll(async () => {
    // Step Functions' JSON protocol, as far as StartExecution goes.
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        bodies.push({ target: String(req.headers['x-amz-target']), body: JSON.parse(text) as Record<string, unknown> });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:e${bodies.length}`, startDate: 1_700_000_000 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    env = { AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('sends each new option given, and only those', async () => {
    const r = await runCli(['start', '--state-machine', ARN, '--prune-over-size-limit', '-n', 'team-a', '--prune-registry=false', '--num-workers', '25'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const sent = bodies.at(-1)!;
    expect(sent.target).toBe('AWSStepFunctions.StartExecution');
    expect(JSON.parse(sent.body.input as string)).toEqual({ pruneOverSizeLimit: true, namespace: 'team-a', pruneRegistry: false, numWorkers: 25 });

    // Left out: the stack's defaults apply; `--prune-registry=true` is sent, to override a stack that defaults to false.
    await runCli(['start', '--state-machine', ARN, '--prune-registry=true'], { env });
    expect(JSON.parse(bodies.at(-1)!.body.input as string)).toEqual({ pruneRegistry: true });
  });

  it.each([['--token', 'sha256~s3cr3t'], ['--token=sha256~s3cr3t'], ['--token-file', '/run/token']])('refuses %s: the credentials stay in Secrets Manager, and the value is never echoed', async (...argv) => {
    const before = bodies.length;
    const stderr = await expectUsage(
      'start',
      argv,
      `flag --${argv[0].slice(2).split('=')[0]}: not for start: on AWS the credentials stay in Secrets Manager (the clusterSecret of the deployment), never in the execution input`,
    );
    expect(stderr).not.toContain('s3cr3t');
    expect(bodies.length).toBe(before);
  });
});

describe('--token for the local commands', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('with --server stands in for --token-file', () => {
    const o = connectionOptionsFromFlags({ server: 'https://api.example.com:6443', token: 'sha256~abc' }, {});
    expect(o).toMatchObject({ server: 'https://api.example.com:6443', token: 'sha256~abc', tokenSource: '--token' });
  });

  it('without --server replaces the kubeconfig user\'s credentials', () => {
    const o = connectionOptionsFromFlags({ kubeconfig: '/k', context: 'c', token: 'sha256~abc' }, {});
    expect(o).toMatchObject({ kubeconfig: '/k', context: 'c', token: 'sha256~abc', tokenSource: '--token' });
  });

  it('overrides the kubeconfig user\'s token: a wrong one is rejected, the right one reads the cluster', async () => {
    const api = await startFakeOpenShift({ objects: [] });
    try {
      const wrong = await runCli(['plan', '--kubeconfig', api.kubeconfigPath, '--token', 'sha256~wr0ng', '--force-insecure', '-o', 'json']);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/token rejected .*--token \(in place of the credentials of kubeconfig .*context "fake"/);
      expect(wrong.stderr).not.toContain('wr0ng');
      const right = await runCli(['plan', '--server', api.url, '--token', api.token, '--force-insecure', '-o', 'json']);
      expect(right.stderr).not.toContain(api.token);
      expect(right.code, right.stderr).toBe(0);
      expect(JSON.parse(right.stdout)).toMatchObject({ images: [] });
      // A run with the token writes it nowhere: not in the snapshot, the plan files, the report or the lock.
      const artifacts = join(tmp.dir, 'token-run');
      const run = await runCli(['run', '--kubeconfig', api.kubeconfigPath, '--token', api.token, '--force-insecure', '--artifacts', artifacts]);
      expect(run.stderr).not.toContain(api.token);
      expect(run.code).toBe(0);
      const files = (await readdir(artifacts, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
      expect(files.some((f) => f.endsWith('report.json'))).toBe(true);
      for (const f of files) {
        const bytes = await readFile(f);
        // Snapshots are gzipped: read them unpacked.
        const text = (f.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
        expect(text, f).not.toContain(api.token);
      }
    } finally {
      await api.stop();
    }
  });

  it.each([
    [['--token', 'sha256~s3cr3t', '--token-file', '/t'], 'flag --token cannot be combined with --token-file (give the token one way)'],
    [['--token='], 'flag --token is empty'],
  ])('refuses %j without echoing the token', async (argv, message) => {
    const r = await runCli(['plan', '--server', 'https://127.0.0.1:1', ...argv]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`image-pruner plan: ${message} (see image-pruner plan --help)\n`);
  });

  it.each(['plan', 'run', 'collect', 'hard-prune', 'fsck'])('%s takes it, and a rejected token names --token, never the token', async (command) => {
    // An API server that rejects every token: the failure names where the token came from.
    const server = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","code":401}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const storage = command === 'hard-prune' || command === 'fsck' ? ['--registry-storage', `file://${tmp.dir}`] : [];
      const extra = command === 'collect' ? ['--out', tmp.file('out.json', '')] : command === 'run' ? ['--artifacts', tmp.dir] : [];
      const argv = ['--server', url, '--token', 'sha256~s3cr3t', '--force-insecure', ...storage, ...extra];
      // The storage tools write their report under an artifacts folder: a temporary one, not the working directory's.
      const tool = command === 'hard-prune' ? makeHardPruneCommand({ artifactsDir: tmp.dir }) : command === 'fsck' ? makeFsckCommand({ artifactsDir: tmp.dir }) : undefined;
      const r = tool ? await runCli(argv, { command: (a, io) => runCommand(command, tool, a, io) }) : await runCli([command, ...argv]);
      expect(r.code).not.toBe(0);
      expect(r.stderr + r.stdout).toMatch(/401|rejected|Unauthorized/i);
      expect(r.stderr + r.stdout).toContain('--token');
      expect(r.stderr + r.stdout).not.toContain('s3cr3t');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
