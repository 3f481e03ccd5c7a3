// image-pruner history: past executions of the prune workflow on AWS, with
// status, start, duration and the totals of their reports.
import { DescribeExecutionCommand, ListExecutionsCommand, type ExecutionListItem, type ListExecutionsCommandOutput } from '@aws-sdk/client-sfn';
import { formatDuration } from '../../shared/core/duration.js';
import type { Report } from '../../shared/workflow/contracts.js';
import { isSkippedRun, type SkippedRun } from '../../shared/workflow/run-lock.js';
import { awsCall, sfnClient } from '../aws-client.js';
import { DEBUG_FLAG, formatFlags, parseFlags, type FlagSpecs } from '../flags.js';
import { formatBytes } from '../format.js';
import type { CliIO, Command } from '../io.js';
import { stateMachineArn } from './start.js';

const FLAGS = {
  'state-machine': { type: 'string', metavar: 'ARN', help: 'the state machine (default: $IMAGE_PRUNER_STATE_MACHINE_ARN)' },
  limit: { type: 'int', min: 1, max: 9999, default: 20, help: 'how many executions' },
  debug: DEBUG_FLAG,
} as const satisfies FlagSpecs;

export const HISTORY_HELP = `Usage: image-pruner history [--state-machine ARN] [--limit N]

Lists the latest executions of the deployed ImagePruner state machine, newest
first: status, start time, duration, and the totals of each run's report. An
execution that found another run holding the run lock is SKIPPED, with the
holder (it succeeded without doing anything).
The region is the ARN's; credentials come from the usual AWS sources (see
image-pruner start --help). A failure is one line (--debug adds the stack trace).

Flags:
${formatFlags(FLAGS)}
Exit status: 0 listed, 1 AWS could not be asked, 2 bad flags.
`;

/**
 * One line of the history for an execution and its output: its report, or the
 * skipped result of a start the run lock refused (status SKIPPED, the reason instead of totals).
 */
export function historyLine(e: { name?: string; status?: string; startDate?: Date; stopDate?: Date }, output?: Report | SkippedRun): string {
  const dur = e.startDate && e.stopDate ? formatDuration(e.stopDate.getTime() - e.startDate.getTime()) : '-';
  if (e.status === 'SUCCEEDED' && isSkippedRun(output)) return `${'SKIPPED'.padEnd(10)} ${e.startDate?.toISOString() ?? '-'}  ${dur.padStart(8)}  ${e.name ?? ''}  ${output.reason}`.trimEnd();
  const report = isSkippedRun(output) ? undefined : output;
  let totals = '';
  if (report?.plan) {
    const c = report.carriedOut;
    totals = `${report.mode}: plan ${report.plan.images} images, ${report.plan.blobs} blobs, ${formatBytes(report.plan.bytesReclaimed)}`;
    if (c?.images) totals += `; deleted ${c.images.done + c.images.gone} images`;
  }
  return `${(e.status ?? '?').padEnd(10)} ${e.startDate?.toISOString() ?? '-'}  ${dur.padStart(8)}  ${e.name ?? ''}  ${totals}`.trimEnd();
}

export const history: Command = async (argv: string[], io: CliIO): Promise<number> => {
  // A UsageError goes up to cli/main.ts: exit status 2.
  const v = parseFlags(argv, FLAGS);
  if (!v) {
    io.stdout.write(HISTORY_HELP);
    return 0;
  }
  const arn = stateMachineArn(v['state-machine'], io.env);
  const limit = v.limit;
  const client = sfnClient(arn, io.env);
  const aws = { debug: v.debug, stderr: io.stderr };
  const executions: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const res: ListExecutionsCommandOutput = await awsCall(() => client.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: Math.min(100, limit - executions.length), nextToken })), arn, aws);
    executions.push(...(res.executions ?? []));
    nextToken = res.nextToken;
  } while (nextToken && executions.length < limit);
  for (const e of executions) {
    let output: Report | SkippedRun | undefined;
    if (e.status === 'SUCCEEDED' && e.executionArn) {
      const executionArn = e.executionArn;
      const d = await awsCall(() => client.send(new DescribeExecutionCommand({ executionArn })), executionArn, aws);
      try {
        output = d.output ? (JSON.parse(d.output) as Report | SkippedRun) : undefined;
      } catch {
        output = undefined;
      }
    }
    io.stdout.write(`${historyLine(e, output)}\n`);
  }
  if (executions.length === 0) io.stdout.write('no executions yet\n');
  return 0;
};
