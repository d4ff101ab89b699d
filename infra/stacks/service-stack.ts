/**
 * Everything stateless: functions, the HTTP API, the audit and domain-event stream consumers
 * (with the domain-events bus) and the schedules.
 * It receives the stateful resources as props and may be destroyed and redeployed freely.
 *
 * The billing run (infra/constructs/billing-workflow.ts) is built from `this.lambdas`, the table
 * and the exports bucket; the billing API function may start it, and the monthly schedule does.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { LambdaCodeMode } from '../config';
import { Api } from '../constructs/api';
import { AuditLog } from '../constructs/audit-log';
import type { JwtIssuerSettings } from '../constructs/identity';
import { type FunctionEnvironment, LambdaFactory } from '../constructs/lambda';
import { Schedules } from '../constructs/schedules';
import { UsageFiles } from '../constructs/usage-files';
import { BillingWorkflow } from '../constructs/billing-workflow';
import { DomainEvents } from '../constructs/domain-events';
import { Observability } from '../constructs/observability';
import type { DataBuckets } from './stateful-stack';
import { importStateful, type StatefulExportNames } from './stateful-refs';

export interface ServiceStackProps extends StackProps {
  stage: string;
  /** Export names of the stateful stack of the same stage. */
  stateful: StatefulExportNames;
  jwt: JwtIssuerSettings;
  approvalThresholds: Record<string, string>;
  lambdaCode: LambdaCodeMode;
  /** The billing run's MaxConcurrency (BillingWorkflow's default when unset). */
  billingMaxConcurrency?: number;
}

export class ServiceStack extends Stack {
  /** Makes functions with the app's shared settings; use it for any new function. */
  readonly lambdas: LambdaFactory;
  readonly api: Api;
  readonly auditLog: AuditLog;
  readonly schedules: Schedules;
  readonly usageFiles: UsageFiles;
  readonly billingWorkflow: BillingWorkflow;
  /** The domain-events bus for the ERP and its stream publisher. */
  readonly domainEvents: DomainEvents;
  /** Alarms (to one SNS topic) and the dashboard; built last, it watches every function. */
  readonly observability: Observability;
  /** The stateful resources as seen from this stack (imports of the stateful stack's exports). */
  readonly table: dynamodb.ITableV2;
  readonly buckets: DataBuckets;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { table, buckets } = importStateful(this, props.stateful);
    this.table = table;
    this.buckets = buckets;

    const environment: FunctionEnvironment = {
      TABLE_NAME: table.tableName,
      EXPORTS_BUCKET: buckets.exports.bucketName,
      USAGE_BUCKET: buckets.usage.bucketName,
      AUDIT_ARCHIVE_BUCKET: buckets.auditArchive.bucketName,
      STAGE: props.stage,
      APPROVAL_THRESHOLDS: JSON.stringify(props.approvalThresholds),
    };
    const serviceName = 'ctv-billing';
    this.lambdas = new LambdaFactory({ code: props.lambdaCode, environment, serviceName });

    this.api = new Api(this, 'Api', {
      factory: this.lambdas,
      table: table,
      buckets: buckets,
      jwt: props.jwt,
      stage: props.stage,
    });
    this.auditLog = new AuditLog(this, 'AuditLog', {
      factory: this.lambdas,
      table: table,
      archiveBucket: buckets.auditArchive,
    });
    this.schedules = new Schedules(this, 'Schedules', {
      factory: this.lambdas,
      table,
      auditArchive: buckets.auditArchive,
      stage: props.stage,
    });
    this.domainEvents = new DomainEvents(this, 'DomainEvents', { factory: this.lambdas, table });
    this.usageFiles = new UsageFiles(this, 'UsageFiles', { factory: this.lambdas, table, usageBucket: buckets.usage });

    this.billingWorkflow = new BillingWorkflow(this, 'BillingWorkflow', {
      factory: this.lambdas,
      table,
      exportsBucket: buckets.exports,
      ...(props.billingMaxConcurrency !== undefined ? { maxConcurrency: props.billingMaxConcurrency } : {}),
    });
    this.billingWorkflow.allowStart(this.api.handlers.billing);
    this.schedules.addMonthlyBillingRun(
      this.billingWorkflow.monthlyScheduleTarget(this.schedules.schedulerRole, this.schedules.deadLetterQueue),
    );

    this.observability = new Observability(this, 'Observability', {
      stage: props.stage,
      serviceName,
      api: this.api,
      auditLog: this.auditLog,
      schedules: this.schedules,
      usageFiles: this.usageFiles,
      billingWorkflow: this.billingWorkflow,
      domainEvents: this.domainEvents,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.httpApi.apiEndpoint, description: 'Base URL of the v1 API' });
  }
}
