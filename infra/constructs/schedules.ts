/**
 * EventBridge Scheduler: the daily lifecycle job (renewal notices, auto-renewals, expiries)
 * and the slot for the monthly billing run.
 *
 * Targets receive the schedule's own `scheduledTime`, not "now": a retried or late invocation
 * still processes the day (or period) it was scheduled for.
 */
import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { grantTableAccess } from './table-access';
import { acknowledgeFunctionVersions, acknowledgeTableIndexes, acknowledgeWildcardResource, deadLetterQueue, defaultPolicyOf } from './acknowledgements';
import { AUDIT_DIGEST_PREFIX } from './audit-log';
import type { LambdaFactory } from './lambda';

/** 02:15 UTC daily; the job reads the day from the scheduled time it is given, not from its clock. */
export const DAILY_LIFECYCLE_CRON = { minute: '15', hour: '2' } as const;

/**
 * 06:00 UTC on the 3rd: a few days after month end, so late usage feeds of the last days
 * of the month have arrived before the period is billed.
 */
export const MONTHLY_BILLING_RUN_CRON = { minute: '0', hour: '6', day: '3' } as const;

export interface SchedulesProps {
  factory: LambdaFactory;
  table: dynamodb.ITableV2;
  /** The lifecycle job archives the day's audit chain digest here (put only). */
  auditArchive: s3.IBucket;
  stage: string;
}

export class Schedules extends Construct {
  readonly lifecycleFunction: lambda.Function;
  readonly dailyLifecycle: scheduler.Schedule;
  /** Invocations the scheduler gave up on after its retries. */
  readonly deadLetterQueue: sqs.Queue;
  /** Role the schedules assume; pass it as `role` to further targets (the billing run). */
  readonly schedulerRole: iam.Role;
  private monthlyBillingRun?: scheduler.Schedule;
  private readonly stage: string;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    this.stage = props.stage;

    this.deadLetterQueue = deadLetterQueue(
      this,
      'DeadLetterQueue',
      'This queue is itself the dead-letter queue of the schedules; a failed run is re-run by hand from its message.',
    );

    this.lifecycleFunction = props.factory.create(this, 'LifecycleFunction', {
      folder: 'lifecycle',
      description: 'Daily contract lifecycle: renewal notices, auto-renewals, expiries',
      timeout: Duration.minutes(5),
      memorySize: 1024,
    });
    grantTableAccess(props.table, this.lifecycleFunction, 'lifecycle');
    this.lifecycleFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ArchiveChainDigests',
        actions: ['s3:PutObject'],
        resources: [props.auditArchive.arnForObjects(`${AUDIT_DIGEST_PREFIX}*`)],
      }),
    );
    const lifecyclePolicy = defaultPolicyOf(this.lifecycleFunction);
    if (lifecyclePolicy) {
      acknowledgeTableIndexes(lifecyclePolicy, props.table);
      acknowledgeWildcardResource(
        lifecyclePolicy,
        props.auditArchive.arnForObjects(`${AUDIT_DIGEST_PREFIX}*`),
        'One digest object per day under digests/<date>.json; the wildcard stays inside that prefix of the archive.',
      );
    }

    // One role for the scheduler's targets in this construct, so its policy is ours to review.
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler: invoke the scheduled jobs',
    });

    this.dailyLifecycle = new scheduler.Schedule(this, 'DailyLifecycle', {
      description: `Daily contract lifecycle (${props.stage})`,
      schedule: scheduler.ScheduleExpression.cron({ ...DAILY_LIFECYCLE_CRON, timeZone: TimeZone.ETC_UTC }),
      target: new targets.LambdaInvoke(this.lifecycleFunction, {
        input: scheduler.ScheduleTargetInput.fromObject({
          job: 'daily-lifecycle',
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        role: this.schedulerRole,
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
    const schedulerPolicy = this.schedulerRole.node.tryFindChild('DefaultPolicy');
    if (schedulerPolicy) acknowledgeFunctionVersions(schedulerPolicy, this.lifecycleFunction);
  }

  get hasMonthlyBillingRun(): boolean {
    return this.monthlyBillingRun !== undefined;
  }

  /**
   * The monthly billing run, targeting the billing workflow, e.g.
   * `schedules.addMonthlyBillingRun(new targets.StepFunctionsStartExecution(stateMachine, {...}))`.
   * The target's input should carry `ContextAttribute.scheduledTime` so the workflow bills the
   * month before the scheduled date. Only one monthly run can exist.
   */
  addMonthlyBillingRun(target: scheduler.IScheduleTarget): scheduler.Schedule {
    if (this.monthlyBillingRun) throw new Error('the monthly billing run schedule already exists');
    this.monthlyBillingRun = new scheduler.Schedule(this, 'MonthlyBillingRun', {
      description: `Monthly billing run of the previous month (${this.stage})`,
      schedule: scheduler.ScheduleExpression.cron({ ...MONTHLY_BILLING_RUN_CRON, timeZone: TimeZone.ETC_UTC }),
      target,
    });
    return this.monthlyBillingRun;
  }
}
