/**
 * infra/constructs/observability.ts in the synthesized service stack: every alarm with its
 * metric, statistic and threshold, all of them to the one encrypted TLS-only topic, one
 * dashboard with the API, audit, billing and ingestion widgets. Also the billing group's
 * write access to the exports (GET /v1/exports rewrites the period's files).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { ALARM_PERIOD, API_5XX_RATE_PERCENT, AUDIT_LAG_LIMIT } from '../../infra/constructs/observability';
import { EXPORT_PREFIX } from '../../infra/constructs/billing-workflow';
import { METRICS_NAMESPACE, MetricName } from '../../functions/runtime/metric-names';
import { asArray, functionOf, functionStatements, only, resourcesOf, type CfnResource, type Synthesized, synthesize } from './support';

let synth: Synthesized;
let alarms: Record<string, CfnResource>;
let topicId: string;

beforeAll(() => {
  synth = synthesize();
  alarms = resourcesOf(synth.service, 'AWS::CloudWatch::Alarm');
  [topicId] = only(resourcesOf(synth.service, 'AWS::SNS::Topic'));
});

const PERIOD_S = ALARM_PERIOD.toSeconds();
const alarmsOf = (metricName: string, namespace: string) =>
  Object.entries(alarms).filter(([, a]) => a.Properties!.MetricName === metricName && a.Properties!.Namespace === namespace);
const dimension = (alarm: CfnResource, name: string) => (alarm.Properties!.Dimensions as { Name: string; Value: unknown }[]).find((d) => d.Name === name)?.Value;
const refTo = (value: unknown) => JSON.stringify(value);

describe('alarms', () => {
  test('API 5xx rate: 5xx / requests of the HTTP API over 5 minutes, above 1%', () => {
    const rate = Object.values(alarms).filter((a) => a.Properties!.Metrics);
    expect(rate).toHaveLength(1);
    const props = rate[0]!.Properties!;
    expect(props).toMatchObject({ Threshold: API_5XX_RATE_PERCENT, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    const metrics = props.Metrics as any[];
    const expression = metrics.find((m) => m.Expression);
    expect(expression.Expression).toBe('IF(requests > 0, 100 * errors / requests, 0)');
    const stat = (id: string) => metrics.find((m) => m.Id === id).MetricStat;
    expect(stat('errors')).toMatchObject({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5xx' }, Period: PERIOD_S, Stat: 'Sum' });
    expect(stat('requests')).toMatchObject({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count' }, Period: PERIOD_S, Stat: 'Sum' });
    const [apiId] = only(resourcesOf(synth.service, 'AWS::ApiGatewayV2::Api'));
    expect(stat('errors').Metric.Dimensions).toEqual([{ Name: 'ApiId', Value: { Ref: apiId } }]);
  });

  test('Lambda throttles: one alarm on every function of the stack, any throttle', () => {
    const functions = Object.keys(resourcesOf(synth.service, 'AWS::Lambda::Function'));
    const throttles = alarmsOf('Throttles', 'AWS/Lambda');
    expect(throttles.map(([, a]) => dimension(a, 'FunctionName')).sort((x, y) => refTo(x).localeCompare(refTo(y)))).toEqual(
      functions.map((id) => ({ Ref: id })).sort((x, y) => refTo(x).localeCompare(refTo(y))),
    );
    for (const [, a] of throttles) expect(a.Properties).toMatchObject({ Threshold: 0, Statistic: 'Sum', Period: PERIOD_S, ComparisonOperator: 'GreaterThanThreshold' });
  });

  test('stream consumers (audit, domain events) IteratorAge above 5 minutes', () => {
    const ages = alarmsOf('IteratorAge', 'AWS/Lambda');
    // One per stream consumer: the audit log and the domain-events publisher.
    expect(ages.map(([, a]) => dimension(a, 'FunctionName')).sort((x, y) => refTo(x).localeCompare(refTo(y)))).toEqual(
      ['audit', 'events'].map((folder) => ({ Ref: functionOf(synth.service, folder)[0] })).sort((x, y) => refTo(x).localeCompare(refTo(y))),
    );
    for (const [, alarm] of ages) expect(alarm.Properties).toMatchObject({ Threshold: AUDIT_LAG_LIMIT.toMilliseconds(), Statistic: 'Maximum', Period: PERIOD_S });
  });

  test('audit lag from the consumer\'s EMF metric, on the series the consumer writes', () => {
    const [, alarm] = only(Object.fromEntries(alarmsOf(MetricName.AUDIT_LAG, METRICS_NAMESPACE)));
    expect(alarm.Properties).toMatchObject({ Threshold: AUDIT_LAG_LIMIT.toMilliseconds(), Statistic: 'Maximum', Period: PERIOD_S });
    const [, consumer] = functionOf(synth.service, 'audit');
    expect(dimension(alarm, 'service')).toBe(consumer.Properties!.Environment.Variables.POWERTOOLS_SERVICE_NAME);
    expect(dimension(alarm, 'stage')).toBe(consumer.Properties!.Environment.Variables.STAGE);
  });

  test('dead-letter queues: any visible message in each of them', () => {
    const queues = Object.keys(resourcesOf(synth.service, 'AWS::SQS::Queue'));
    expect(queues.length).toBe(4);
    const depth = alarmsOf('ApproximateNumberOfMessagesVisible', 'AWS/SQS');
    expect(depth.map(([, a]) => (dimension(a, 'QueueName') as any)['Fn::GetAtt'][0]).sort()).toEqual([...queues].sort());
    for (const [, a] of depth) expect(a.Properties).toMatchObject({ Threshold: 0, Statistic: 'Maximum', ComparisonOperator: 'GreaterThanThreshold' });
  });

  test('billing runs: any failed and any timed-out execution of the state machine', () => {
    const [machineId] = only(resourcesOf(synth.service, 'AWS::StepFunctions::StateMachine'));
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      const [, alarm] = only(Object.fromEntries(alarmsOf(metric, 'AWS/States')));
      expect(alarm.Properties, metric).toMatchObject({ Threshold: 0, Statistic: 'Sum', ComparisonOperator: 'GreaterThanThreshold' });
      expect(dimension(alarm, 'StateMachineArn')).toEqual({ Ref: machineId });
    }
  });

  test('every alarm notifies the one topic of ALARM and OK, and treats missing data as fine', () => {
    expect(Object.keys(alarms).length).toBeGreaterThan(20);
    for (const [id, a] of Object.entries(alarms)) {
      expect(a.Properties!.AlarmActions, id).toEqual([{ Ref: topicId }]);
      expect(a.Properties!.OKActions, id).toEqual([{ Ref: topicId }]);
      expect(a.Properties!.TreatMissingData, id).toBe('notBreaching');
      expect(a.Properties!.AlarmDescription, id).toContain('ctv-billing test');
    }
  });
});

describe('alarm topic', () => {
  test('is encrypted with a rotated key of its own that CloudWatch may use', () => {
    const topic = synth.service.toJSON().Resources[topicId] as CfnResource;
    const [keyId, key] = only(resourcesOf(synth.service, 'AWS::KMS::Key'));
    expect(topic.Properties!.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(key.Properties!.EnableKeyRotation).toBe(true);
    const cloudwatch = (key.Properties!.KeyPolicy.Statement as any[]).find((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(asArray(cloudwatch.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
  });

  test('refuses anything but TLS and lets CloudWatch publish', () => {
    const [, policy] = only(resourcesOf(synth.service, 'AWS::SNS::TopicPolicy'));
    expect(policy.Properties!.Topics).toEqual([{ Ref: topicId }]);
    const statements = policy.Properties!.PolicyDocument.Statement as any[];
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }));
  });
});

describe('dashboard', () => {
  test('one dashboard with the API, audit, billing and ingestion widgets', () => {
    const [, dashboard] = only(resourcesOf(synth.service, 'AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties!.DashboardBody);
    for (const title of ['API requests and 5xx', 'API 5xx rate (%)', 'Audit lag (ms)', 'Dead-letter queues', 'Billing run executions', 'Billing run duration (ms)', 'Rows accepted and rejected (bulk files)']) {
      expect(body, title).toContain(title);
    }
    for (const name of Object.values(MetricName).filter((n) => n !== MetricName.API_REQUESTS && n !== MetricName.API_5XX)) expect(body, name).toContain(name);
    expect(body).toContain(METRICS_NAMESPACE);
    expect(body).toContain('ExecutionsFailed');
    expect(body).toContain('IteratorAge');
  });
});

describe('billing group and the exports', () => {
  test('only reads the exports (GET /v1/exports lists what the run wrote); its one write is idempotency overflow', () => {
    const [fnId] = functionOf(synth.service, 'billing');
    const puts = functionStatements(synth.service, fnId).filter((s) => asArray(s.Action).includes('s3:PutObject'));
    expect(puts).toHaveLength(1);
    const resources = asArray(puts[0]!.Resource as unknown[]);
    expect(resources).toHaveLength(1);
    const rendered = JSON.stringify(resources[0]);
    expect(rendered).toContain('CtvBilling-test-ExportsBucket');
    expect(rendered).toMatch(/\/idempotency\/\*"/);
    expect(rendered).not.toMatch(new RegExp(`/${EXPORT_PREFIX}\\*"`));
  });
});
