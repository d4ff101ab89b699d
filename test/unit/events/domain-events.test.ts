/**
 * Domain events from item changes (shared/domain/events): which change raises which event,
 * every detail valid against its schema file, ids stable across redeliveries, and the
 * publish-then-mark rule (publish-change.ts) under failures. No AWS: images are plain JSON and
 * the publisher and markers are in memory.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetailType, domainEventsOf, EVENT_SOURCES, SCHEMA_VERSIONS, type DomainEvent, type ItemChange, type ItemImage } from '../../../shared/domain/events/domain-events';
import { publishChange, PublishOutcome, type EventPublisher, type PublicationMarkers } from '../../../shared/domain/events/publish-change';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { readEventSchema, schemaErrors } from '../../support/event-schemas';

const T0 = '2026-07-02T09:00:00.000Z';
const T1 = '2026-07-03T10:00:00.000Z';

const version = (status: string, extra: ItemImage = {}): ItemImage => ({
  pk: 'CONTRACT#ctr_1', sk: 'VERSION#0001', entityType: 'version', aggregate: 'contract#ctr_1',
  contractId: 'ctr_1', number: 1, kind: 'INITIAL', status, effectiveFrom: '2026-01-01', backdated: false,
  recordedAt: status === 'APPROVED' ? T1 : null, updatedAt: T1, actor: 'arnold', version: 3, ...extra,
});

const run = (status: string, extra: ItemImage = {}): ItemImage => ({
  pk: 'BILLINGRUN#br_1', sk: 'BILLINGRUN', entityType: 'billingRun', id: 'br_1', period: '2026-06', runSeq: 1, status,
  progress: { done: 3, total: 3 }, startedAt: T0, endedAt: status === 'RUNNING' ? null : T1, failureReason: null,
  totals: [{ currency: 'USD', total: '7500.00', invoices: 3 }], updatedAt: T1, actor: 'fiona', version: 5, ...extra,
});

const invoice = (status: string, extra: ItemImage = {}): ItemImage => ({
  pk: 'INVOICE#inv_1', sk: 'INVOICE', entityType: 'invoice', aggregate: 'invoice#inv_1', id: 'inv_1', kind: 'INVOICE', status,
  number: status === 'DRAFT' ? null : 'INV-2026-000001', contractId: 'ctr_1', advertiserId: 'adv_1', currency: 'USD', period: '2026-06',
  runId: 'br_1', runSeq: 1, lines: [], subtotal: '2000.00', taxableTotal: '2000.00', tax: { kind: 'RATE', label: 'VAT', ratePct: '20', note: null, taxableAmount: '2000.00', amount: '400.00' },
  total: '2400.00', flags: [], partnerPayouts: [], createdAt: T0, finalizedAt: status === 'DRAFT' ? null : T1, updatedAt: T1, actor: 'fiona', version: 2, ...extra,
});

const payment = (id: string, amount: string) => ({ id, amount, date: '2026-08-10', reference: `WIRE-${id}`, recordedAt: T1, actor: 'fiona' });

const credit = (status: string, extra: ItemImage = {}): ItemImage => ({
  pk: 'CONTRACT#ctr_1', sk: 'CREDIT#cr_1', entityType: 'credit', aggregate: 'contract#ctr_1', contractId: 'ctr_1', id: 'cr_1', period: '2026-06',
  amount: '500.00', reason: 'MAKE_GOOD', note: null, status, approvals: status === 'APPROVED' ? [{ approverId: 'arnold', roles: ['approver'], comment: null, at: T1 }] : [],
  rejection: null, recordedAt: status === 'APPROVED' ? T1 : null, createdBy: 'olivia', createdAt: T0, updatedAt: T1, actor: 'arnold', version: 2, ...extra,
});

const modify = (before: ItemImage, after: ItemImage, eventId = 'ev-1'): ItemChange => ({ eventId, kind: 'MODIFY', before, after });
const insert = (after: ItemImage, eventId = 'ev-1'): ItemChange => ({ eventId, kind: 'INSERT', before: null, after });

function expectValid(events: DomainEvent[]): void {
  for (const event of events) expect(schemaErrors(event.detailType, event.detail), JSON.stringify(event)).toEqual([]);
}

describe('schema files', () => {
  it('one per detail type, named by its version, whose schemaVersion is that version', () => {
    for (const type of Object.values(DetailType)) {
      const schema = readEventSchema(type) as { $id: string; properties: { schemaVersion: { const: number } }; additionalProperties: boolean };
      expect(schema.$id).toBe(`urn:ctv-billing:events:${type}:v${SCHEMA_VERSIONS[type]}`);
      expect(schema.properties.schemaVersion.const).toBe(SCHEMA_VERSIONS[type]);
      expect(schema.additionalProperties).toBe(false);
    }
  });

  it('refuse a detail with a missing field, a field too many, a wrong version or a float amount', () => {
    const [event] = domainEventsOf(modify(invoice('DRAFT'), invoice('FINALIZED')));
    const { total: _total, ...missing } = event!.detail;
    expect(schemaErrors('InvoiceFinalized', missing).join()).toMatch(/total/);
    expect(schemaErrors('InvoiceFinalized', { ...event!.detail, extra: 1 }).join()).toMatch(/additional/);
    expect(schemaErrors('InvoiceFinalized', { ...event!.detail, schemaVersion: 2 }).join()).toMatch(/const/);
    expect(schemaErrors('InvoiceFinalized', { ...event!.detail, total: 2400.5 }).join()).toMatch(/string/);
  });
});

describe('which change raises which event', () => {
  it('ContractApproved when a version moves into APPROVED', () => {
    const events = domainEventsOf(modify(version('PENDING_APPROVAL'), version('APPROVED')));
    expect(events).toEqual([
      {
        detailType: 'ContractApproved',
        detail: { eventId: 'ev-1', schemaVersion: 1, occurredAt: T1, actor: 'arnold', contractId: 'ctr_1', versionNumber: 1, versionKind: 'INITIAL', effectiveFrom: '2026-01-01', backdated: false, approvedAt: T1 },
      },
    ]);
    expectValid(events);
    // A first approval of two leaves the version pending; superseding an approved version is no approval.
    expect(domainEventsOf(modify(version('PENDING_APPROVAL'), version('PENDING_APPROVAL', { version: 4 })))).toEqual([]);
    expect(domainEventsOf(modify(version('APPROVED'), version('SUPERSEDED')))).toEqual([]);
    expect(domainEventsOf(modify(version('PENDING_APPROVAL'), version('REJECTED')))).toEqual([]);
  });

  it('BillingRunCompleted when a run ends SUCCEEDED or COMPLETED_WITH_ERRORS, not FAILED nor on progress', () => {
    const events = domainEventsOf(modify(run('RUNNING'), run('SUCCEEDED')));
    expect(events.map((e) => e.detail)).toEqual([
      expect.objectContaining({ runId: 'br_1', period: '2026-06', runSeq: 1, status: 'SUCCEEDED', startedAt: T0, endedAt: T1, contractsRated: 3, contractsFailed: 0, totals: [{ currency: 'USD', total: '7500.00', invoices: 3 }] }),
    ]);
    expectValid(events);
    const withErrors = domainEventsOf(modify(run('RUNNING'), run('COMPLETED_WITH_ERRORS', { failureCount: 1 })));
    expect(withErrors[0]!.detail).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', contractsFailed: 1 });
    expectValid(withErrors);
    expect(domainEventsOf(modify(run('RUNNING'), run('FAILED')))).toEqual([]);
    expect(domainEventsOf(modify(run('RUNNING'), run('RUNNING', { progress: { done: 2, total: 3 } })))).toEqual([]);
    expect(domainEventsOf(insert(run('RUNNING')))).toEqual([]);
  });

  it('InvoiceFinalized when a draft is finalized, and when a credit note is issued (born FINALIZED)', () => {
    const events = domainEventsOf(modify(invoice('DRAFT'), invoice('FINALIZED')));
    expect(events[0]).toEqual({
      detailType: 'InvoiceFinalized',
      detail: {
        eventId: 'ev-1', schemaVersion: 1, occurredAt: T1, actor: 'fiona', invoiceId: 'inv_1', number: 'INV-2026-000001', kind: 'INVOICE', contractId: 'ctr_1',
        advertiserId: 'adv_1', period: '2026-06', currency: 'USD', runId: 'br_1', subtotal: '2000.00', taxableTotal: '2000.00', taxAmount: '400.00', total: '2400.00',
        finalizedAt: T1, creditsInvoiceId: null, purchaseOrder: null,
      },
    });
    const creditNote = domainEventsOf(insert(invoice('FINALIZED', { id: 'cn_1', kind: 'CREDIT_NOTE', number: 'CN-2026-000001', total: '-2400.00', subtotal: '-2000.00', taxableTotal: '-2000.00', tax: null, creditsInvoiceId: 'inv_1' })));
    expect(creditNote[0]!.detail).toMatchObject({ invoiceId: 'cn_1', kind: 'CREDIT_NOTE', total: '-2400.00', taxAmount: null, creditsInvoiceId: 'inv_1' });
    expectValid([...events, ...creditNote]);
    // Drafts written, annotated or discarded raise nothing.
    expect(domainEventsOf(insert(invoice('DRAFT')))).toEqual([]);
    expect(domainEventsOf(modify(invoice('DRAFT'), invoice('DRAFT', { memo: 'x' })))).toEqual([]);
    expect(domainEventsOf(modify(invoice('DRAFT'), invoice('DISCARDED')))).toEqual([]);
  });

  it('InvoiceVoided when a FINALIZED invoice becomes VOID (and no payment event with it)', () => {
    const paid = invoice('FINALIZED', { payments: [payment('pay_1', '100.00')], amountPaid: '100.00' });
    const events = domainEventsOf(modify(paid, { ...paid, status: 'VOID', voidedAt: T1, voidReason: 'late usage', creditNoteId: 'cn_1' }));
    expect(events.map((e) => e.detailType)).toEqual(['InvoiceVoided']);
    expect(events[0]!.detail).toMatchObject({ invoiceId: 'inv_1', number: 'INV-2026-000001', total: '2400.00', voidedAt: T1, voidReason: 'late usage', creditNoteId: 'cn_1' });
    expectValid(events);
  });

  it('PaymentRecorded for each payment a change adds to a FINALIZED invoice, with what is paid and due', () => {
    const first = invoice('FINALIZED', { payments: [payment('pay_1', '500.00')], amountPaid: '500.00' });
    const second = invoice('FINALIZED', { payments: [payment('pay_1', '500.00'), payment('pay_2', '250.50')], amountPaid: '750.50' });
    const events = domainEventsOf(modify(first, second, 'ev-9'));
    expect(events).toEqual([
      {
        detailType: 'PaymentRecorded',
        detail: {
          eventId: 'ev-9', schemaVersion: 1, occurredAt: T1, actor: 'fiona', invoiceId: 'inv_1', invoiceNumber: 'INV-2026-000001', kind: 'INVOICE', contractId: 'ctr_1',
          advertiserId: 'adv_1', period: '2026-06', currency: 'USD', paymentId: 'pay_2', amount: '250.50', date: '2026-08-10', reference: 'WIRE-pay_2',
          recordedAt: T1, invoiceTotal: '2400.00', amountPaid: '750.50', balanceDue: '1649.50',
        },
      },
    ]);
    expectValid(events);
    // An unrelated update of a finalized invoice (its PDF, say) adds no payment.
    expect(domainEventsOf(modify(second, { ...second, documentKey: 'documents/x.pdf' }))).toEqual([]);
  });

  it('CreditApproved when a credit moves into APPROVED, with its approvers', () => {
    const events = domainEventsOf(modify(credit('PENDING_APPROVAL'), credit('APPROVED')));
    expect(events[0]).toMatchObject({ detailType: 'CreditApproved', detail: { creditId: 'cr_1', contractId: 'ctr_1', period: '2026-06', amount: '500.00', reason: 'MAKE_GOOD', note: null, approvedAt: T1, approvers: ['arnold'] } });
    expectValid(events);
    expect(domainEventsOf(modify(credit('PENDING_APPROVAL'), credit('REJECTED')))).toEqual([]);
  });

  it('nothing for removals, for items of other kinds, or for items without a status move', () => {
    expect(domainEventsOf({ eventId: 'e', kind: 'REMOVE', before: invoice('FINALIZED'), after: null })).toEqual([]);
    expect(domainEventsOf(insert({ pk: 'ADV#a', sk: 'ADV', entityType: 'advertiser', status: 'APPROVED', updatedAt: T1 }))).toEqual([]);
    expect(domainEventsOf(insert({ pk: 'CONTRACT#c', sk: 'CONTRACT', entityType: 'contract', status: 'ACTIVE', updatedAt: T1 }))).toEqual([]);
    expect(domainEventsOf(modify(invoice('FINALIZED'), invoice('FINALIZED', { version: 3 })))).toEqual([]);
  });

  it('the statuses the stream filter lets through are the ones that raise events', () => {
    expect(EVENT_SOURCES).toEqual({ version: ['APPROVED'], billingRun: ['SUCCEEDED', 'COMPLETED_WITH_ERRORS'], invoice: ['FINALIZED', 'VOID'], credit: ['APPROVED'] });
  });

  it('a change missing a field its event needs fails loudly instead of publishing half an event', () => {
    expect(() => domainEventsOf(modify(invoice('DRAFT'), invoice('FINALIZED', { currency: null })))).toThrow(/currency/);
  });
});

describe('properties', () => {
  const cents = fc.integer({ min: 1, max: 5_000_000 });
  it('payments: amountPaid + balanceDue = invoice total, one event per payment added, ids unique and stable', () => {
    fc.assert(
      fc.property(fc.array(cents, { minLength: 1, maxLength: 8 }), fc.nat({ max: 8 }), (amounts, split) => {
        const totalCents = amounts.reduce((a, b) => a + b, 0) + 1000;
        const total = (totalCents / 100).toFixed(2);
        const payments = amounts.map((c, i) => payment(`pay_${i}`, (c / 100).toFixed(2)));
        const known = Math.min(split, payments.length - 1);
        const change = modify(invoice('FINALIZED', { total, payments: payments.slice(0, known) }), invoice('FINALIZED', { total, payments }), 'ev-p');
        const events = domainEventsOf(change);
        expect(events.map((e) => e.detail.paymentId)).toEqual(payments.slice(known).map((p) => p.id));
        expect(new Set(events.map((e) => e.detail.eventId)).size).toBe(events.length);
        expect(events[0]!.detail.eventId).toBe('ev-p');
        expect(domainEventsOf(change)).toEqual(events);
        for (const event of events) {
          const paid = Math.round(Number(event.detail.amountPaid) * 100);
          const due = Math.round(Number(event.detail.balanceDue) * 100);
          expect(paid + due).toBe(totalCents);
          expect(paid).toBe(amounts.reduce((a, b) => a + b, 0));
        }
        expectValid(events);
      }),
      { numRuns: 200 },
    );
  });
});

describe('publishing a change: publish, then mark', () => {
  const change = modify(invoice('DRAFT'), invoice('FINALIZED'), 'ev-42');

  function fakes() {
    const published: DomainEvent[] = [];
    const marked = new Set<string>();
    const faults = { publish: 0, mark: 0 };
    const publisher: EventPublisher = {
      async publish(events) {
        if (faults.publish > 0) { faults.publish -= 1; throw new Error('PutEvents throttled'); }
        published.push(...events);
      },
    };
    const markers: PublicationMarkers = {
      async isPublished(id) { return marked.has(id); },
      async markPublished(id) {
        if (faults.mark > 0) { faults.mark -= 1; throw new Error('marker write timed out'); }
        marked.add(id);
      },
    };
    return { published, marked, faults, deps: { publisher, markers, clock: fixedClock(T1) } };
  }

  it('publishes once, and a redelivered record publishes nothing again', async () => {
    const { published, deps } = fakes();
    expect((await publishChange(change, deps)).outcome).toBe(PublishOutcome.PUBLISHED);
    expect((await publishChange(change, deps)).outcome).toBe(PublishOutcome.ALREADY_PUBLISHED);
    expect(published.map((e) => e.detail.eventId)).toEqual(['ev-42']);
  });

  it('a failed publish marks nothing, so the retry publishes: no event is lost', async () => {
    const { published, marked, faults, deps } = fakes();
    faults.publish = 1;
    await expect(publishChange(change, deps)).rejects.toThrow(/throttled/);
    expect(marked.size).toBe(0);
    expect((await publishChange(change, deps)).outcome).toBe(PublishOutcome.PUBLISHED);
    expect(published).toHaveLength(1);
  });

  it('a failed marker after a publish repeats the event on retry with the same eventId, for consumers to drop', async () => {
    const { published, faults, deps } = fakes();
    faults.mark = 1;
    await expect(publishChange(change, deps)).rejects.toThrow(/marker/);
    await publishChange(change, deps);
    expect(published.map((e) => e.detail.eventId)).toEqual(['ev-42', 'ev-42']);
    expect(published[0]).toEqual(published[1]);
  });

  it('a change that raises no event neither publishes nor marks', async () => {
    const { published, marked, deps } = fakes();
    expect((await publishChange(insert(invoice('DRAFT')), deps)).outcome).toBe(PublishOutcome.NONE);
    expect(published).toEqual([]);
    expect(marked.size).toBe(0);
  });
});
