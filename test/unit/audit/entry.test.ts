import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import {
  STATUS_ACTIONS,
  TTL_ACTOR,
  UNATTRIBUTED_ACTOR,
  auditAggregate,
  deriveAction,
  describeChange,
  toAuditTrailItem,
  type AuditChange,
} from '../../../shared/domain/audit/entry';
import { emptyHead, sealEntry } from '../../../shared/domain/audit/chain';

const clock = fixedClock('2027-03-01T12:00:00.000Z');

function change(overrides: Partial<AuditChange>): AuditChange {
  return {
    eventId: 'e1',
    kind: 'MODIFY',
    aggregate: auditAggregate.contract('c1'),
    entityKey: { pk: 'CONTRACT#c1', sk: 'CONTRACT' },
    before: { status: 'PENDING_APPROVAL', actor: 'ops-1', entityType: 'contract', updatedAt: '2027-02-01T00:00:00.000Z', version: 2 },
    after: { status: 'ACTIVE', actor: 'fin-1', entityType: 'contract', updatedAt: '2027-02-03T10:00:00.000Z', version: 3 },
    ...overrides,
  };
}

describe('deriveAction', () => {
  it('maps a status move listed in the table to its domain action', () => {
    expect(deriveAction('MODIFY', 'contract', { status: 'PENDING_APPROVAL' }, { status: 'ACTIVE' })).toBe('contract.activated');
    expect(deriveAction('MODIFY', 'version', { status: 'PENDING_APPROVAL' }, { status: 'APPROVED' })).toBe('version.approved');
    expect(deriveAction('MODIFY', 'invoice', { status: 'FINALIZED' }, { status: 'VOID' })).toBe('invoice.voided');
  });

  it('keeps the CRUD action when the status did not move, is unknown, or the item has none', () => {
    expect(deriveAction('MODIFY', 'contract', { status: 'ACTIVE' }, { status: 'ACTIVE', note: 'x' })).toBe('UPDATED');
    expect(deriveAction('MODIFY', 'contract', { status: 'ACTIVE' }, { status: 'SOMETHING' })).toBe('UPDATED');
    expect(deriveAction('MODIFY', 'usage', null, { status: 'ACTIVE' })).toBe('UPDATED');
    expect(deriveAction('INSERT', 'contract', null, { status: 'DRAFT' })).toBe('CREATED');
    expect(deriveAction('INSERT', 'advertiser', null, { name: 'A' })).toBe('CREATED');
    expect(deriveAction('REMOVE', 'contract', { status: 'ACTIVE' }, null)).toBe('DELETED');
  });

  it('gives an item created straight into a listed status its domain action', () => {
    expect(deriveAction('INSERT', 'version', null, { status: 'PENDING_APPROVAL' })).toBe('version.submitted');
  });

  it('names every domain action after its entity type', () => {
    for (const [entityType, actions] of Object.entries(STATUS_ACTIONS)) {
      for (const action of Object.values(actions)) expect(action.startsWith(`${entityType}.`)).toBe(true);
    }
  });
});

describe('describeChange', () => {
  it('records who, what and when from the new image', () => {
    expect(describeChange(change({}), clock)).toMatchObject({
      aggregate: 'contract#c1',
      at: '2027-02-03T10:00:00.000Z',
      actor: 'fin-1',
      action: 'contract.activated',
      entityType: 'contract',
      entityKey: { pk: 'CONTRACT#c1', sk: 'CONTRACT' },
      eventId: 'e1',
    });
  });

  it('never attributes a removal to the previous writer', () => {
    const removal = change({ kind: 'REMOVE', after: null, observedAt: '2027-02-05T00:00:00.000Z' });
    expect(describeChange(removal, clock)).toMatchObject({ actor: UNATTRIBUTED_ACTOR, action: 'DELETED', entityType: 'contract', at: '2027-02-05T00:00:00.000Z' });
    expect(describeChange({ ...removal, removedByTtl: true }, clock).actor).toBe(TTL_ACTOR);
  });

  it('falls back to the stream time, then the clock, when the item carries no updatedAt', () => {
    const bare = change({ after: { status: 'ACTIVE', actor: 'fin-1' } });
    expect(describeChange({ ...bare, observedAt: '2027-02-04T00:00:00.000Z' }, clock).at).toBe('2027-02-04T00:00:00.000Z');
    expect(describeChange(bare, clock).at).toBe('2027-03-01T12:00:00.000Z');
    expect(describeChange(change({ after: { actor: 'x', updatedAt: 'yesterday' } }), clock).at).toBe('2027-03-01T12:00:00.000Z');
  });

  it('does not take the previous write time from an update that left updatedAt unchanged', () => {
    const stale = change({ after: { status: 'ACTIVE', actor: 'fin-1', updatedAt: '2027-02-01T00:00:00.000Z' }, observedAt: '2027-02-06T00:00:00.000Z' });
    expect(describeChange(stale, clock).at).toBe('2027-02-06T00:00:00.000Z');
  });

  it('records a write without an actor as unattributed and an unknown entity type as unknown', () => {
    const entry = describeChange(change({ kind: 'INSERT', before: null, after: { name: 'x' } }), clock);
    expect(entry.actor).toBe(UNATTRIBUTED_ACTOR);
    expect(entry.entityType).toBe('unknown');
  });
});

describe('toAuditTrailItem', () => {
  it('returns exactly the fields of the audit route', () => {
    const entry = sealEntry(describeChange(change({}), clock), emptyHead('contract#c1'));
    expect(Object.keys(toAuditTrailItem(entry)).sort()).toEqual(['action', 'actor', 'after', 'at', 'before', 'hash', 'prevHash', 'seq']);
  });
});
