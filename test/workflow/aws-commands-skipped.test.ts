// `start --wait` and `history` show an execution the run lock skipped as
// skipped, with the holder, not as a success with a report: against a fake
// Step Functions endpoint on 127.0.0.1 (the AWS JSON 1.0 protocol).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../shared/workflow/contracts.js';
import { skippedRun } from '../../shared/workflow/run-lock.js';
import { runCli } from '../cli/run-cli.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:ImagePruner';
const EXEC = (name: string) => `${ARN.replace(':stateMachine:', ':execution:')}:${name}`;
const HOLDER = 'arn:aws:states:us-east-1:123456789012:execution:HardPrune:sweep';
const SKIPPED = skippedRun({ execution: HOLDER, stateMachine: 'HardPrune', acquiredAt: '2026-11-29T02:00:00.000Z', expiresAt: '2026-11-30T02:15:00.000Z' }).skipped;
const REPORT: Report = {
  runId: 'r',
  executionId: EXEC('nightly'),
  status: 'succeeded',
  mode: 'dry-run',
  options: { confirm: false, keepTagRevisions: 3, keepYoungerThan: '60m', all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: false, pruneRegistry: true, numWorkers: 10, now: '2026-11-28T03:00:00Z' },
  collected: {},
  plan: { images: 2, streamUpdates: 1, removedRevisions: 2, manifestLinks: 2, layerLinks: 3, blobs: 4, bytesReclaimed: 2048, warnings: 0 },
  reportKey: 'runs/r/report.json',
};
const OUTPUTS: Record<string, unknown> = { [EXEC('skipped')]: SKIPPED, [EXEC('nightly')]: REPORT };

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
    const body = JSON.parse((await readBody(req)) || '{}') as { executionArn?: string };
    res.setHeader('content-type', 'application/x-amz-json-1.0');
    const target = String(req.headers['x-amz-target']);
    if (target === 'AWSStepFunctions.StartExecution') {
      res.end(JSON.stringify({ executionArn: EXEC('skipped'), startDate: 1_796_000_000 }));
    } else if (target === 'AWSStepFunctions.DescribeExecution') {
      const arn = body.executionArn ?? '';
      res.end(JSON.stringify({ executionArn: arn, stateMachineArn: ARN, status: 'SUCCEEDED', startDate: 1_796_000_000, stopDate: 1_796_000_002, output: JSON.stringify(OUTPUTS[arn]) }));
    } else if (target === 'AWSStepFunctions.ListExecutions') {
      res.end(
        JSON.stringify({
          executions: [
            { executionArn: EXEC('skipped'), stateMachineArn: ARN, name: 'skipped', status: 'SUCCEEDED', startDate: 1_796_000_000, stopDate: 1_796_000_002 },
            { executionArn: EXEC('nightly'), stateMachineArn: ARN, name: 'nightly', status: 'SUCCEEDED', startDate: 1_795_900_000, stopDate: 1_795_900_245 },
          ],
        }),
      );
    } else {
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const env = () => ({ AWS_ENDPOINT_URL_SFN: endpoint, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });

describe('a skipped execution on AWS', () => {
  it('start --wait says it was skipped, by whom, and exits 3', async () => {
    const r = await runCli(['start', '--wait', '--state-machine', ARN], { env: env() });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(
      `started ${EXEC('skipped')} (dry run)\nexecution skipped: another run holds the lock: ${HOLDER}, since 2026-11-29T02:00:00.000Z (lease until 2026-11-30T02:15:00.000Z)\n`,
    );
  }, 30_000);

  it('history shows it as SKIPPED with the reason, and a run with a report as before', async () => {
    const r = await runCli(['history', '--state-machine', ARN], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      `SKIPPED    2026-11-30T00:53:20.000Z        2s  skipped  another run holds the lock: ${HOLDER}, since 2026-11-29T02:00:00.000Z`,
      'SUCCEEDED  2026-11-28T21:06:40.000Z      4m5s  nightly  dry-run: plan 2 images, 4 blobs, 2.0 KiB',
      '',
    ]);
  });
});
