// `start` and `history` against a fake Step Functions endpoint on 127.0.0.1
// (the AWS JSON 1.0 protocol Step Functions speaks), without any network: the
// region comes from the ARN, and every refusal is one line without a stack.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:ImagePruner';

interface Call {
  target: string;
  authorization: string;
  body: Record<string, unknown>;
}

/** What the fake answers: an error type (as Step Functions names it) or success. */
let answer: { error?: string; message?: string } = {};
const calls: Call[] = [];
let server: Server;
let endpoint: string;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c) => (text += String(c)));
    req.on('end', () => resolve(text));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
    calls.push({ target: String(req.headers['x-amz-target']), authorization: String(req.headers.authorization ?? ''), body });
    res.setHeader('content-type', 'application/x-amz-json-1.0');
    if (answer.error) {
      res.statusCode = 400;
      res.setHeader('x-amzn-errortype', `${answer.error}:http://internal.amazon.com/coral/com.amazonaws.swf.service.v2.model/`);
      res.end(JSON.stringify({ __type: `com.amazonaws.swf.service.v2.model#${answer.error}`, message: answer.message ?? '' }));
      return;
    }
    if (req.headers['x-amz-target'] === 'AWSStepFunctions.StartExecution') {
      res.end(JSON.stringify({ executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:e1`, startDate: 1_790_000_000 }));
      return;
    }
    res.end(JSON.stringify({ executions: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  answer = {};
  calls.length = 0;
});

/** Keys and the fake endpoint, and nothing else: no region anywhere but the ARN. */
function env(): Record<string, string> {
  return { AWS_ENDPOINT_URL_SFN: endpoint, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
}

describe('start and history on AWS, one line per refusal', () => {
  it('start takes the region from the ARN and starts the execution', async () => {
    const r = await runCli(['start', '--state-machine', ARN], { env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`started ${ARN.replace(':stateMachine:', ':execution:')}:e1 (dry run)\n`);
    expect(calls).toHaveLength(1);
    expect(calls[0].target).toBe('AWSStepFunctions.StartExecution');
    // The request is signed for the ARN's region.
    expect(calls[0].authorization).toContain('/us-east-1/states/aws4_request');
    expect(calls[0].body.stateMachineArn).toBe(ARN);
  });

  it.each([
    ['start', 'AccessDeniedException', 'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: states:StartExecution', `access denied to ${ARN}: User: arn:aws:iam::123456789012:user/ops is not authorized`],
    ['history', 'AccessDeniedException', 'not authorized to perform: states:ListExecutions', `access denied to ${ARN}: not authorized`],
    ['start', 'StateMachineDoesNotExist', `State Machine Does Not Exist: '${ARN}'`, `no such state machine: ${ARN}`],
    ['history', 'StateMachineDoesNotExist', `State Machine Does Not Exist: '${ARN}'`, `no such state machine: ${ARN}`],
    ['start', 'UnrecognizedClientException', 'The security token included in the request is invalid.', 'the AWS credentials were refused (UnrecognizedClientException)'],
  ])('%s: %s is one line, exit 1', async (command, error, message, line) => {
    answer = { error, message };
    const r = await runCli([command, '--state-machine', ARN], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`image-pruner ${command}: ${line}`);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--debug prints the stack trace before the line', async () => {
    answer = { error: 'StateMachineDoesNotExist', message: 'no' };
    const r = await runCli(['history', '--state-machine', ARN, '--debug'], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\n\s+at /);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(`image-pruner history: no such state machine: ${ARN}`);
  });

  it('an endpoint that does not answer is one line', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await runCli(['history', '--state-machine', ARN], { env: { ...env(), AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${port}` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('image-pruner history: cannot reach AWS Step Functions: ECONNREFUSED\n');
  });

  it.each(['start', 'history'])('%s with no credentials in the environment says so in one line', async (command) => {
    // A separate process whose environment has no AWS keys, no profile (an empty
    // HOME) and no instance metadata (which would be a network call).
    const home = mkdtempSync(join(tmpdir(), 'aws-empty-home-'));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', command, '--state-machine', ARN], {
        env: { HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL_SFN: endpoint },
      });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.stdout.on('data', (d) => (stdout += String(d)));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stdout).toBe('');
      expect(stderr).toBe(`image-pruner ${command}: no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role applies\n`);
      expect(code).toBe(1);
      expect(calls).toHaveLength(0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 30_000);
});
