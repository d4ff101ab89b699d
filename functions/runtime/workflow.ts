/**
 * THE switch between the deployed and the local billing workflow, decided by configuration
 * once: with STATE_MACHINE_ARN (set by the CDK stack on the functions allowed to start runs)
 * runs start on Step Functions; without it, on the local executor the local stack registers
 * (scripts/lib/local-workflow.ts). Handlers only ever call `billingWorkflow().start(...)`.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { StepFunctionsBillingWorkflow, type BillingWorkflowStarter } from '../../shared/adapters/workflow/billing-workflow';
import { config } from './config';
import { traced } from './observability';

let deployed: BillingWorkflowStarter | undefined;
let local: BillingWorkflowStarter | undefined;

/** The local stack and the workflow tests hand their executor in before the first start. */
export function useLocalBillingWorkflow(starter: BillingWorkflowStarter | undefined): void {
  local = starter;
}

export function billingWorkflow(): BillingWorkflowStarter {
  const { STATE_MACHINE_ARN, AWS_REGION } = config();
  if (STATE_MACHINE_ARN) {
    deployed ??= new StepFunctionsBillingWorkflow(traced(new SFNClient({ region: AWS_REGION })), STATE_MACHINE_ARN);
    return deployed;
  }
  if (local) return local;
  throw new Error('no billing workflow: STATE_MACHINE_ARN is not set and no local executor was registered');
}
