import { beforeAll, describe, expect, test } from 'vitest';
import { RESOURCE_STAR_ACTIONS } from '../../infra/constructs/acknowledgements';
import { GROUP_ACCESS } from '../../infra/constructs/api';
import { AUDIT_DIGEST_PREFIX, AUDIT_ENTRY_PREFIX, AUDIT_IMAGE_PREFIX, AUDIT_TABLE_ACTIONS } from '../../infra/constructs/audit-log';
import { archiveDigestKey, archiveEntryKey, archiveImageKey } from '../../shared/adapters/s3/audit-archive';
import { DAILY_LIFECYCLE_CRON } from '../../infra/constructs/schedules';
import { FunctionGroup, ROUTES, routeKey } from '../../shared/schemas/api/routes';
import { UNAUDITED_PREFIXES } from '../../shared/adapters/dynamodb/table';
import {
  asArray,
  functionOf,
  functionStatements,
  identityStatements,
  only,
  resourcesOf,
  type Synthesized,
  synthesize,
} from './support';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});

const GROUPS = Object.values(FunctionGroup);
const actionsOf = (s: { Action?: string | string[] }) => asArray(s.Action);
const resourcesIn = (s: { Resource?: unknown }) => asArray(s.Resource as unknown[]);

describe('HTTP API', () => {
  test('has exactly the routes of the route table', () => {
    const routes = Object.values(resourcesOf(synth.service, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties!.RouteKey);
    expect(routes.sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  test('puts the JWT authorizer and the API scope on every route with roles, and nothing on public ones', () => {
    const [authorizerId, authorizer] = only(resourcesOf(synth.service, 'AWS::ApiGatewayV2::Authorizer'));
    expect(authorizer.Properties).toMatchObject({ AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
    expect(JSON.stringify(authorizer.Properties!.JwtConfiguration.Issuer)).toContain('CtvBilling-test-JwtIssuer');

    const byKey = new Map(
      Object.values(resourcesOf(synth.service, 'AWS::ApiGatewayV2::Route')).map((r) => [r.Properties!.RouteKey, r.Properties!]),
    );
    for (const route of ROUTES) {
      const props = byKey.get(routeKey(route))!;
      if (route.roles === null) {
        expect(props.AuthorizationType, routeKey(route)).toBe('NONE');
        expect(props.AuthorizerId, routeKey(route)).toBeUndefined();
      } else {
        expect(props.AuthorizationType, routeKey(route)).toBe('JWT');
        expect(props.AuthorizerId, routeKey(route)).toEqual({ Ref: authorizerId });
        expect(props.AuthorizationScopes, routeKey(route)).toEqual(['ctv-billing/api']);
      }
    }
  });

  test('sends every route to the Lambda of its group', () => {
    const integrations = resourcesOf(synth.service, 'AWS::ApiGatewayV2::Integration');
    const functionIdOfGroup = Object.fromEntries(GROUPS.map((g) => [g, functionOf(synth.service, g)[0]]));
    for (const r of Object.values(resourcesOf(synth.service, 'AWS::ApiGatewayV2::Route'))) {
      const integrationId = (r.Properties!.Target['Fn::Join'][1] as any[])[1].Ref as string;
      const uri = integrations[integrationId]!.Properties!.IntegrationUri;
      const route = ROUTES.find((x) => routeKey(x) === r.Properties!.RouteKey)!;
      expect(uri, routeKey(route)).toEqual({ 'Fn::GetAtt': [functionIdOfGroup[route.group], 'Arn'] });
      expect(integrations[integrationId]!.Properties!.PayloadFormatVersion).toBe('2.0');
    }
  });

  test('an external issuer is used as configured', () => {
    const external = synthesize({ auth: { kind: 'issuer', issuer: 'https://idp.example.com/', audience: ['billing-api'], scope: 'billing/api' } });
    external.service.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: 'https://idp.example.com/', Audience: ['billing-api'] },
    });
    const scopes = Object.values(resourcesOf(external.service, 'AWS::ApiGatewayV2::Route'))
      .map((r) => r.Properties!.AuthorizationScopes)
      .filter(Boolean);
    expect(scopes.length).toBe(ROUTES.filter((r) => r.roles !== null).length);
    for (const s of scopes) expect(s).toEqual(['billing/api']);
  });

  test('logs access to a log group with a retention', () => {
    const [, stage] = only(resourcesOf(synth.service, 'AWS::ApiGatewayV2::Stage'));
    expect(stage.Properties).toMatchObject({ StageName: '$default', AutoDeploy: true });
    const logGroupId = stage.Properties!.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    expect(JSON.parse(stage.Properties!.AccessLogSettings.Format)).toMatchObject({ requestId: '$context.requestId' });
    expect(synth.service.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBeGreaterThan(0);
  });
});

describe('functions', () => {
  test('one per route group, plus the audit consumer and the lifecycle job', () => {
    for (const folder of [...GROUPS, 'audit', 'lifecycle']) expect(() => functionOf(synth.service, folder)).not.toThrow();
  });

  test('all run Node.js 22 or newer on arm64, traced, logging JSON to a log group with a retention', () => {
    const resources = synth.service.toJSON().Resources;
    const functions = resourcesOf(synth.service, 'AWS::Lambda::Function');
    expect(Object.keys(functions).length).toBeGreaterThanOrEqual(GROUPS.length + 2);
    for (const [id, fn] of Object.entries(functions)) {
      const p = fn.Properties!;
      const version = Number(/^nodejs(\d+)\.x$/.exec(p.Runtime)?.[1]);
      expect(version, id).toBeGreaterThanOrEqual(22);
      expect(p.Architectures, id).toEqual(['arm64']);
      expect(p.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect(p.LoggingConfig.LogFormat, id).toBe('JSON');
      const logGroupId = p.LoggingConfig.LogGroup.Ref as string;
      expect(resources[logGroupId].Type, id).toBe('AWS::Logs::LogGroup');
      expect(resources[logGroupId].Properties.RetentionInDays, id).toBeGreaterThan(0);
      expect(p.Environment.Variables, id).toMatchObject({
        TABLE_NAME: expect.anything(),
        EXPORTS_BUCKET: { 'Fn::ImportValue': 'CtvBilling-test-ExportsBucketName' },
        USAGE_BUCKET: { 'Fn::ImportValue': 'CtvBilling-test-UsageBucketName' },
        AUDIT_ARCHIVE_BUCKET: { 'Fn::ImportValue': 'CtvBilling-test-AuditArchiveBucketName' },
        STAGE: 'test',
      });
      expect(JSON.parse(p.Environment.Variables.APPROVAL_THRESHOLDS), id).toEqual({ USD: '100000.00', EUR: '100000.00', GBP: '100000.00' });
    }
  });

  test('roles carry no AWS managed policy (no account-wide logs:* from AWSLambdaBasicExecutionRole)', () => {
    for (const [id, role] of Object.entries(resourcesOf(synth.service, 'AWS::IAM::Role'))) {
      expect(role.Properties!.ManagedPolicyArns, id).toBeUndefined();
    }
  });
});

describe('least privilege', () => {
  test('no statement allows every action, or a whole service, and Resource "*" only for actions that cannot be scoped', () => {
    for (const template of [synth.stateful, synth.service]) {
      for (const { owner, statement } of identityStatements(template)) {
        expect(statement.NotAction, owner).toBeUndefined();
        expect(statement.NotResource, owner).toBeUndefined();
        for (const action of actionsOf(statement)) {
          expect(action, owner).not.toBe('*');
          expect(action, owner).not.toMatch(/^[a-z0-9-]+:\*$/);
        }
        if (statement.Effect === 'Allow' && resourcesIn(statement).includes('*')) {
          for (const action of actionsOf(statement)) expect(RESOURCE_STAR_ACTIONS as readonly string[], `${owner}: ${action}`).toContain(action);
        }
      }
    }
  });

  test('table access follows the group access table: the public group has none', () => {
    for (const group of GROUPS) {
      const [fnId] = functionOf(synth.service, group);
      const actions = functionStatements(synth.service, fnId).flatMap(actionsOf);
      const dynamo = actions.filter((a) => a.startsWith('dynamodb:'));
      const access = GROUP_ACCESS[group];
      if (access.table === 'none') expect(dynamo, group).toEqual([]);
      if (access.table === 'read') expect(dynamo.some((a) => /PutItem|UpdateItem|DeleteItem/.test(a)), group).toBe(false);
      if (access.table === 'readWrite') expect(dynamo, group).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query']));
      const s3 = actions.filter((a) => a.startsWith('s3:'));
      expect(s3.some((a) => a.startsWith('s3:Delete')), group).toBe(false);
      // Groups that write keep idempotency records, whose large responses go to exports/idempotency/.
      const overflow = functionStatements(synth.service, fnId).filter((s) => JSON.stringify(s.Resource).includes('/idempotency/*'));
      if (access.table === 'readWrite') expect(overflow.flatMap(actionsOf).sort(), group).toEqual(['s3:GetObject', 's3:PutObject']);
      else expect(overflow, group).toEqual([]);
      // The invoices group renders invoice PDFs: it writes and reads exports/documents/* and nothing else of the bucket.
      const documents = functionStatements(synth.service, fnId).filter((s) => JSON.stringify(s.Resource).includes('/documents/*'));
      if (access.invoiceDocuments) {
        expect(documents.flatMap(actionsOf).sort(), group).toEqual(['s3:GetObject', 's3:PutObject']);
        expect(documents.flatMap((s) => asArray(s.Resource as unknown[])), group).toHaveLength(1);
      } else expect(documents, group).toEqual([]);
      const otherS3 = functionStatements(synth.service, fnId)
        .filter((s) => !overflow.includes(s) && !documents.includes(s))
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('s3:'));
      if (!access.exportsRead) expect(otherS3, group).toEqual([]);
      else expect([...new Set(otherS3)].sort(), group).toEqual(['s3:GetObject', 's3:ListBucket']);
    }
  });

  test('the audit consumer can append and read, never delete', () => {
    const [fnId] = functionOf(synth.service, 'audit');
    const statements = functionStatements(synth.service, fnId).filter((s) => s.Effect === 'Allow');
    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((a) => /delete|BatchWriteItem|PartiQL/i.test(a))).toEqual([]);
    expect(actions).toEqual(expect.arrayContaining([...AUDIT_TABLE_ACTIONS]));
    const s3Statements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3Statements.flatMap(actionsOf).sort()).toEqual(['s3:GetObject', 's3:PutObject']);
    const put = s3Statements.find((s) => actionsOf(s).includes('s3:PutObject'))!;
    expect(JSON.stringify(put.Resource)).toContain('CtvBilling-test-AuditArchiveBucketName');
    expect(JSON.stringify(put.Resource)).toContain(`/${AUDIT_ENTRY_PREFIX}*`);
    expect(JSON.stringify(put.Resource)).toContain(`/${AUDIT_IMAGE_PREFIX}*`);
    const get = s3Statements.find((s) => actionsOf(s).includes('s3:GetObject'))!;
    expect(JSON.stringify(get.Resource)).toContain(`/${AUDIT_ENTRY_PREFIX}*`);
  });

  test('the lifecycle job may only add daily chain digests to the archive', () => {
    const [fnId] = functionOf(synth.service, 'lifecycle');
    const s3Statements = functionStatements(synth.service, fnId).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3Statements.flatMap(actionsOf)).toEqual(['s3:PutObject']);
    expect(JSON.stringify(s3Statements[0]!.Resource)).toContain('CtvBilling-test-AuditArchiveBucketName');
    expect(JSON.stringify(s3Statements[0]!.Resource)).toContain(`/${AUDIT_DIGEST_PREFIX}*`);
  });

  test('the archive prefixes granted are the ones the archive adapter writes', () => {
    expect(archiveEntryKey('CONTRACT#c1', 7).startsWith(AUDIT_ENTRY_PREFIX)).toBe(true);
    expect(archiveDigestKey('2026-01-31').startsWith(AUDIT_DIGEST_PREFIX)).toBe(true);
    expect(archiveImageKey('ab'.repeat(32)).startsWith(AUDIT_IMAGE_PREFIX)).toBe(true);
  });
});

describe('audit stream consumer', () => {
  /** The audit function's mapping (the domain-events publisher has its own on the same stream). */
  const auditMapping = () => {
    const [fnId] = functionOf(synth.service, 'audit');
    const mappings = Object.values(resourcesOf(synth.service, 'AWS::Lambda::EventSourceMapping')).filter((m) => m.Properties!.FunctionName?.Ref === fnId);
    expect(mappings).toHaveLength(1);
    return mappings[0]!;
  };

  test('reads the table stream from the oldest record with bounded retries, bisection, partial failures and a DLQ', () => {
    const mapping = auditMapping();
    const p = mapping.Properties!;
    expect(p).toMatchObject({
      EventSourceArn: { 'Fn::ImportValue': 'CtvBilling-test-TableStreamArn' },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 1000,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ParallelizationFactor: 1,
    });
    expect(p.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(p.MaximumRetryAttempts).toBeLessThanOrEqual(10);
    expect(p.MaximumRecordAgeInSeconds).toBeGreaterThan(0);
    const [fnId] = functionOf(synth.service, 'audit');
    expect(p.FunctionName).toEqual({ Ref: fnId });

    const queueId = p.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0];
    const queue = synth.service.toJSON().Resources[queueId];
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const queuePolicies = Object.values(resourcesOf(synth.service, 'AWS::SQS::QueuePolicy')).filter((qp) =>
      JSON.stringify(qp.Properties!.Queues).includes(queueId),
    );
    expect(JSON.stringify(queuePolicies)).toContain('"aws:SecureTransport":"false"');
  });

  test("drops the consumer's own bookkeeping records before they reach it, never an audited key", () => {
    const mapping = auditMapping();
    const patterns = (mapping.Properties!.FilterCriteria.Filters as { Pattern: string }[]).map((f) => JSON.parse(f.Pattern));
    expect(patterns).toEqual([{ dynamodb: { Keys: { sk: { S: [{ 'anything-but': ['AUDITEVENT', 'IDEMPOTENCY', 'EVENTPUB'] }] } } } }]);
    // Every excluded sort key belongs to an item whose pk is never audited anyway.
    for (const sk of ['AUDITEVENT', 'IDEMPOTENCY', 'EVENTPUB']) expect(UNAUDITED_PREFIXES.some((p) => p.startsWith(sk))).toBe(true);
  });
});

describe('schedules', () => {
  test('the daily lifecycle job runs every day in UTC with the scheduled time as input, retries and a DLQ', () => {
    const [fnId] = functionOf(synth.service, 'lifecycle');
    const schedules = Object.values(resourcesOf(synth.service, 'AWS::Scheduler::Schedule')).filter(
      (s) => JSON.stringify(s.Properties!.Target.Arn).includes(fnId),
    );
    expect(schedules).toHaveLength(1);
    const p = schedules[0]!.Properties!;
    expect(p.ScheduleExpression).toBe(`cron(${DAILY_LIFECYCLE_CRON.minute} ${DAILY_LIFECYCLE_CRON.hour} * * ? *)`);
    expect(p.ScheduleExpressionTimezone).toBe('Etc/UTC');
    expect(p.State).toBe('ENABLED');
    expect(JSON.parse(p.Target.Input)).toEqual({ job: 'daily-lifecycle', scheduledTime: '<aws.scheduler.scheduled-time>' });
    expect(p.Target.RetryPolicy.MaximumRetryAttempts).toBe(3);
    expect(p.Target.DeadLetterConfig.Arn).toBeDefined();
  });

  test('the monthly billing run slot holds the billing workflow start and fires on the 3rd of each month', async () => {
    const targets = await import('aws-cdk-lib/aws-scheduler-targets');
    const withRun = synthesize();
    const crons = Object.values(resourcesOf(withRun.service, 'AWS::Scheduler::Schedule')).map((s) => s.Properties!.ScheduleExpression);
    expect(crons).toContain('cron(0 6 3 * ? *)');
    expect(() => withRun.deployment.service.schedules.addMonthlyBillingRun(new targets.LambdaInvoke(withRun.deployment.service.schedules.lifecycleFunction))).toThrow(/already exists/);
  });
});

describe('usage files', () => {
  test('the usage bucket sends its events to EventBridge', () => {
    const bucket = synth.stateful.toJSON().Resources.UsageBucket;
    expect(bucket.Properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
  });

  test('objects created under usage/ in the usage bucket invoke the usage-file function with an S3-shaped record', () => {
    const [fnId] = functionOf(synth.service, 'usage-file');
    const rules = Object.values(resourcesOf(synth.service, 'AWS::Events::Rule')).filter((r) =>
      JSON.stringify(r.Properties!.Targets).includes(fnId),
    );
    expect(rules).toHaveLength(1);
    const p = rules[0]!.Properties!;
    expect(p.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        bucket: { name: [{ 'Fn::ImportValue': 'CtvBilling-test-UsageBucketName' }] },
        object: { key: [{ prefix: 'usage/' }] },
      },
    });
    const target = p.Targets[0];
    expect(target.RetryPolicy.MaximumRetryAttempts).toBe(4);
    expect(target.DeadLetterConfig.Arn).toBeDefined();
    expect(target.InputTransformer.InputPathsMap).toMatchObject({
      'detail-bucket-name': '$.detail.bucket.name',
      'detail-object-key': '$.detail.object.key',
      'detail-object-etag': '$.detail.object.etag',
    });
    const template = target.InputTransformer.InputTemplate as string;
    // Fill the placeholders the way EventBridge does (with JSON values) and read the record the handler gets.
    const values: Record<string, string> = {
      'detail-bucket-name': 'usage-bucket',
      'detail-object-key': 'usage/ctr_1/impressions/jan.csv',
      'detail-object-etag': 'abc',
      'detail-requester': '123456789012',
      time: '2026-01-31T00:00:00Z',
    };
    const record = JSON.parse(template.replace(/<([a-z-]+)>/g, (_, name: string) => JSON.stringify(values[name]))).Records[0];
    expect(record.s3).toEqual({ bucket: { name: 'usage-bucket' }, object: { key: 'usage/ctr_1/impressions/jan.csv', eTag: 'abc' } });
    expect(record.userIdentity).toEqual({ principalId: '123456789012' });
  });

  test('the usage-file function reads files and reports, writes only reports, and deletes nothing', () => {
    const [fnId] = functionOf(synth.service, 'usage-file');
    const s3Statements = functionStatements(synth.service, fnId).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    const grants = s3Statements.flatMap((s) => actionsOf(s).map((a) => `${a} ${JSON.stringify(s.Resource)}`));
    expect(grants.filter((g) => g.startsWith('s3:PutObject'))).toHaveLength(1);
    expect(grants.find((g) => g.startsWith('s3:PutObject'))).toContain('/reports/*');
    expect(grants.some((g) => g.startsWith('s3:ListBucket'))).toBe(true);
    expect(grants.filter((g) => /s3:Delete/.test(g))).toEqual([]);
  });
});
