/**
 * Alarms and the one dashboard of a stage, all alarms to one SNS topic.
 *
 * Alarms (each sends ALARM and OK to the topic):
 * - API 5xx rate: the HTTP API's 5xx over its request count, above API_5XX_RATE_PERCENT over 5 min;
 * - throttles of every Lambda function of the stack;
 * - the audit consumer's IteratorAge (the stream falling behind), and the audit lag the consumer
 *   itself measures per record (EMF `AuditLagMs`), both above AUDIT_LAG_LIMIT;
 * - any message in a dead-letter queue (audit stream, schedules, usage files): something was given up on;
 * - billing run executions that failed or timed out.
 *
 * Create it last in the stack: it finds the stack's functions when it is built.
 *
 * The topic is encrypted with a key of its own (CloudWatch cannot publish to a topic encrypted
 * with the AWS-managed SNS key) and refuses anything but TLS. Subscribe people or a pager to it.
 */
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MetricDimension, MetricName } from '../../functions/runtime/metric-names';
import type { Api } from './api';
import type { AuditLog } from './audit-log';
import type { DomainEvents } from './domain-events';
import { BILLING_STATE, BILLING_TASK_FOLDERS, type BillingWorkflow } from './billing-workflow';
import type { Schedules } from './schedules';
import { USAGE_FILE_FOLDER, type UsageFiles } from './usage-files';

export const ALARM_PERIOD = Duration.minutes(5);
/** 5xx answers per 100 requests over ALARM_PERIOD. */
export const API_5XX_RATE_PERCENT = 1;
/** How far the audit log may run behind the table before someone is told. */
export const AUDIT_LAG_LIMIT = Duration.minutes(5);

export interface ObservabilityProps {
  stage: string;
  /** The functions' service-name prefix (POWERTOOLS_SERVICE_NAME is `<prefix>-<folder>`). */
  serviceName: string;
  api: Api;
  auditLog: AuditLog;
  schedules: Schedules;
  usageFiles: UsageFiles;
  billingWorkflow: BillingWorkflow;
  domainEvents: DomainEvents;
}

export class Observability extends Construct {
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm, by a stable name (also its construct id). */
  readonly alarms: Record<string, cloudwatch.Alarm> = {};
  private readonly props: ObservabilityProps;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.props = props;
    const { api, auditLog, schedules, usageFiles, billingWorkflow } = props;

    this.topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: `Encrypts the alarm topic of ctv-billing ${props.stage}`,
      enableKeyRotation: true,
    });
    // Alarms publish through CloudWatch, which must be able to use the key.
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `ctv-billing ${props.stage} alarms`,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // The TLS-only policy replaces the topic's default one, so CloudWatch is allowed explicitly.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );

    // --- API -------------------------------------------------------------------------------
    const requests = api.httpApi.metricCount({ period: ALARM_PERIOD, statistic: 'Sum' });
    const serverErrors = api.httpApi.metricServerError({ period: ALARM_PERIOD, statistic: 'Sum' });
    const errorRate = new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { errors: serverErrors, requests },
      period: ALARM_PERIOD,
      label: 'API 5xx (% of requests)',
    });
    this.alarm('Api5xxRate', errorRate, {
      threshold: API_5XX_RATE_PERCENT,
      description: `More than ${API_5XX_RATE_PERCENT}% of API requests answered 5xx over ${ALARM_PERIOD.toMinutes()} minutes.`,
    });

    // --- Functions ---------------------------------------------------------------------------
    const functions = Stack.of(this)
      .node.findAll()
      .filter((c): c is lambda.Function => c instanceof lambda.Function);
    for (const fn of functions) {
      this.alarm(`${fn.node.path.split('/').slice(1).join('')}Throttles`, fn.metricThrottles({ period: ALARM_PERIOD, statistic: 'Sum' }), {
        threshold: 0,
        description: `Lambda throttled invocations of ${fn.node.path} (concurrency exhausted).`,
      });
    }

    // --- Audit -------------------------------------------------------------------------------
    const iteratorAge = auditLog.consumer.metric('IteratorAge', { period: ALARM_PERIOD, statistic: 'Maximum' });
    this.alarm('AuditIteratorAge', iteratorAge, {
      threshold: AUDIT_LAG_LIMIT.toMilliseconds(),
      description: `The audit consumer is more than ${AUDIT_LAG_LIMIT.toMinutes()} minutes behind the table's stream.`,
    });
    const auditLag = this.appMetric('audit', MetricName.AUDIT_LAG, 'Maximum');
    this.alarm('AuditLag', auditLag, {
      threshold: AUDIT_LAG_LIMIT.toMilliseconds(),
      description: `Audit entries are recorded more than ${AUDIT_LAG_LIMIT.toMinutes()} minutes after their change (AuditLagMs).`,
    });

    // --- Domain events -----------------------------------------------------------------------
    this.alarm('DomainEventsIteratorAge', props.domainEvents.publisher.metric('IteratorAge', { period: ALARM_PERIOD, statistic: 'Maximum' }), {
      threshold: AUDIT_LAG_LIMIT.toMilliseconds(),
      description: `The domain-events publisher is more than ${AUDIT_LAG_LIMIT.toMinutes()} minutes behind the table's stream: the ERP gets events late.`,
    });

    // --- Dead-letter queues ------------------------------------------------------------------
    const queues: Record<string, sqs.IQueue> = {
      AuditDeadLetters: auditLog.deadLetterQueue,
      SchedulerDeadLetters: schedules.deadLetterQueue,
      UsageFileDeadLetters: usageFiles.deadLetterQueue,
      DomainEventDeadLetters: props.domainEvents.deadLetterQueue,
    };
    for (const [name, queue] of Object.entries(queues)) {
      this.alarm(name, queue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }), {
        threshold: 0,
        description: `${name}: a message is waiting in a dead-letter queue; something was given up on and needs replaying by hand.`,
      });
    }

    // --- Billing runs ------------------------------------------------------------------------
    const machine: sfn.StateMachine = billingWorkflow.stateMachine;
    const failed = machine.metricFailed({ period: ALARM_PERIOD, statistic: 'Sum' });
    const timedOut = machine.metricTimedOut({ period: ALARM_PERIOD, statistic: 'Sum' });
    this.alarm('BillingRunFailed', failed, { threshold: 0, description: 'A billing run execution failed: its run is FAILED with a reason (GET /v1/billing-runs/{id}).' });
    this.alarm('BillingRunTimedOut', timedOut, { threshold: 0, description: 'A billing run execution timed out.' });

    // --- Dashboard ---------------------------------------------------------------------------
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(24) });
    const width = 8;
    const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
      new cloudwatch.GraphWidget({ title, left, right, width, height: 6 });
    const task = (state: keyof typeof billingWorkflow.functions) => billingWorkflow.functions[state];
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `# ctv-billing ${props.stage}: API`, width: 24, height: 1 }));
    this.dashboard.addWidgets(
      graph('API requests and 5xx', [requests], [serverErrors]),
      graph('API 5xx rate (%)', [errorRate]),
      graph('API latency (p50, p99)', [
        api.httpApi.metricLatency({ period: ALARM_PERIOD, statistic: 'p50' }),
        api.httpApi.metricLatency({ period: ALARM_PERIOD, statistic: 'p99' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'API function errors',
        Object.values(api.handlers).map((fn) => fn.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum', label: fn.node.id })),
      ),
      graph(
        'API function duration (p99)',
        Object.values(api.handlers).map((fn) => fn.metricDuration({ period: ALARM_PERIOD, statistic: 'p99', label: fn.node.id })),
      ),
      graph('Throttles (all functions)', functions.map((fn) => fn.metricThrottles({ period: ALARM_PERIOD, statistic: 'Sum', label: fn.node.id }))),
    );
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# Audit log', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      graph('Audit lag (ms): consumer-measured and stream iterator age', [auditLag, this.appMetric('audit', MetricName.AUDIT_LAG, 'p50')], [iteratorAge]),
      graph('Audit consumer errors', [auditLog.consumer.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' })]),
      graph('Dead-letter queues (messages)', Object.values(queues).map((q) => q.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }))),
    );
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# Billing runs', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      graph('Billing run executions', [
        machine.metricStarted({ period: ALARM_PERIOD, statistic: 'Sum' }),
        machine.metricSucceeded({ period: ALARM_PERIOD, statistic: 'Sum' }),
        failed,
        timedOut,
      ]),
      graph('Billing run duration (ms)', [this.appMetric(BILLING_TASK_FOLDERS[BILLING_STATE.COMPLETE], MetricName.BILLING_RUN_DURATION, 'Maximum')]),
      graph('Invoices written and runs failed', [
        this.appMetric(BILLING_TASK_FOLDERS[BILLING_STATE.RATE_CONTRACT], MetricName.INVOICES_WRITTEN, 'Sum'),
        this.appMetric(BILLING_TASK_FOLDERS[BILLING_STATE.MARK_FAILED], MetricName.BILLING_RUNS_FAILED, 'Sum'),
      ], [task(BILLING_STATE.RATE_CONTRACT).metricErrors({ period: ALARM_PERIOD, statistic: 'Sum', label: 'RateContract errors' })]),
    );
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# Usage ingestion', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      graph('Rows accepted and rejected (bulk files)', [
        this.appMetric(USAGE_FILE_FOLDER, MetricName.INGEST_ROWS_ACCEPTED, 'Sum'),
        this.appMetric(USAGE_FILE_FOLDER, MetricName.INGEST_ROWS_REJECTED, 'Sum'),
      ]),
      graph('Rows accepted (API)', [this.appMetric('usage', MetricName.INGEST_ROWS_ACCEPTED, 'Sum')]),
      graph('Usage-file function', [usageFiles.ingestFunction.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' })], [
        usageFiles.ingestFunction.metricDuration({ period: ALARM_PERIOD, statistic: 'Maximum' }),
      ]),
    );

    new CfnOutput(this, 'AlarmTopicArn', { value: this.topic.topicArn, description: 'SNS topic of every alarm; subscribe to it' });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboardName, description: 'CloudWatch dashboard of the stage' });
  }

  /** A metric the functions emit as EMF, as written by the function of `folder`. */
  appMetric(folder: string, name: string, statistic: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { [MetricDimension.SERVICE]: `${this.props.serviceName}-${folder}`, [MetricDimension.STAGE]: this.props.stage },
      period: ALARM_PERIOD,
      statistic,
    });
  }

  private alarm(name: string, metric: cloudwatch.IMetric, options: { threshold: number; description: string }): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, name, {
      metric,
      threshold: options.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No data means nothing happened (no requests, no failures, an empty queue).
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${options.description} (ctv-billing ${this.props.stage})`,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms[name] = alarm;
    return alarm;
  }
}
