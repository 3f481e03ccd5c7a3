// image-pruner start: starts the prune workflow on AWS Step Functions and,
// with --wait, follows it to the end and prints its report.
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ExecutionInput, Report } from '../../shared/workflow/contracts.js';
import { resolveRunOptions, runKeys } from '../../shared/workflow/contracts.js';
import { awsCall, sfnClient } from '../aws-client.js';
import { DEBUG_FLAG, formatFlags, parseFlags, UsageError, type FlagSpecs } from '../flags.js';
import { PRUNE_OPTION_FLAGS, pruneOptionsInput } from '../prune-option-flags.js';
import type { CliIO, Command } from '../io.js';
import { formatReport } from '../local-run/progress.js';
import { isSkippedRun } from '../../shared/workflow/run-lock.js';
import { EXIT_SKIPPED } from '../skipped.js';

/** Where the state machine ARN comes from when --state-machine is absent. */
export const STATE_MACHINE_ENV = 'IMAGE_PRUNER_STATE_MACHINE_ARN';

const FLAGS = {
  'state-machine': { type: 'string', metavar: 'ARN', help: `the state machine (default: $${STATE_MACHINE_ENV})` },
  confirm: { type: 'boolean', default: false, help: 'carry out the plan (default: dry run)' },
  wait: { type: 'boolean', default: false, help: 'follow the execution to its end and print the report' },
  'keep-tag-revisions': { type: 'int', help: 'newest revisions per tag always kept' },
  'keep-younger-than': { type: 'duration', help: 'keep anything younger than this (e.g. 60m)' },
  all: { type: 'boolean', default: false, help: 'prune images not managed by OpenShift too' },
  'ignore-invalid-refs': { type: 'boolean', default: false, help: 'skip invalid image references with a warning' },
  ...PRUNE_OPTION_FLAGS,
  debug: DEBUG_FLAG,
  // The local commands' token flags: on AWS the cluster and registry credentials
  // are the deployment's secrets, never part of an execution input (which the
  // execution history shows to anyone who may read it).
  token: { type: 'refused', reason: 'not for start: on AWS the credentials stay in Secrets Manager (the clusterSecret of the deployment), never in the execution input' },
  'token-file': { type: 'refused', reason: 'not for start: on AWS the credentials stay in Secrets Manager (the clusterSecret of the deployment), never in the execution input' },
} as const satisfies FlagSpecs;

export const START_HELP = `Usage: image-pruner start [--confirm] [--wait] [--state-machine ARN] [flags]

Starts an execution of the deployed ImagePruner state machine. Options left out
take the defaults the stack was deployed with. The region is the ARN's; AWS
credentials come from the usual sources (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
AWS_PROFILE, SSO, container or instance role); AWS_ENDPOINT_URL_SFN overrides
the endpoint. A failure is one line: no credentials, access denied, no such
state machine (--debug adds the stack trace).

Flags (booleans take --flag, --flag=true or --flag=false):
${formatFlags(FLAGS)}
One run at a time on the registry: an execution that starts while another (of
this state machine, HardPrune or Fsck) holds the run lock ends skipped: it
succeeds without doing anything, naming the holder (see image-pruner history).

Exit status: 0 started (with --wait: succeeded), 1 failed or AWS refused, 2 bad
flags, 3 (with --wait) skipped: another run holds the run lock.
`;

/** The state machine ARN from the flag or the environment; throws a UsageError naming both when neither is set. */
export function stateMachineArn(flag: string | undefined, env: Record<string, string | undefined>): string {
  const arn = flag ?? env[STATE_MACHINE_ENV];
  if (!arn) throw new UsageError(`no state machine: pass --state-machine ARN or set ${STATE_MACHINE_ENV}`);
  if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/.test(arn)) throw new UsageError(`flag --state-machine: "${arn}" is not a state machine ARN`);
  return arn;
}

export const start: Command = async (argv: string[], io: CliIO): Promise<number> => {
  // A UsageError goes up to cli/main.ts: exit status 2.
  const v = parseFlags(argv, FLAGS);
  if (!v) {
    io.stdout.write(START_HELP);
    return 0;
  }
  const arn = stateMachineArn(v['state-machine'], io.env);
  // Options left out stay out: the execution takes the stack's defaults.
  const input: ExecutionInput = {};
  if (v.confirm) input.confirm = true;
  if (v.all) input.all = true;
  if (v['ignore-invalid-refs']) input.ignoreInvalidRefs = true;
  if (v['keep-tag-revisions'] !== undefined) input.keepTagRevisions = v['keep-tag-revisions'];
  if (v['keep-younger-than'] !== undefined) input.keepYoungerThan = v['keep-younger-than'].text;
  Object.assign(input, pruneOptionsInput(v));
  // Checked here as the state machine's first task will check it: a mistake is named before anything starts.
  resolveRunOptions(input, {}, new Date().toISOString());
  const client = sfnClient(arn, io.env);
  const aws = { debug: v.debug, stderr: io.stderr };
  const started = await awsCall(() => client.send(new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify(input) })), arn, aws);
  io.stdout.write(`started ${started.executionArn} (${input.confirm ? 'confirmed' : 'dry run'})\n`);
  if (!v.wait) return 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 5000));
    const d = await awsCall(() => client.send(new DescribeExecutionCommand({ executionArn: started.executionArn })), started.executionArn ?? arn, aws);
    if (d.status === 'RUNNING') {
      io.stderr.write('.');
      continue;
    }
    io.stderr.write('\n');
    const output: unknown = d.output ? JSON.parse(d.output) : undefined;
    if (d.status === 'SUCCEEDED' && isSkippedRun(output)) {
      io.stdout.write(`execution skipped: ${output.reason} (lease until ${output.heldBy.expiresAt})\n`);
      return EXIT_SKIPPED;
    }
    io.stdout.write(`execution ${d.status?.toLowerCase()}\n`);
    if (d.output) {
      const report = JSON.parse(d.output) as Report;
      io.stdout.write(formatReport(report, report.reportKey, runKeys.reportHtml(report.runId)));
    } else if (d.error) {
      io.stdout.write(`  error: ${d.error}${d.cause ? `: ${d.cause.split('\n')[0]}` : ''}\n`);
    }
    return d.status === 'SUCCEEDED' ? 0 : 1;
  }
};
