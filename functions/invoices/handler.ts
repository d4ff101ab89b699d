/** Invoices: list, read (an advertiser sees only its own; others 404), finalize, void with a credit note, discard a draft, reissue after a void, payments and receivables. */
import { randomUUID } from 'node:crypto';
import { defineGroup, route } from '../http/group';
import { FunctionGroup } from '../http/routes';
import { etagOfVersion, expectedVersion } from '../http/etag';
import { assertTenant, tenantOf } from '../http/tenant';
import { NotFoundError } from '../../shared/domain/kernel/errors';
import { INVOICE_OPERATIONS as ops } from '../../shared/schemas/api/invoices';
import { InvoiceStatus, type Invoice } from '../../shared/domain/invoices/invoice';
import type { Identity } from '../http/identity';
import { finalizeInvoice } from '../../shared/domain/invoices/finalize-invoice';
import { voidInvoice } from '../../shared/domain/invoices/void-invoice';
import { discardInvoice } from '../../shared/domain/invoices/discard-invoice';
import { reissueInvoice } from '../../shared/domain/invoices/reissue-invoice';
import { recordPayment } from '../../shared/domain/payments/record-payment';
import { agingOf, DEFAULT_PAYMENT_TERMS_DAYS, paymentView } from '../../shared/domain/payments/receivable';
import { runtimeClock } from '../runtime/clock';
import { directoryDeps, financeDeps, invoiceDocuments, ratingDeps } from './dependencies';
import { documentDates } from '../../shared/domain/invoices/invoice-document';

/**
 * The advertiser view of invoices: only issued documents (FINALIZED and VOID; drafts are work in
 * progress and a discarded draft was never issued), without what partners earn on the
 * advertiser's usage or the billing run's internals. Anything else is answered like a missing
 * invoice. Internal callers see the whole document.
 */
const ISSUED: readonly string[] = [InvoiceStatus.FINALIZED, InvoiceStatus.VOID];
const issued = (invoice: Pick<Invoice, 'status'>) => ISSUED.includes(invoice.status);

function presentToAdvertiser<T extends Partial<Invoice>>(invoice: T) {
  const { partnerPayouts: _payouts, actor: _actor, runId: _runId, ...rest } = invoice;
  return rest;
}

/** Issue and due dates are derived from the finalization instant and the payment terms the document was computed with. */
function withDates<T extends Partial<Invoice>>(invoice: T) {
  const dates = documentDates({ finalizedAt: invoice.finalizedAt, kind: invoice.kind ?? 'INVOICE', billTo: invoice.billTo });
  const own = (invoice as { dueDate?: string | null }).dueDate;
  return { ...invoice, issueDate: dates?.issueDate ?? null, dueDate: own ?? dates?.dueDate ?? null };
}

/** A document as the caller may see it (dates and payments are added by withPayments). */
function present<T extends Partial<Invoice>>(invoice: T, identity: Identity) {
  return tenantOf(identity) !== null ? presentToAdvertiser(invoice) : invoice;
}

/** Each advertiser's payment terms, read once per request. */
function paymentTerms() {
  const cache = new Map<string, Promise<number>>();
  return (advertiserId: string): Promise<number> => {
    let terms = cache.get(advertiserId);
    if (!terms) {
      terms = directoryDeps()
        .getAdvertiser(advertiserId)
        .then((a) => a?.billingProfile?.paymentTermsDays ?? DEFAULT_PAYMENT_TERMS_DAYS);
      cache.set(advertiserId, terms);
    }
    return terms;
  };
}

const today = () => runtimeClock.now().toISOString().slice(0, 10);

/** The document with what it shows about payments today: amountPaid, balanceDue, dueDate, paymentStatus. */
async function withPayments<T extends Parameters<typeof paymentView>[0] & Pick<Invoice, 'advertiserId' | 'billTo'>>(invoice: T, termsOf: (advertiserId: string) => Promise<number>) {
  // The terms the document was computed with; documents from before bill-to was kept use the advertiser's.
  const terms = invoice.billTo?.paymentTermsDays ?? (await termsOf(invoice.advertiserId));
  // With its issue date too, so every route that answers a document answers the same fields.
  return withDates({ ...invoice, ...paymentView(invoice, terms, today()) });
}

export const handler = defineGroup(FunctionGroup.INVOICES, {
  'GET /v1/invoices': route(ops['GET /v1/invoices'], async ({ identity, query }) => {
    const tenant = tenantOf(identity);
    // An advertiser asking for another advertiser's invoices sees an empty list, as if there were none.
    if (tenant !== null && query.advertiserId !== undefined && query.advertiserId !== tenant) return { status: 200, body: { items: [], nextCursor: null } };
    if (tenant !== null && query.status !== undefined && !ISSUED.includes(query.status)) return { status: 200, body: { items: [], nextCursor: null } };
    const page = await financeDeps().invoices.listInvoices({ ...query, advertiserId: tenant ?? query.advertiserId });
    // The advertiser view leaves out drafts, so a page may hold fewer items than the limit.
    const items = tenant === null ? page.items : page.items.filter(issued);
    const termsOf = paymentTerms();
    const shown = await Promise.all(items.map((i) => withPayments(i, termsOf)));
    return { status: 200, body: { items: shown.map((i) => present(i, identity)), nextCursor: page.nextCursor } };
  }),

  'GET /v1/invoices/{id}': route(ops['GET /v1/invoices/{id}'], async ({ identity, params }) => {
    const invoice = await financeDeps().invoices.getInvoice(params.id);
    if (!invoice) throw new NotFoundError('invoice', params.id);
    assertTenant(identity, invoice.advertiserId, 'invoice', params.id);
    if (tenantOf(identity) !== null && !issued(invoice)) throw new NotFoundError('invoice', params.id);
    return { status: 200, body: present(await withPayments(invoice, paymentTerms()), identity), etag: etagOfVersion(invoice.version) };
  }),

  'GET /v1/invoices/{id}/pdf': route(ops['GET /v1/invoices/{id}/pdf'], async ({ identity, params }) => {
    const invoice = await financeDeps().invoices.getInvoice(params.id);
    if (!invoice) throw new NotFoundError('invoice', params.id);
    assertTenant(identity, invoice.advertiserId, 'invoice', params.id);
    if (tenantOf(identity) !== null && !issued(invoice)) throw new NotFoundError('invoice', params.id);
    return { status: 200, body: await (await invoiceDocuments()).url(invoice) };
  }),

  'POST /v1/invoices/{id}/finalize': route(ops['POST /v1/invoices/{id}/finalize'], async ({ identity, params, headers }) => {
    const invoice = await finalizeInvoice({ store: financeDeps().invoices, clock: runtimeClock }, { id: params.id, actor: identity.sub, expectedVersion: expectedVersion(headers, false) });
    return { status: 200, body: await withPayments(invoice, paymentTerms()), etag: etagOfVersion(invoice.version) };
  }),

  'POST /v1/invoices/{id}/void': route(ops['POST /v1/invoices/{id}/void'], async ({ identity, params, headers, body }) => {
    const { invoice, creditNote } = await voidInvoice(
      { store: financeDeps().invoices, clock: runtimeClock },
      { id: params.id, actor: identity.sub, reason: body.reason, expectedVersion: expectedVersion(headers, false) },
    );
    const termsOf = paymentTerms();
    return { status: 200, body: { ...(await withPayments(invoice, termsOf)), creditNote: await withPayments(creditNote, termsOf) }, etag: etagOfVersion(invoice.version) };
  }),

  'POST /v1/invoices/{id}/discard': route(ops['POST /v1/invoices/{id}/discard'], async ({ identity, params, headers, body }) => {
    const invoice = await discardInvoice(
      { store: financeDeps().invoices, clock: runtimeClock },
      { id: params.id, actor: identity.sub, reason: body.reason, expectedVersion: expectedVersion(headers, false) },
    );
    return { status: 200, body: await withPayments(invoice, paymentTerms()), etag: etagOfVersion(invoice.version) };
  }),

  'POST /v1/invoices/{id}/reissue': route(ops['POST /v1/invoices/{id}/reissue'], async ({ identity, params }) => {
    const { invoices } = financeDeps();
    const invoice = await reissueInvoice({ store: invoices, clock: runtimeClock, priorRuns: invoices, ...ratingDeps() }, { id: params.id, actor: identity.sub });
    return { status: 201, body: await withPayments(invoice, paymentTerms()), etag: etagOfVersion(invoice.version), headers: { location: `/v1/invoices/${invoice.id}` } };
  }),

  'POST /v1/invoices/{id}/payments': route(ops['POST /v1/invoices/{id}/payments'], async ({ identity, params, body }) => {
    const { invoice, payment } = await recordPayment({ store: financeDeps().invoices, clock: runtimeClock, newId: () => `pay_${randomUUID()}` }, { invoiceId: params.id, actor: identity.sub, ...body });
    return { status: 201, body: { ...(await withPayments(invoice, paymentTerms())), payment }, etag: etagOfVersion(invoice.version) };
  }),

  'GET /v1/receivables': route(ops['GET /v1/receivables'], async ({ query }) => {
    const documents = await financeDeps().invoices.listFinalizedDocuments();
    const termsOf = paymentTerms();
    const terms = new Map(await Promise.all([...new Set(documents.map((d) => d.advertiserId))].map(async (id) => [id, await termsOf(id)] as const)));
    const termsOfDocument = (d: (typeof documents)[number]) => d.billTo?.paymentTermsDays ?? terms.get(d.advertiserId) ?? DEFAULT_PAYMENT_TERMS_DAYS;
    return { status: 200, body: { asOf: query.asOf, items: agingOf(documents, termsOfDocument, query.asOf) } };
  }),
});
