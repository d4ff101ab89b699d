/**
 * Domain events for the ERP: an EventBridge bus and the stream consumer that publishes to it
 * (functions/events/handler.ts), a second event source mapping on the table's stream beside the
 * audit log's.
 *
 * The mapping's filter lets through only inserts and updates of the item kinds, in the statuses,
 * that can raise an event (EVENT_SOURCES in shared/domain/events/domain-events.ts), so the
 * function is not invoked for usage, drafts in progress or the audit log's own writes. The
 * function may do three things: read and put its publication markers (`EVENTPUB#` items only,
 * through dynamodb:LeadingKeys), and events:PutEvents on this bus alone.
 */
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE, EVENT_SOURCES } from '../../shared/domain/events/domain-events';
import { PK_PREFIXES } from '../../shared/adapters/dynamodb/table';
import { deadLetterQueue } from './acknowledgements';
import type { LambdaFactory } from './lambda';
import { orderedStreamSource } from './stream-source';
import { AUDIT_PREFIXES, TABLE_WRITE_ACTIONS } from './table-access';

/** The marker reads and writes the consumer makes: one GetItem and one conditional PutItem per record. */
export const EVENT_MARKER_ACTIONS = { read: 'dynamodb:GetItem', write: 'dynamodb:PutItem' } as const;
/** How long the bus keeps every event for replay to the ERP. */
export const EVENT_ARCHIVE_RETENTION = Duration.days(90);

/** The mapping's filters: one per item kind, on its new image's entityType and status. */
export function eventSourceFilters(): Record<string, unknown>[] {
  return Object.entries(EVENT_SOURCES).map(([entityType, statuses]) =>
    lambda.FilterCriteria.filter({
      eventName: lambda.FilterRule.isEqual('INSERT').concat(lambda.FilterRule.isEqual('MODIFY')),
      dynamodb: { NewImage: { entityType: { S: [entityType] }, status: { S: [...statuses] } } },
    }),
  );
}

export interface DomainEventsProps {
  factory: LambdaFactory;
  table: dynamodb.ITableV2;
}

export class DomainEvents extends Construct {
  readonly bus: events.EventBus;
  readonly publisher: lambda.Function;
  /** Stream batches that still failed after the retries; replay them after a fix. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DomainEventsProps) {
    super(scope, id);

    this.bus = new events.EventBus(this, 'Bus', { description: `Domain events (${EVENT_SOURCE}) for the ERP: contracts approved, billing runs, invoices, payments, credits` });
    // The ERP can replay a month close from here after an outage on its side.
    this.bus.archive('Archive', {
      description: 'Every domain event, for replay to the ERP',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: EVENT_ARCHIVE_RETENTION,
    });

    this.publisher = props.factory.create(this, 'Publisher', {
      folder: 'events',
      description: 'Stream consumer: domain events to the EventBridge bus, once per change',
      timeout: Duration.seconds(30),
      memorySize: 512,
      environment: { EVENT_BUS_NAME: this.bus.eventBusName },
    });

    this.deadLetterQueue = deadLetterQueue(
      this,
      'DeadLetterQueue',
      'This queue is itself the on-failure destination of the domain-events stream mapping; it holds ' +
        'failed-batch pointers for 14 days for replay and has no consumer to redrive from.',
    );

    const role = this.publisher.role;
    if (!role) throw new Error('the domain-events publisher has no role');
    const markers = [`${PK_PREFIXES.eventPublication}*`];
    const ownMarkers = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': markers }, Null: { 'dynamodb:LeadingKeys': 'false' } };
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadOwnMarkers', actions: [EVENT_MARKER_ACTIONS.read], resources: [props.table.tableArn], conditions: ownMarkers }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'TableWriteOwnItems', actions: [EVENT_MARKER_ACTIONS.write], resources: [props.table.tableArn], conditions: ownMarkers }));
    // As for every writer but the audit log (table-access.ts): audit items stay out of reach.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DenyWritesToAuditItems',
        effect: iam.Effect.DENY,
        actions: [...TABLE_WRITE_ACTIONS],
        resources: [props.table.tableArn],
        conditions: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': AUDIT_PREFIXES.map((p) => `${p}*`) } },
      }),
    );
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'PublishToDomainBus', actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] }));

    // Every change since the stream's oldest record, in order: an event the ERP never gets is a month close that does not add up.
    this.publisher.addEventSource(orderedStreamSource(props.table, this.deadLetterQueue, eventSourceFilters()));

    // Outputs at the stack's top level, so their names are exactly these.
    const stack = Stack.of(this);
    new CfnOutput(stack, 'DomainEventsBusName', { value: this.bus.eventBusName, description: `EventBridge bus of the domain events (source ${EVENT_SOURCE})` });
    new CfnOutput(stack, 'DomainEventsBusArn', { value: this.bus.eventBusArn, description: 'ARN of the domain-events bus, for ERP rules' });
  }
}
