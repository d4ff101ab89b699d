/**
 * The monthly billing run as a Step Functions Standard workflow (exactly-once steps):
 *
 *   Plan -> RateContracts (Distributed Map over the plan in S3: RateContract per contract)
 *        -> Summarize -> Export -> Complete -> Succeeded
 *   a contract that fails -> recorded with its reason; the Map goes on (every failure tolerated),
 *        and Complete ends the run COMPLETED_WITH_ERRORS; a retry execution (`<runId>_retry-<n>`)
 *        runs the same states over the failed contracts only
 *   any other failure -> MarkFailed -> Failed
 *   an execution that times out or is aborted -> (EventBridge rule) MarkFailed
 *
 * The run itself (its item and the period lock) is created BEFORE the execution starts, by the
 * start function the API and the monthly schedule share; the execution is named after the run
 * id, so a start repeated for the same run cannot create a second execution.
 *
 * Why a Distributed Map: an inline Map runs at most 40 iterations at a time and the whole
 * execution is capped at 25,000 history events (a few thousand contracts). The Distributed
 * Map reads the plan from S3 and runs each contract as its own child execution, with a bounded
 * MaxConcurrency (deploy-time configuration) so DynamoDB and the rating Lambda see a steady load.
 *
 * Why EXPRESS children: a child is one task (RateContract), and a Standard child costs a state
 * transition per step, ~$50 a run at a million contracts against ~$2 as Express. Express is
 * at-least-once, which the child already tolerates: RateContract is idempotent by contract,
 * period and run (the invoice is written once per run and contract, the contract's run record
 * on the condition that it does not exist), so a child that runs twice changes nothing the
 * second time. An Express child lives at most 5 minutes: RateContract's 2-minute timeout plus
 * its throttling retries fit; a child that still overruns fails as an item, Summarize records
 * the contract as failed (NoResult) and the run's retry rates it again.
 *
 * State names are the construct ids below; the local executor (scripts/lib/local-workflow.ts)
 * maps its task handlers by these names, so they are exported as BILLING_STATE.
 */
import { ArnFormat, Aws, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { grantTableAccess } from './table-access';
import { acknowledgeFunctionVersions, acknowledgeTableIndexes, acknowledgeWildcardResource, defaultPolicyOf } from './acknowledgements';
import type { LambdaFactory } from './lambda';

export const BILLING_STATE = {
  PLAN: 'Plan',
  RATE_CONTRACTS: 'RateContracts',
  RATE_CONTRACT: 'RateContract',
  SUMMARIZE: 'Summarize',
  EXPORT: 'Export',
  COMPLETE: 'Complete',
  MARK_FAILED: 'MarkFailed',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
} as const;

/** The task states and the function folder (functions/<folder>/handler.ts) each one invokes. */
export const BILLING_TASK_FOLDERS = {
  [BILLING_STATE.PLAN]: 'billing-run/plan',
  [BILLING_STATE.RATE_CONTRACT]: 'billing-run/rate-contract',
  [BILLING_STATE.SUMMARIZE]: 'billing-run/summarize',
  [BILLING_STATE.EXPORT]: 'billing-run/export',
  [BILLING_STATE.COMPLETE]: 'billing-run/complete',
  [BILLING_STATE.MARK_FAILED]: 'billing-run/mark-failed',
} as const;
export type BillingTaskState = keyof typeof BILLING_TASK_FOLDERS;

export const SCHEDULED_START_FOLDER = 'billing-run/scheduled-start';

/** Plans live next to the exports, under their own prefix. */
export const PLAN_PREFIX = 'plans/';
export const EXPORT_PREFIX = 'exports/';

/**
 * Errors worth retrying: Lambda's own throttling and service faults, and DynamoDB/S3 throttling
 * surfacing from inside a task (a Lambda error's name is the thrown error's name).
 */
export const TRANSIENT_ERRORS = [
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'SlowDown',
] as const;

/** Contracts rated at once when the deployment does not say (`-c billingMaxConcurrency=`). */
export const DEFAULT_MAX_CONCURRENCY = 10;
/** Step Functions' own ceiling for a Distributed Map's concurrent children. */
export const MAX_MAP_CONCURRENCY = 10_000;

/** Every contract's failure is tolerated by the Map: the run records it and completes with errors. */
export const TOLERATED_FAILURE_PERCENTAGE = 100;

export interface BillingWorkflowProps {
  factory: LambdaFactory;
  table: dynamodb.ITableV2;
  /** Finance exports (`exports/<period>/...`) and run plans (`plans/<runId>.json`). */
  exportsBucket: s3.IBucket;
  /** Contracts rated at the same time; default DEFAULT_MAX_CONCURRENCY. */
  maxConcurrency?: number;
}

export class BillingWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<BillingTaskState, lambda.Function>;
  readonly scheduledStartFunction: lambda.Function;
  readonly executionEndedRule: events.Rule;

  constructor(scope: Construct, id: string, props: BillingWorkflowProps) {
    super(scope, id);
    const { factory, table, exportsBucket } = props;
    const maxConcurrency = props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > MAX_MAP_CONCURRENCY) {
      throw new Error(`billing maxConcurrency must be an integer from 1 to ${MAX_MAP_CONCURRENCY}, got ${maxConcurrency}`);
    }

    const fn = (state: BillingTaskState, description: string, timeout: Duration, memorySize = 512) =>
      factory.create(this, `${state}Function`, { folder: BILLING_TASK_FOLDERS[state], description, timeout, memorySize });
    this.functions = {
      [BILLING_STATE.PLAN]: fn(BILLING_STATE.PLAN, 'Billing run: list the contracts of the period and write the plan', Duration.minutes(5), 1024),
      [BILLING_STATE.RATE_CONTRACT]: fn(BILLING_STATE.RATE_CONTRACT, 'Billing run: rate one contract and write its invoice', Duration.minutes(2), 1024),
      [BILLING_STATE.SUMMARIZE]: fn(BILLING_STATE.SUMMARIZE, 'Billing run: run totals', Duration.minutes(2)),
      [BILLING_STATE.EXPORT]: fn(BILLING_STATE.EXPORT, 'Billing run: write the finance export of the period', Duration.minutes(15), 2048),
      [BILLING_STATE.COMPLETE]: fn(BILLING_STATE.COMPLETE, 'Billing run: mark the run succeeded', Duration.seconds(30)),
      [BILLING_STATE.MARK_FAILED]: fn(BILLING_STATE.MARK_FAILED, 'Billing run: mark the run failed', Duration.seconds(30)),
    };
    for (const f of Object.values(this.functions)) grantTableAccess(table, f, 'billingWorkflow');
    // Exact actions rather than grantPut/grantReadWrite (whose `s3:Abort*`, `s3:List*`, ... wildcards
    // reach further than writing one object): the plan writes plans/, the export writes exports/.
    this.functions[BILLING_STATE.PLAN].addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [exportsBucket.arnForObjects(`${PLAN_PREFIX}*`)] }),
    );
    // Summarize reads the plan to find contracts whose step ended without any result.
    this.functions[BILLING_STATE.SUMMARIZE].addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [exportsBucket.arnForObjects(`${PLAN_PREFIX}*`)] }),
    );
    this.functions[BILLING_STATE.EXPORT].addToRolePolicy(
      // Large files go up as multipart uploads (covered by PutObject), aborted when the journal is refused.
      new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'], resources: [exportsBucket.arnForObjects(`${EXPORT_PREFIX}*`)] }),
    );

    const definition = this.definition(props);
    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', { retention: logs.RetentionDays.ONE_YEAR });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      comment: 'Monthly billing run: plan, rate every contract, summarize, export',
      timeout: Duration.hours(12),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    // A run must never stay RUNNING (its period locked) because its execution ended outside the
    // Catch paths: timed out, aborted by hand, or MarkFailed itself failing. Step Functions reports
    // every such end; MarkFailed then fails the run (a no-op when it already did).
    this.executionEndedRule = new events.Rule(this, 'ExecutionEnded', {
      description: 'Billing run executions that ended without succeeding: fail their run and release the period',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
    });
    this.executionEndedRule.addTarget(
      new eventsTargets.LambdaFunction(this.functions[BILLING_STATE.MARK_FAILED], {
        event: events.RuleTargetInput.fromObject({
          // Executions are named after their run.
          runId: events.EventField.fromPath('$.detail.name'),
          error: { Error: `States.Execution${events.EventField.fromPath('$.detail.status')}`, Cause: 'the execution ended without succeeding' },
        }),
        retryAttempts: 8,
        maxEventAge: Duration.hours(24),
      }),
    );

    this.scheduledStartFunction = factory.create(this, 'ScheduledStartFunction', {
      folder: SCHEDULED_START_FOLDER,
      description: "Monthly schedule: start the previous month's billing run",
      timeout: Duration.seconds(30),
      environment: { STATE_MACHINE_ARN: this.stateMachine.stateMachineArn },
    });
    grantTableAccess(table, this.scheduledStartFunction, 'billingWorkflow');
    this.stateMachine.grantStartExecution(this.scheduledStartFunction);

    this.acknowledgeFindings(props);
  }

  /** Lets an API function start runs: the permission and the variable that selects Step Functions. */
  allowStart(starter: lambda.Function): void {
    this.stateMachine.grantStartExecution(starter);
    starter.addEnvironment('STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
  }

  /**
   * The monthly schedule's target: the start function, given the schedule's own time so a late
   * or retried invocation still bills the month before the scheduled date.
   */
  monthlyScheduleTarget(role: iam.Role, deadLetterQueue: sqs.IQueue): scheduler.IScheduleTarget {
    // Granted here (the target would grant the same on bind) so the policy exists to be reviewed.
    this.scheduledStartFunction.grantInvoke(role);
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) acknowledgeFunctionVersions(policy, this.scheduledStartFunction);
    return new schedulerTargets.LambdaInvoke(this.scheduledStartFunction, {
      input: scheduler.ScheduleTargetInput.fromObject({ job: 'monthly-billing-run', scheduledTime: scheduler.ContextAttribute.scheduledTime }),
      role,
      retryAttempts: 3,
      maxEventAge: Duration.hours(6),
      deadLetterQueue,
    });
  }

  private definition(props: BillingWorkflowProps): sfn.IChainable {
    const invoke = (state: BillingTaskState, options: Partial<tasks.LambdaInvokeProps> = {}) => {
      const task = new tasks.LambdaInvoke(this, state, {
        lambdaFunction: this.functions[state],
        payload: sfn.TaskInput.fromJsonPathAt('$'),
        // The default retrier has no jitter; ours below covers the same errors and more.
        retryOnServiceExceptions: false,
        ...options,
      });
      task.addRetry({
        errors: [...TRANSIENT_ERRORS],
        interval: Duration.seconds(1),
        backoffRate: 2,
        maxAttempts: 6,
        maxDelay: Duration.seconds(30),
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    };

    const markFailed = invoke(BILLING_STATE.MARK_FAILED, {
      payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.stringAt('$.runId'), error: sfn.JsonPath.objectAt('$.error') }),
      resultPath: sfn.JsonPath.DISCARD,
    }).next(new sfn.Fail(this, BILLING_STATE.FAILED, { error: 'BillingRunFailed', causePath: '$.error.Cause' }));
    const onFailure = { resultPath: '$.error' };

    const plan = invoke(BILLING_STATE.PLAN, {
      resultSelector: { total: sfn.JsonPath.numberAt('$.Payload.total'), planKey: sfn.JsonPath.stringAt('$.Payload.planKey') },
      resultPath: '$.plan',
    }).addCatch(markFailed, onFailure);

    const rateContract = invoke(BILLING_STATE.RATE_CONTRACT, {
      resultSelector: { invoiceId: sfn.JsonPath.stringAt('$.Payload.invoiceId') },
    });
    const rateContracts = new sfn.DistributedMap(this, BILLING_STATE.RATE_CONTRACTS, {
      itemReader: new sfn.S3JsonItemReader({ bucket: props.exportsBucket, key: sfn.JsonPath.stringAt('$.plan.planKey') }),
      itemSelector: {
        runId: sfn.JsonPath.stringAt('$.runId'),
        period: sfn.JsonPath.stringAt('$.period'),
        runSeq: sfn.JsonPath.numberAt('$.runSeq'),
        asOf: sfn.JsonPath.stringAt('$.asOf'),
        actor: sfn.JsonPath.stringAt('$.actor'),
        contractId: sfn.JsonPath.stringAt('$$.Map.Item.Value.contractId'),
      },
      maxConcurrency: props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
      // One contract that cannot be invoiced must not cost the others their invoices: its step
      // records why it failed, Summarize checks every planned contract has a result, and the
      // run ends COMPLETED_WITH_ERRORS for finance to retry once the cause is fixed.
      toleratedFailurePercentage: TOLERATED_FAILURE_PERCENTAGE,
      // Idempotent children (see the header): Express, at-least-once, a fraction of the cost.
      mapExecutionType: sfn.StateMachineType.EXPRESS,
      label: BILLING_STATE.RATE_CONTRACTS,
      // Per-contract results are in the table; the run's payload stays small.
      resultPath: sfn.JsonPath.DISCARD,
    });
    rateContracts.itemProcessor(rateContract);
    rateContracts.addCatch(markFailed, onFailure);

    const summarize = invoke(BILLING_STATE.SUMMARIZE, {
      resultSelector: { totals: sfn.JsonPath.objectAt('$.Payload.totals'), failed: sfn.JsonPath.numberAt('$.Payload.failed') },
      resultPath: '$.summary',
    }).addCatch(markFailed, onFailure);
    const exportPeriod = invoke(BILLING_STATE.EXPORT, { resultPath: sfn.JsonPath.DISCARD }).addCatch(markFailed, onFailure);
    const complete = invoke(BILLING_STATE.COMPLETE, { resultPath: sfn.JsonPath.DISCARD }).addCatch(markFailed, onFailure);

    return plan
      .next(rateContracts)
      .next(summarize)
      .next(exportPeriod)
      .next(complete)
      .next(new sfn.Succeed(this, BILLING_STATE.SUCCEEDED));
  }

  private acknowledgeFindings(props: BillingWorkflowProps): void {
    const { table, exportsBucket } = props;
    for (const f of [...Object.values(this.functions), this.scheduledStartFunction]) {
      const policy = defaultPolicyOf(f);
      if (policy) acknowledgeTableIndexes(policy, table);
    }
    const prefixReason = 'Object keys under this prefix are per run or period, not known at deploy time; the wildcard stays inside the prefix.';
    const planPolicy = defaultPolicyOf(this.functions[BILLING_STATE.PLAN]);
    if (planPolicy) acknowledgeWildcardResource(planPolicy, exportsBucket.arnForObjects(`${PLAN_PREFIX}*`), prefixReason);
    const summarizePolicy = defaultPolicyOf(this.functions[BILLING_STATE.SUMMARIZE]);
    if (summarizePolicy) acknowledgeWildcardResource(summarizePolicy, exportsBucket.arnForObjects(`${PLAN_PREFIX}*`), prefixReason);
    const exportPolicy = defaultPolicyOf(this.functions[BILLING_STATE.EXPORT]);
    if (exportPolicy) acknowledgeWildcardResource(exportPolicy, exportsBucket.arnForObjects(`${EXPORT_PREFIX}*`), prefixReason);

    const machinePolicy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (machinePolicy) {
      for (const f of Object.values(this.functions)) acknowledgeFunctionVersions(machinePolicy, f);
      acknowledgeWildcardResource(
        machinePolicy,
        `arn:${Aws.PARTITION}:s3:::${exportsBucket.bucketName}/*`,
        'The Distributed Map item reader (S3JsonItemReader) reads the run plan; CDK scopes it to the one exports bucket.',
      );
      Validations.of(machinePolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'CloudWatch Logs delivery (logs:CreateLogDelivery and the other log-delivery actions) and X-Ray tracing support no ' +
          'resource-level permissions; AWS documents Resource "*" for them.',
      });
    }
    const mapPolicy = this.stateMachine.node.tryFindChild('DistributedMapPolicy');
    if (mapPolicy) {
      // Rendered as CDK renders the policy (formatArn: literal partition/region when the stack has an env).
      const machineName = Fn.select(6, Fn.split(':', this.stateMachine.stateMachineArn));
      const executions = (resourceName: string) =>
        Stack.of(this).formatArn({ service: 'states', resource: 'execution', resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      const reason = 'The Distributed Map describes and stops its own child executions, whose names are made at run time.';
      acknowledgeWildcardResource(mapPolicy, executions(`${machineName}:*`), reason);
      acknowledgeWildcardResource(mapPolicy, executions(`${machineName}/${BILLING_STATE.RATE_CONTRACTS}:*`), reason);
    }
  }
}
