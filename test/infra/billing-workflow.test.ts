/**
 * The billing workflow in the synthesized template: a Standard state machine whose contracts
 * go through a Distributed Map reading the plan from S3, every task retried on transient errors
 * with backoff and jitter and caught into MarkFailed, the API allowed to start it, and the
 * monthly schedule on the 3rd. Also: cdk-nag finds nothing unacknowledged in the construct.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import validateAsl from 'asl-validator';
import { BILLING_STATE, BILLING_TASK_FOLDERS, BillingWorkflow, DEFAULT_MAX_CONCURRENCY, PLAN_PREFIX, TRANSIENT_ERRORS } from '../../infra/constructs/billing-workflow';
import { LambdaFactory } from '../../infra/constructs/lambda';
import { MONTHLY_BILLING_RUN_CRON, Schedules } from '../../infra/constructs/schedules';
import { defineStacks, type Deployment } from '../../infra/stacks';
import { resolveDefinition, type AslDefinition, type AslState } from '../../scripts/lib/asl-resolver';
import { TEST_SETTINGS } from './support';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

let deployment: Deployment;
let resources: Resources;
let asl: AslDefinition;
const logicalId = (construct: { node: { defaultChild?: unknown } }) => Stack.of(deployment.service).getLogicalId(construct.node.defaultChild as never);

beforeAll(() => {
  const app = new App();
  deployment = defineStacks(app, TEST_SETTINGS);
  resources = Template.fromStack(deployment.service).toJSON().Resources as Resources;
  const machine = resources[logicalId(deployment.service.billingWorkflow.stateMachine)]!;
  // Functions resolve to their logical ids, so the test can tell which state invokes which.
  asl = resolveDefinition(machine.Properties.DefinitionString, {
    ref: (id) => `ref:${id}`,
    getAtt: (id) => `fn:${id}`,
    importValue: (name) => `import:${name}`,
  });
}, 180_000);

const states = () => asl.States as Record<string, AslState & Record<string, any>>;
const map = () => states()[BILLING_STATE.RATE_CONTRACTS]!;
const rateContract = () => map().ItemProcessor.States[BILLING_STATE.RATE_CONTRACT] as Record<string, any>;

describe('the billing state machine', () => {
  it('is a Standard state machine with execution logs and tracing', () => {
    const machine = resources[logicalId(deployment.service.billingWorkflow.stateMachine)]!;
    expect(machine.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration.Level).toBe('ALL');
  });

  it('is valid ASL per asl-validator and runs Plan -> RateContracts -> Summarize -> Export -> Complete -> Succeeded', () => {
    const result = validateAsl(structuredClone(asl));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
    const path: string[] = [];
    for (let name: string | undefined = asl.StartAt; name; name = states()[name]!.Next as string | undefined) path.push(name);
    expect(path).toEqual([BILLING_STATE.PLAN, BILLING_STATE.RATE_CONTRACTS, BILLING_STATE.SUMMARIZE, BILLING_STATE.EXPORT, BILLING_STATE.COMPLETE, BILLING_STATE.SUCCEEDED]);
    expect(states()[BILLING_STATE.MARK_FAILED]!.Next).toBe(BILLING_STATE.FAILED);
    expect(states()[BILLING_STATE.FAILED]).toMatchObject({ Type: 'Fail', Error: 'BillingRunFailed', CausePath: '$.error.Cause' });
  });

  it('rates contracts in a Distributed Map over the plan in S3, with an explicit MaxConcurrency, tolerating every contract\'s failure', () => {
    expect(map()).toMatchObject({
      Type: 'Map',
      MaxConcurrency: DEFAULT_MAX_CONCURRENCY,
      ToleratedFailurePercentage: 100,
      ResultPath: null,
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: 'import:CtvBilling-test-ExportsBucketName', 'Key.$': '$.plan.planKey' },
      },
      ItemSelector: { 'runId.$': '$.runId', 'runSeq.$': '$.runSeq', 'asOf.$': '$.asOf', 'contractId.$': '$$.Map.Item.Value.contractId' },
    });
    // Children are Express: RateContract is idempotent by contract, period and run.
    expect(map().ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' });
    // A count would bound the failures too; the run records every failure itself instead.
    expect(map()).not.toHaveProperty('ToleratedFailureCount');
    expect(map()).not.toHaveProperty('ToleratedFailureCountPath');
    // The item's own failure is not caught inside the Map (it must count as a failed item), and
    // the Map's own failure (reading the plan) still fails the run.
    expect(rateContract()).not.toHaveProperty('Catch');
    expect(map().Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: BILLING_STATE.MARK_FAILED }]);
  });

  it('lets Summarize read the plans (to find contracts left without a result) and nothing else in the bucket', () => {
    const summarize = deployment.service.billingWorkflow.functions[BILLING_STATE.SUMMARIZE];
    const roleId = Stack.of(deployment.service).getLogicalId(summarize.role!.node.defaultChild as never);
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: any) => role.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
    const s3Statements = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
    expect(s3Statements).toHaveLength(1);
    expect(s3Statements[0].Action).toBe('s3:GetObject');
    expect(JSON.stringify(s3Statements[0].Resource)).toContain(`/${PLAN_PREFIX}*`);
    expect(states()[BILLING_STATE.SUMMARIZE]!.ResultSelector).toEqual({ 'totals.$': '$.Payload.totals', 'failed.$': '$.Payload.failed' });
    expect(Object.keys(map().ItemProcessor.States)).toEqual([BILLING_STATE.RATE_CONTRACT]);
  });

  it('invokes each task state\'s own function with the state input', () => {
    const workflow = deployment.service.billingWorkflow;
    const tasks = { ...states(), [BILLING_STATE.RATE_CONTRACT]: rateContract() } as Record<string, Record<string, any>>;
    for (const state of Object.keys(BILLING_TASK_FOLDERS) as (keyof typeof BILLING_TASK_FOLDERS)[]) {
      expect(tasks[state]!.Resource, state).toBe('arn:aws:states:::lambda:invoke');
      expect(tasks[state]!.Parameters.FunctionName, state).toBe(`fn:${logicalId(workflow.functions[state])}`);
    }
  });

  it('retries every task on Lambda and DynamoDB throttling with backoff and full jitter', () => {
    const tasks = [...Object.values(states()).filter((s) => s.Type === 'Task'), rateContract()];
    expect(tasks).toHaveLength(6);
    for (const task of tasks) {
      expect(task.Retry).toEqual([
        { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 1, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: 'FULL' },
      ]);
    }
    expect(TRANSIENT_ERRORS).toEqual(expect.arrayContaining(['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'ProvisionedThroughputExceededException', 'ThrottlingException']));
  });

  it('catches any failure of every step into MarkFailed with the error at $.error', () => {
    for (const name of [BILLING_STATE.PLAN, BILLING_STATE.RATE_CONTRACTS, BILLING_STATE.SUMMARIZE, BILLING_STATE.EXPORT, BILLING_STATE.COMPLETE]) {
      expect(states()[name]!.Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: BILLING_STATE.MARK_FAILED }]);
    }
    expect(states()[BILLING_STATE.MARK_FAILED]!.Parameters).toEqual({ FunctionName: expect.any(String), Payload: { 'runId.$': '$.runId', 'error.$': '$.error' } });
  });

  it('lets the billing API function start runs (STATE_MACHINE_ARN and states:StartExecution)', () => {
    const billing = resources[logicalId(deployment.service.api.handlers.billing)]!;
    expect(billing.Properties.Environment.Variables.STATE_MACHINE_ARN).toEqual({ Ref: logicalId(deployment.service.billingWorkflow.stateMachine) });
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
    const starts = policies.filter((p) =>
      p.Properties.PolicyDocument.Statement.some((s: any) => s.Action === 'states:StartExecution' && JSON.stringify(s.Resource).includes(logicalId(deployment.service.billingWorkflow.stateMachine))),
    );
    const roles = starts.flatMap((p) => p.Properties.Roles.map((r: any) => r.Ref));
    expect(roles).toContain(Stack.of(deployment.service).getLogicalId(deployment.service.api.handlers.billing.role!.node.defaultChild as never));
  });

  it('fails the run of an execution that ended outside the Catch paths (timed out, aborted, failed)', () => {
    const rule = resources[logicalId(deployment.service.billingWorkflow.executionEndedRule)]!;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [{ Ref: logicalId(deployment.service.billingWorkflow.stateMachine) }], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    });
    const [target] = rule.Properties.Targets;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [logicalId(deployment.service.billingWorkflow.functions[BILLING_STATE.MARK_FAILED]), 'Arn'] });
    expect(target.InputTransformer.InputPathsMap).toEqual({ 'detail-name': '$.detail.name', 'detail-status': '$.detail.status' });
    expect(target.InputTransformer.InputTemplate).toContain('"runId":<detail-name>');
    expect(target.InputTransformer.InputTemplate).toContain('"Error":"States.Execution<detail-status>"');
    expect(target.RetryPolicy.MaximumRetryAttempts).toBe(8);
  });

  it("starts the previous month's run at the scheduled time on the 3rd of each month, UTC, with retries and a DLQ", () => {
    const schedules = Object.values(resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    const monthly = schedules.find((s) => s.Properties.ScheduleExpression === `cron(${MONTHLY_BILLING_RUN_CRON.minute} ${MONTHLY_BILLING_RUN_CRON.hour} ${MONTHLY_BILLING_RUN_CRON.day} * ? *)`)!;
    expect(monthly).toBeDefined();
    expect(MONTHLY_BILLING_RUN_CRON.day).toBe('3');
    expect(monthly.Properties.ScheduleExpressionTimezone).toBe('Etc/UTC');
    expect(monthly.Properties.Target.Arn).toEqual({ 'Fn::GetAtt': [logicalId(deployment.service.billingWorkflow.scheduledStartFunction), 'Arn'] });
    expect(JSON.parse(monthly.Properties.Target.Input)).toEqual({ job: 'monthly-billing-run', scheduledTime: '<aws.scheduler.scheduled-time>' });
    expect(monthly.Properties.Target.RetryPolicy.MaximumRetryAttempts).toBe(3);
    expect(monthly.Properties.Target.DeadLetterConfig.Arn).toBeDefined();
  });
});

describe('MaxConcurrency from the deployment configuration', () => {
  const synthesize = (maxConcurrency?: number) => {
    const stack = new Stack(new App(), 'BillingWorkflowOnly');
    const table = new dynamodb.TableV2(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    const factory = new LambdaFactory({ code: 'placeholder', environment: {}, serviceName: 'test' });
    const exportsBucket = s3.Bucket.fromBucketName(stack, 'ExportsBucket', 'exports-bucket');
    new BillingWorkflow(stack, 'BillingWorkflow', { factory, table, exportsBucket, ...(maxConcurrency !== undefined ? { maxConcurrency } : {}) });
    const machine = Object.values(Template.fromStack(stack).toJSON().Resources as Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    return Number(/\\"MaxConcurrency\\":(\d+)/.exec(definition)?.[1]);
  };

  it('takes the configured number of contracts at once, the default without one, and refuses a value Step Functions would not', () => {
    expect(synthesize(100)).toBe(100);
    expect(synthesize()).toBe(DEFAULT_MAX_CONCURRENCY);
    for (const bad of [0, -1, 2.5, 10_001]) expect(() => synthesize(bad), String(bad)).toThrow(/billing maxConcurrency must be an integer from 1 to 10000/);
  });
});

describe('cdk-nag on the billing workflow construct', () => {
  it('reports no finding that is not acknowledged', { timeout: 180_000 }, () => {
    const app = new App();
    const stack = new Stack(app, 'BillingWorkflowOnly');
    const table = new dynamodb.TableV2(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    const bucket = s3.Bucket.fromBucketName(stack, 'ExportsBucket', 'exports-bucket');
    const factory = new LambdaFactory({ code: 'placeholder', environment: {}, serviceName: 'test' });
    const workflow = new BillingWorkflow(stack, 'BillingWorkflow', { factory, table, exportsBucket: bucket, maxConcurrency: 4 });
    const auditArchive = s3.Bucket.fromBucketName(stack, 'AuditArchiveBucket', 'audit-archive-bucket');
    const schedules = new Schedules(stack, 'Schedules', { factory, table, auditArchive, stage: 'test' });
    schedules.addMonthlyBillingRun(workflow.monthlyScheduleTarget(schedules.schedulerRole, schedules.deadLetterQueue));
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.filter((v) => !v.violatingResources.every((r) => r.constructPath?.includes('/Table/')));
    expect(findings.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});
