/**
 * Domain events for the ERP (finance month close), derived from one change of one item of the
 * table: the stream record's old and new images. Pure: no AWS, no clock; the same images always
 * give the same events with the same ids, which is what makes redelivery harmless.
 *
 * One declarative table (`EVENT_RULES`) says which item, moving into which status, raises which
 * event; payments are the one event that is not a status move (a payment added to a FINALIZED
 * invoice). Each event's detail is described by `schemas/events/<DetailType>.v<n>.json` (the
 * source of truth for consumers; tests validate every detail against it) and carries
 * `schemaVersion`, so a consumer can tell which schema a detail follows.
 */
import type { JsonValue } from '../audit/canonical-json';
import { ValidationError } from '../kernel/errors';
import { fromMinor, minor } from '../payments/receivable';

/** The EventBridge `source` of every event this system publishes. */
export const EVENT_SOURCE = 'ctv.billing';

export const DetailType = {
  CONTRACT_APPROVED: 'ContractApproved',
  BILLING_RUN_COMPLETED: 'BillingRunCompleted',
  INVOICE_FINALIZED: 'InvoiceFinalized',
  INVOICE_VOIDED: 'InvoiceVoided',
  PAYMENT_RECORDED: 'PaymentRecorded',
  CREDIT_APPROVED: 'CreditApproved',
} as const;
export type DetailType = (typeof DetailType)[keyof typeof DetailType];

/** The schema version each detail type is published with (schemas/events/<type>.v<version>.json). */
export const SCHEMA_VERSIONS: Readonly<Record<DetailType, number>> = {
  ContractApproved: 1,
  BillingRunCompleted: 1,
  InvoiceFinalized: 1,
  InvoiceVoided: 1,
  PaymentRecorded: 1,
  CreditApproved: 1,
};

export const schemaFileOf = (type: DetailType) => `schemas/events/${type}.v${SCHEMA_VERSIONS[type]}.json`;

/** An item image as the stream adapter gives it: plain JSON. */
export type ItemImage = { [attribute: string]: JsonValue };

/** One change of one item, as the table's stream delivered it (the audit's AuditChange fits). */
export interface ItemChange {
  /** The stream record's eventID: the same record redelivered has the same id. */
  eventId: string;
  kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  before: ItemImage | null;
  after: ItemImage | null;
  /** When the stream saw the change (ISO), if known. */
  observedAt?: string;
}

/** Fields every detail starts with. */
export interface EventEnvelope {
  /** Unique per event and stable across redeliveries: consumers deduplicate on it. */
  eventId: string;
  schemaVersion: number;
  /** When the change happened: the item's `updatedAt`. */
  occurredAt: string;
  /** Who made it: a user id or `system:<job>`. */
  actor: string;
}

export interface DomainEvent {
  detailType: DetailType;
  detail: EventEnvelope & Record<string, JsonValue>;
}

export class EventMappingError extends ValidationError {
  override readonly name: string = 'EventMappingError';
  constructor(message: string) {
    super(message, [], 'event_mapping_failed');
  }
}

// ---------------------------------------------------------------------------------------------
// Reading images
// ---------------------------------------------------------------------------------------------

function text(image: ItemImage, attribute: string): string {
  const value = image[attribute];
  if (typeof value !== 'string' || value.length === 0) throw new EventMappingError(`item ${String(image.pk)} has no ${attribute}`);
  return value;
}

function optionalText(image: ItemImage, attribute: string): string | null {
  const value = image[attribute];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function integer(image: ItemImage, attribute: string): number {
  const value = image[attribute];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new EventMappingError(`item ${String(image.pk)} has no integer ${attribute}`);
  return value;
}

function records(value: JsonValue | undefined): { [key: string]: JsonValue }[] {
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is { [key: string]: JsonValue } => typeof v === 'object' && v !== null && !Array.isArray(v));
}

const statusOf = (image: ItemImage | null) => (image && typeof image.status === 'string' ? image.status : null);
const entityTypeOf = (image: ItemImage | null) => (image && typeof image.entityType === 'string' ? image.entityType : null);

/** The change moved the item into `status` (an insert born in it counts, an unchanged status does not). */
const movedInto = (change: ItemChange, statuses: readonly string[]) => {
  const now = statusOf(change.after);
  return now !== null && statuses.includes(now) && now !== statusOf(change.before);
};

// ---------------------------------------------------------------------------------------------
// Details, one function per event type
// ---------------------------------------------------------------------------------------------

type Payload = Record<string, JsonValue>;

function contractApproved(version: ItemImage): Payload {
  return {
    contractId: text(version, 'contractId'),
    versionNumber: integer(version, 'number'),
    versionKind: text(version, 'kind'),
    effectiveFrom: text(version, 'effectiveFrom'),
    backdated: version.backdated === true,
    approvedAt: optionalText(version, 'recordedAt') ?? text(version, 'updatedAt'),
  };
}

function billingRunCompleted(run: ItemImage): Payload {
  const progress = (run.progress ?? {}) as { [key: string]: JsonValue };
  return {
    runId: text(run, 'id'),
    period: text(run, 'period'),
    runSeq: integer(run, 'runSeq'),
    status: text(run, 'status'),
    startedAt: text(run, 'startedAt'),
    endedAt: optionalText(run, 'endedAt') ?? text(run, 'updatedAt'),
    contractsRated: typeof progress.done === 'number' ? progress.done : 0,
    contractsFailed: typeof run.failureCount === 'number' ? run.failureCount : 0,
    totals: records(run.totals).map((t) => ({
      currency: String(t.currency),
      total: String(t.total),
      invoices: typeof t.invoices === 'number' ? t.invoices : 0,
    })),
  };
}

/** What identifies a document for the ERP, common to finalized, voided and paid. */
function documentOf(invoice: ItemImage): Payload {
  return {
    invoiceId: text(invoice, 'id'),
    number: optionalText(invoice, 'number'),
    kind: text(invoice, 'kind'),
    contractId: text(invoice, 'contractId'),
    advertiserId: text(invoice, 'advertiserId'),
    period: text(invoice, 'period'),
    currency: text(invoice, 'currency'),
  };
}

function invoiceFinalized(invoice: ItemImage): Payload {
  const tax = invoice.tax && typeof invoice.tax === 'object' && !Array.isArray(invoice.tax) ? invoice.tax : null;
  const total = text(invoice, 'total');
  return {
    ...documentOf(invoice),
    runId: text(invoice, 'runId'),
    subtotal: text(invoice, 'subtotal'),
    // Documents written before tax existed: their total is their taxable total.
    taxableTotal: optionalText(invoice, 'taxableTotal') ?? total,
    taxAmount: tax && typeof tax.amount === 'string' ? tax.amount : null,
    total,
    finalizedAt: optionalText(invoice, 'finalizedAt') ?? text(invoice, 'updatedAt'),
    creditsInvoiceId: optionalText(invoice, 'creditsInvoiceId'),
    purchaseOrder: optionalText(invoice, 'purchaseOrder'),
  };
}

function invoiceVoided(invoice: ItemImage): Payload {
  return {
    ...documentOf(invoice),
    total: text(invoice, 'total'),
    voidedAt: optionalText(invoice, 'voidedAt') ?? text(invoice, 'updatedAt'),
    voidReason: optionalText(invoice, 'voidReason'),
    creditNoteId: optionalText(invoice, 'creditNoteId'),
  };
}

/** One detail per payment the change added (a payment is never edited or removed). */
function paymentsRecorded(before: ItemImage | null, after: ItemImage): Payload[] {
  const known = new Set(records(before?.payments).map((p) => p.id));
  const added = records(after.payments).filter((p) => !known.has(p.id));
  if (added.length === 0) return [];
  const currency = text(after, 'currency');
  const total = text(after, 'total');
  const paid = records(after.payments).reduce((sum, p) => sum + minor(String(p.amount), currency), 0n);
  const { number, ...document } = documentOf(after);
  return added.map((payment) => ({
    ...document,
    invoiceNumber: number ?? null,
    paymentId: text(payment, 'id'),
    amount: text(payment, 'amount'),
    date: text(payment, 'date'),
    reference: text(payment, 'reference'),
    recordedAt: text(payment, 'recordedAt'),
    invoiceTotal: total,
    amountPaid: fromMinor(paid, currency),
    balanceDue: fromMinor(minor(total, currency) - paid, currency),
  }));
}

function creditApproved(credit: ItemImage): Payload {
  return {
    creditId: text(credit, 'id'),
    contractId: text(credit, 'contractId'),
    period: text(credit, 'period'),
    amount: text(credit, 'amount'),
    reason: text(credit, 'reason'),
    note: optionalText(credit, 'note'),
    approvedAt: optionalText(credit, 'recordedAt') ?? text(credit, 'updatedAt'),
    approvers: records(credit.approvals).map((a) => String(a.approverId)),
  };
}

/**
 * THE table: item type -> the statuses it moves into that raise an event, and the detail.
 * An invoice moving into FINALIZED is an invoice or adjustment finalized, or a credit note
 * issued (credit notes are born FINALIZED, in the same transaction as the void).
 */
const EVENT_RULES: readonly { entityType: string; into: readonly string[]; type: DetailType; detail: (after: ItemImage) => Payload }[] = [
  { entityType: 'version', into: ['APPROVED'], type: DetailType.CONTRACT_APPROVED, detail: contractApproved },
  { entityType: 'billingRun', into: ['SUCCEEDED', 'COMPLETED_WITH_ERRORS'], type: DetailType.BILLING_RUN_COMPLETED, detail: billingRunCompleted },
  { entityType: 'invoice', into: ['FINALIZED'], type: DetailType.INVOICE_FINALIZED, detail: invoiceFinalized },
  { entityType: 'invoice', into: ['VOID'], type: DetailType.INVOICE_VOIDED, detail: invoiceVoided },
  { entityType: 'credit', into: ['APPROVED'], type: DetailType.CREDIT_APPROVED, detail: creditApproved },
];

/** Item types that can raise an event, and the statuses their new image must have: the stream filter is built from these. */
export const EVENT_SOURCES: Readonly<Record<string, readonly string[]>> = {
  version: ['APPROVED'],
  billingRun: ['SUCCEEDED', 'COMPLETED_WITH_ERRORS'],
  // FINALIZED also covers payments, which are recorded on finalized invoices.
  invoice: ['FINALIZED', 'VOID'],
  credit: ['APPROVED'],
};

/**
 * The events one change raises, in order: usually none or one. The first event's id is the
 * stream record's eventID; further events of the same record (only several payments added in
 * one write could do that) append `#2`, `#3`, … so every id stays unique and stable.
 */
export function domainEventsOf(change: ItemChange): DomainEvent[] {
  const { after, before } = change;
  if (change.kind === 'REMOVE' || !after) return [];
  const entityType = entityTypeOf(after);
  if (entityType === null || !(entityType in EVENT_SOURCES)) return [];

  const raised: { type: DetailType; payload: Payload }[] = [];
  for (const rule of EVENT_RULES) {
    if (rule.entityType === entityType && movedInto(change, rule.into)) raised.push({ type: rule.type, payload: rule.detail(after) });
  }
  // Payments: only on an invoice that was and still is FINALIZED (a void never carries one).
  if (entityType === 'invoice' && statusOf(after) === 'FINALIZED' && statusOf(before) === 'FINALIZED') {
    for (const payload of paymentsRecorded(before, after)) raised.push({ type: DetailType.PAYMENT_RECORDED, payload });
  }
  if (raised.length === 0) return [];

  const occurredAt = optionalText(after, 'updatedAt') ?? change.observedAt;
  if (!occurredAt) throw new EventMappingError(`item ${String(after.pk)} has no updatedAt and the stream gave no time`);
  const actor = optionalText(after, 'actor') ?? 'unattributed';
  return raised.map(({ type, payload }, index) => ({
    detailType: type,
    detail: {
      eventId: index === 0 ? change.eventId : `${change.eventId}#${index + 1}`,
      schemaVersion: SCHEMA_VERSIONS[type],
      occurredAt,
      actor,
      ...payload,
    },
  }));
}
