import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { StreamRecordError, UNASSIGNED_AGGREGATE_PREFIX, aggregateOf, toAuditChange } from '../../../shared/adapters/dynamodb/audit-stream';

function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', keys: { pk: string; sk: string }, oldImage?: object, newImage?: object): DynamoDBRecord {
  return {
    eventID: 'ev-1',
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: marshall(keys) as never,
      ...(oldImage ? { OldImage: marshall(oldImage, { removeUndefinedValues: true }) as never } : {}),
      ...(newImage ? { NewImage: marshall(newImage, { removeUndefinedValues: true }) as never } : {}),
      SequenceNumber: '100',
      ApproximateCreationDateTime: 1_800_000_000,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

describe('toAuditChange', () => {
  it('turns a stream record into a change with plain images', () => {
    const keys = { pk: 'CONTRACT#c1', sk: 'VERSION#0001' };
    const change = toAuditChange(record('MODIFY', keys, { ...keys, status: 'DRAFT', version: 1 }, { ...keys, status: 'APPROVED', version: 2, aggregate: 'contract#c1', amount: '100.00' }));
    expect(change).toEqual({
      eventId: 'ev-1',
      kind: 'MODIFY',
      aggregate: 'contract#c1',
      entityKey: keys,
      before: { ...keys, status: 'DRAFT', version: 1 },
      after: { ...keys, status: 'APPROVED', version: 2, aggregate: 'contract#c1', amount: '100.00' },
      removedByTtl: false,
      observedAt: new Date(1_800_000_000_000).toISOString(),
      sequence: '100',
    });
  });

  it('skips the audit log own items and bookkeeping', () => {
    for (const pk of ['AUDIT#contract#c1', 'AUDITEVENT#x', 'IDEMPOTENCY#scope#k']) {
      expect(toAuditChange(record('INSERT', { pk, sk: 'X' }, undefined, { pk, sk: 'X' }))).toBeUndefined();
    }
  });

  it('keeps numbers a JS number would change as their exact decimal text', () => {
    const keys = { pk: 'INVOICE#i1', sk: 'INVOICE' };
    const raw = record('INSERT', keys, undefined, { ...keys, small: 12, big: 1 });
    (raw.dynamodb!.NewImage as Record<string, unknown>).big = { N: '123456789012345678901234567890' };
    (raw.dynamodb!.NewImage as Record<string, unknown>).precise = { N: '0.1000000000000000000001' };
    const change = toAuditChange(raw)!;
    expect(change.after).toMatchObject({ small: 12, big: '123456789012345678901234567890', precise: '0.1000000000000000000001' });
  });

  it('turns sets into sorted arrays and binaries into base64', () => {
    const keys = { pk: 'ADV#a1', sk: 'ADV' };
    const raw = record('INSERT', keys, undefined, { ...keys, tags: new Set(['b', 'a']), blob: new Uint8Array([1, 2, 3]) });
    expect(toAuditChange(raw)!.after).toMatchObject({ tags: ['a', 'b'], blob: 'AQID' });
  });

  it('marks TTL removals', () => {
    const keys = { pk: 'PARTNER#p1', sk: 'PARTNER' };
    const raw = { ...record('REMOVE', keys, keys), userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } };
    expect(toAuditChange(raw)).toMatchObject({ kind: 'REMOVE', removedByTtl: true, before: keys, after: null, aggregate: 'partner#p1' });
  });

  it('rejects records it cannot read', () => {
    expect(() => toAuditChange({ eventID: 'x', eventName: 'INSERT' })).toThrow(StreamRecordError);
    expect(() => toAuditChange({ ...record('INSERT', { pk: 'ADV#a', sk: 'ADV' }), eventName: undefined })).toThrow(StreamRecordError);
  });
});

describe('aggregateOf', () => {
  it('prefers the stamped aggregate', () => {
    expect(aggregateOf({ aggregate: 'contract#c9' }, 'USAGE#c9#2027-01-01')).toBe('contract#c9');
  });

  it('derives it from the pk prefix and first id segment', () => {
    expect(aggregateOf(null, 'CONTRACT#c1')).toBe('contract#c1');
    expect(aggregateOf({ aggregate: '' }, 'ADV#a1')).toBe('advertiser#a1');
    expect(aggregateOf(null, 'PARTNER#p1')).toBe('partner#p1');
    expect(aggregateOf(null, 'INVOICE#i1#LINE')).toBe('invoice#i1');
    expect(aggregateOf(null, 'BILLINGRUN#r1')).toBe('billingRun#r1');
    expect(aggregateOf(null, 'BILLINGPERIOD#2027-01')).toBe('billingPeriod#2027-01');
  });

  it('keeps one usage chain per usage partition', () => {
    expect(aggregateOf(null, 'USAGE#c1#2027-01#3')).toBe('usage#c1#2027-01#3');
  });

  it('falls back to a chain of the item itself for unknown prefixes', () => {
    expect(aggregateOf(null, 'SOMETHING#x')).toBe(`${UNASSIGNED_AGGREGATE_PREFIX}SOMETHING#x`);
    expect(aggregateOf(null, 'CONTRACT#')).toBe(`${UNASSIGNED_AGGREGATE_PREFIX}CONTRACT#`);
  });
});
