/**
 * Starting a billing run's workflow. In AWS: Step Functions StartExecution, named after the run
 * id; locally: the in-process executor of the same synthesized definition. Callers see only
 * this port; functions/runtime/workflow.ts picks the implementation from the configuration.
 */
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { executionNameOf, type RunExecutionInput } from '../../domain/billing-runs/run';

export interface BillingWorkflowStarter {
  /** Starts the run's execution once: starting the same run again changes nothing. */
  start(input: RunExecutionInput): Promise<void>;
}

export class StepFunctionsBillingWorkflow implements BillingWorkflowStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: RunExecutionInput): Promise<void> {
    try {
      // The execution name is the run id (and retry number): Step Functions refuses a second
      // execution of that name (for 90 days), and replays the first for an identical input, so a
      // repeated start never rates a run twice.
      await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: executionNameOf(input), input: JSON.stringify(input) }),
      );
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return;
      throw error;
    }
  }
}
