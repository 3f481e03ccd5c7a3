// image-pruner start: starts the prune workflow on AWS Step Functions and,
// with --wait, follows it to the end and prints its report.
import { parseArgs } from 'node:util';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { parseDuration } from '../../shared/core/duration.js';
import { InvalidInputError } from '../../shared/errors.js';
import type { ExecutionInput, Report } from '../../shared/workflow/contracts.js';
import type { CliIO, Command } from '../io.js';
import { formatReport } from '../local-run/progress.js';

/** Where the state machine ARN comes from when --state-machine is absent. */
export const STATE_MACHINE_ENV = 'IMAGE_PRUNER_STATE_MACHINE_ARN';

export const START_HELP = `Usage: image-pruner start [--confirm] [--wait] [--state-machine ARN] [flags]

Starts an execution of the deployed ImagePruner state machine. Options left out
take the defaults the stack was deployed with. AWS credentials and region come
from the usual AWS SDK sources (environment, profile, instance role).

Flags:
  --state-machine ARN        the state machine (default: $${STATE_MACHINE_ENV})
  --confirm                  carry out the plan (default: dry run)
  --wait                     follow the execution to its end and print the report
  --keep-tag-revisions N     newest revisions per tag always kept
  --keep-younger-than DUR    keep anything younger than this (e.g. 60m)
  --all                      prune images not managed by OpenShift too
  --ignore-invalid-refs      skip invalid image references with a warning
  -h, --help                 show this help

Exit status: 0 started (with --wait: succeeded), 1 failed, 2 bad flags.
`;

const FLAGS = {
  'state-machine': { type: 'string' },
  confirm: { type: 'boolean' },
  wait: { type: 'boolean' },
  'keep-tag-revisions': { type: 'string' },
  'keep-younger-than': { type: 'string' },
  all: { type: 'boolean' },
  'ignore-invalid-refs': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The state machine ARN from the flag or the environment; throws naming both when neither is set. */
export function stateMachineArn(flag: string | undefined, env: Record<string, string | undefined>): string {
  const arn = flag ?? env[STATE_MACHINE_ENV];
  if (!arn) throw new InvalidInputError(`no state machine: pass --state-machine ARN or set ${STATE_MACHINE_ENV}`);
  if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/.test(arn)) throw new InvalidInputError(`--state-machine: "${arn}" is not a state machine ARN`);
  return arn;
}

export const start: Command = async (argv: string[], io: CliIO): Promise<number> => {
  let v: Record<string, string | boolean | undefined>;
  let input: ExecutionInput;
  let arn: string;
  try {
    v = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values as typeof v;
    if (v.help) {
      io.stdout.write(START_HELP);
      return 0;
    }
    arn = stateMachineArn(v['state-machine'] as string | undefined, io.env);
    input = {};
    if (v.confirm) input.confirm = true;
    if (v.all) input.all = true;
    if (v['ignore-invalid-refs']) input.ignoreInvalidRefs = true;
    if (typeof v['keep-tag-revisions'] === 'string') {
      if (!/^\d+$/.test(v['keep-tag-revisions'])) throw new InvalidInputError(`flag --keep-tag-revisions: "${v['keep-tag-revisions']}" is not a whole number >= 0`);
      input.keepTagRevisions = Number(v['keep-tag-revisions']);
    }
    if (typeof v['keep-younger-than'] === 'string') {
      parseDuration(v['keep-younger-than'], 'flag --keep-younger-than');
      input.keepYoungerThan = v['keep-younger-than'];
    }
  } catch (err) {
    io.stderr.write(`image-pruner start: ${(err as Error).message}\n`);
    return 2;
  }
  const client = new SFNClient({});
  const started = await client.send(new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify(input) }));
  io.stdout.write(`started ${started.executionArn} (${input.confirm ? 'confirmed' : 'dry run'})\n`);
  if (!v.wait) return 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 5000));
    const d = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    if (d.status === 'RUNNING') {
      io.stderr.write('.');
      continue;
    }
    io.stderr.write('\n');
    io.stdout.write(`execution ${d.status?.toLowerCase()}\n`);
    if (d.output) {
      const report = JSON.parse(d.output) as Report;
      io.stdout.write(formatReport(report, report.reportKey));
    } else if (d.error) {
      io.stdout.write(`  error: ${d.error}${d.cause ? `: ${d.cause.split('\n')[0]}` : ''}\n`);
    }
    return d.status === 'SUCCEEDED' ? 0 : 1;
  }
};
