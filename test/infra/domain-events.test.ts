/**
 * The domain-events bus and its stream publisher in the synthesized service template: the bus
 * and its archive, a mapping of its own on the table's stream filtered to the items that can
 * raise an event, partial batch responses and a DLQ, and a role that can read and put its
 * markers and put events on this bus, nothing else.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { EVENT_ARCHIVE_RETENTION, EVENT_MARKER_ACTIONS } from '../../infra/constructs/domain-events';
import { EVENT_SOURCE, EVENT_SOURCES } from '../../shared/domain/events/domain-events';
import { asArray, functionOf, functionStatements, only, resourcesOf, type Synthesized, synthesize } from './support';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});

const actionsOf = (s: { Action?: string | string[] }) => asArray(s.Action);

function publisherMapping() {
  const [fnId] = functionOf(synth.service, 'events');
  const mappings = Object.values(resourcesOf(synth.service, 'AWS::Lambda::EventSourceMapping')).filter((m) => m.Properties!.FunctionName?.Ref === fnId);
  expect(mappings).toHaveLength(1);
  return mappings[0]!.Properties!;
}

describe('domain-events bus', () => {
  test('one bus, archived for replay with the events of this source', () => {
    const [busId] = only(resourcesOf(synth.service, 'AWS::Events::EventBus'));
    const [, archive] = only(resourcesOf(synth.service, 'AWS::Events::Archive'));
    expect(archive.Properties!.SourceArn).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
    expect(archive.Properties!.RetentionDays).toBe(EVENT_ARCHIVE_RETENTION.toDays());
    expect(archive.Properties!.EventPattern).toEqual({ source: [EVENT_SOURCE] });
  });

  test('its name and ARN are stack outputs for the ERP', () => {
    const [busId] = only(resourcesOf(synth.service, 'AWS::Events::EventBus'));
    const outputs = synth.service.toJSON().Outputs;
    expect(outputs.DomainEventsBusName.Value).toEqual({ Ref: busId });
    expect(outputs.DomainEventsBusArn.Value).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
  });

  test('the publisher is told the bus by name', () => {
    const [busId] = only(resourcesOf(synth.service, 'AWS::Events::EventBus'));
    const [, fn] = functionOf(synth.service, 'events');
    expect(fn.Properties!.Environment.Variables.EVENT_BUS_NAME).toEqual({ Ref: busId });
    // Nobody else publishes.
    const others = Object.values(resourcesOf(synth.service, 'AWS::Lambda::Function')).filter((f) => f !== fn);
    for (const other of others) expect(other.Properties!.Environment.Variables.EVENT_BUS_NAME).toBeUndefined();
  });
});

describe('stream mapping', () => {
  test('reads the table stream from the oldest record with bounded retries, bisection, partial failures and a DLQ', () => {
    const p = publisherMapping();
    expect(p).toMatchObject({
      EventSourceArn: { 'Fn::ImportValue': 'CtvBilling-test-TableStreamArn' },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ParallelizationFactor: 1,
    });
    expect(p.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(p.MaximumRetryAttempts).toBeLessThanOrEqual(10);
    const queueId = p.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0];
    expect(synth.service.toJSON().Resources[queueId]).toMatchObject({ Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } });
  });

  test('lets through only inserts and updates of the item kinds, in the statuses, that raise events', () => {
    const patterns = (publisherMapping().FilterCriteria.Filters as { Pattern: string }[]).map((f) => JSON.parse(f.Pattern));
    expect(patterns).toEqual(
      Object.entries(EVENT_SOURCES).map(([entityType, statuses]) => ({
        eventName: ['INSERT', 'MODIFY'],
        dynamodb: { NewImage: { entityType: { S: [entityType] }, status: { S: statuses } } },
      })),
    );
    // Lambda accepts at most five filters per mapping.
    expect(patterns.length).toBeLessThanOrEqual(5);
  });
});

describe('least privilege', () => {
  test('reads and puts its markers only, and puts events on its bus only', () => {
    const [fnId] = functionOf(synth.service, 'events');
    const [busId] = only(resourcesOf(synth.service, 'AWS::Events::EventBus'));
    const statements = functionStatements(synth.service, fnId);
    const allows = statements.filter((s) => s.Effect === 'Allow');
    // Its markers in the table; the stream itself through the mapping's own grants.
    const table = allows.filter((s) => JSON.stringify(s.Resource).includes('CtvBilling-test-TableArn'));
    expect(table.map((s) => actionsOf(s)).flat().sort()).toEqual(Object.values(EVENT_MARKER_ACTIONS).sort());
    for (const s of table) {
      expect((s as { Condition?: unknown }).Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EVENTPUB#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } });
      expect(s.Resource).toEqual({ 'Fn::ImportValue': 'CtvBilling-test-TableArn' });
    }
    const stream = allows.filter((s) => JSON.stringify(s.Resource).includes('CtvBilling-test-TableStreamArn')).flatMap(actionsOf);
    expect(stream.sort()).toEqual(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']);
    expect(allows.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([...Object.values(EVENT_MARKER_ACTIONS), ...stream].sort());

    const publish = allows.filter((s) => actionsOf(s).some((a) => a.startsWith('events:')));
    expect(publish).toHaveLength(1);
    expect(actionsOf(publish[0]!)).toEqual(['events:PutEvents']);
    expect(publish[0]!.Resource).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });

    const allowed = allows.flatMap(actionsOf);
    expect(allowed.filter((a) => !/^(dynamodb|events|logs|xray):/.test(a) && !a.startsWith('sqs:'))).toEqual([]);
    // SQS only to hand failed batches to its own dead-letter queue.
    const queues = allows.filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
    expect(queues.map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringContaining('DomainEventsDeadLetterQueue')]);
    expect(allowed.filter((a) => a.startsWith('logs:') && !['logs:CreateLogStream', 'logs:PutLogEvents'].includes(a))).toEqual([]);
    const deny = statements.find((s) => s.Effect === 'Deny') as { Condition?: unknown } | undefined;
    expect(deny?.Condition).toEqual({ 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*', 'AUDITEVENT#*'] } });
  });
});
