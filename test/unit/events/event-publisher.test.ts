/**
 * The EventBridge adapter's side of PutEvents, with a stand-in client that answers as the
 * service does (EventBridge has no local engine): the entry it sends, batches of at most 10,
 * and a refused entry failing the publish so the stream record is retried.
 */
import type { EventBridgeClient, PutEventsCommand, PutEventsResponse } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { EventBridgePublisher, PUT_EVENTS_MAX_ENTRIES } from '../../../shared/adapters/eventbridge/event-publisher';
import type { DomainEvent } from '../../../shared/domain/events/domain-events';

function client(answer: (entries: number) => PutEventsResponse) {
  const calls: PutEventsCommand['input'][] = [];
  const fake = {
    send: async (command: PutEventsCommand) => {
      calls.push(command.input);
      return answer(command.input.Entries?.length ?? 0);
    },
  };
  return { calls, client: fake as unknown as EventBridgeClient };
}

const event = (n: number): DomainEvent => ({
  detailType: 'PaymentRecorded',
  detail: { eventId: `ev-${n}`, schemaVersion: 1, occurredAt: '2026-07-20T09:00:00.000Z', actor: 'fiona', amount: '10.00' },
});

describe('EventBridgePublisher', () => {
  it('sends each event with source ctv.billing, its detail-type, its detail as JSON and its time, to the bus', async () => {
    const { calls, client: c } = client((n) => ({ FailedEntryCount: 0, Entries: Array.from({ length: n }, (_, i) => ({ EventId: `id-${i}` })) }));
    await new EventBridgePublisher(c, 'erp-bus').publish([event(1)]);
    expect(calls).toEqual([
      {
        Entries: [
          { EventBusName: 'erp-bus', Source: 'ctv.billing', DetailType: 'PaymentRecorded', Detail: JSON.stringify(event(1).detail), Time: new Date('2026-07-20T09:00:00.000Z') },
        ],
      },
    ]);
  });

  it('sends at most 10 entries per request', async () => {
    const { calls, client: c } = client((n) => ({ FailedEntryCount: 0, Entries: Array.from({ length: n }, () => ({ EventId: 'id' })) }));
    await new EventBridgePublisher(c, 'erp-bus').publish(Array.from({ length: 23 }, (_, i) => event(i)));
    expect(calls.map((call) => call.Entries!.length)).toEqual([PUT_EVENTS_MAX_ENTRIES, PUT_EVENTS_MAX_ENTRIES, 3]);
    expect(calls.flatMap((call) => call.Entries!.map((e) => JSON.parse(e.Detail!).eventId))).toEqual(Array.from({ length: 23 }, (_, i) => `ev-${i}`));
  });

  it('fails when EventBridge refuses any entry, naming why', async () => {
    const { client: c } = client(() => ({ FailedEntryCount: 1, Entries: [{ EventId: 'id-0' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] }));
    await expect(new EventBridgePublisher(c, 'erp-bus').publish([event(1), event(2)])).rejects.toThrow(/refused 1 of 2 event\(s\): ThrottlingException: Rate exceeded/);
  });
});
