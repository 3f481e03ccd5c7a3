// "Is another execution running?" asked of Step Functions itself.
import { ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { RunningExecutions } from '../shared/workflow/refuse-second-run.js';

/** Lists the RUNNING executions of one state machine, all pages, except the asking one. */
export class StepFunctionsRunningExecutions implements RunningExecutions {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async othersRunning(executionId: string): Promise<string[]> {
    const others: string[] = [];
    let nextToken: string | undefined;
    do {
      const res = await this.client.send(new ListExecutionsCommand({ stateMachineArn: this.stateMachineArn, statusFilter: 'RUNNING', nextToken, maxResults: 100 }));
      for (const e of res.executions ?? []) if (e.executionArn && e.executionArn !== executionId) others.push(e.name ?? e.executionArn);
      nextToken = res.nextToken;
    } while (nextToken);
    return others;
  }
}
