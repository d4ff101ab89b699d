import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useLazyGetInvoicePdfQuery, useRecordPaymentMutation, useDiscardInvoiceMutation, useFinalizeInvoiceMutation, useGetContractQuery, useGetInvoiceQuery, useReissueInvoiceMutation, useVoidInvoiceMutation } from '../app/api';
import { useRoles } from '../app/hooks';
import { mayUse } from '../app/navigation';
import { ConfirmWithReason } from '../components/ConfirmDialog';
import { TextField } from '../components/Field';
import { fieldErrors, toShownError } from '../lib/errors';
import { InvoiceLines } from '../components/InvoiceLines';
import { Money } from '../components/Money';
import { ErrorView, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { formatInstant, formatPeriod } from '../lib/dates';
import type { ContractVersion } from '../app/types';
import { Figures } from '../components/Figures';

const NO_VERSIONS: readonly ContractVersion[] = [];

export default function InvoicePage() {
  const { id = '' } = useParams();
  const roles = useRoles();
  const query = useGetInvoiceQuery(id);
  const invoice = query.data;
  const contract = useGetContractQuery(invoice?.contractId ?? '', { skip: !invoice });
  const [finalize, finalizeState] = useFinalizeInvoiceMutation();
  const [voidInvoice, voidState] = useVoidInvoiceMutation();
  const [discard, discardState] = useDiscardInvoiceMutation();
  const [reissue, reissueState] = useReissueInvoiceMutation();
  const navigate = useNavigate();
  if (query.isLoading) return <Loading what="the invoice" />;
  if (query.error || !invoice) return <ErrorView error={query.error} what="Invoice" />;
  const versions = contract.data?.versions ?? NO_VERSIONS;
  const timeZone = contract.data?.timezone ?? 'UTC';
  const actionError = finalizeState.error ?? voidState.error ?? discardState.error ?? reissueState.error;
  const finance = mayUse('POST /v1/invoices/{id}/finalize', roles);

  return (
    <>
      <p className="breadcrumb">
        <Link to="/invoices">Invoices</Link> / {invoice.number ?? invoice.id}
      </p>
      <div className="page-header">
        <h1>
          {invoice.kind === 'CREDIT_NOTE' ? 'Credit note' : invoice.kind === 'ADJUSTMENT' ? 'Adjustment invoice' : 'Invoice'} {invoice.number ?? '(draft)'}
        </h1>
        <StatusBadge status={invoice.status} />
      </div>
      <Figures
        items={[
          { label: 'Period', value: formatPeriod(invoice.period) },
          { label: 'Contract', value: <Link to={`/contracts/${encodeURIComponent(invoice.contractId)}`}>{contract.data?.name ?? invoice.contractId}</Link> },
          { label: 'Advertiser', value: invoice.advertiserId },
          { label: 'Subtotal', value: <Money amount={invoice.subtotal} currency={invoice.currency} /> },
          { label: 'Total', value: <Money amount={invoice.total} currency={invoice.currency} />, strong: true },
          invoice.paymentStatus ? { label: 'Paid', value: <Money amount={invoice.amountPaid} currency={invoice.currency} /> } : null,
          invoice.paymentStatus ? { label: 'Balance due', value: <Money amount={invoice.balanceDue} currency={invoice.currency} /> } : null,
          invoice.paymentStatus ? { label: 'Payment', value: <StatusBadge status={invoice.paymentStatus} /> } : null,
          invoice.finalizedAt ? { label: 'Finalized', value: formatInstant(invoice.finalizedAt, timeZone) } : null,
        ]}
      />
      {invoice.voidReason ? <p>Voided: {invoice.voidReason}</p> : null}
      {invoice.reissueOf ? (
        <p>
          Reissue of <Link to={`/invoices/${encodeURIComponent(invoice.reissueOf)}`}>{invoice.reissueOf}</Link>
        </p>
      ) : null}
      {invoice.creditNoteId ? (
        <p>
          Credit note: <Link to={`/invoices/${encodeURIComponent(invoice.creditNoteId)}`}>{invoice.creditNoteId}</Link>
        </p>
      ) : null}
      {invoice.creditsInvoiceId ? (
        <p>
          Credits invoice <Link to={`/invoices/${encodeURIComponent(invoice.creditsInvoiceId)}`}>{invoice.creditsInvoiceId}</Link>
        </p>
      ) : null}
      {finance ? (
        <div className="actions">
          <button
            type="button"
            className="button button-primary"
            disabled={invoice.status !== 'DRAFT' || finalizeState.isLoading}
            title={invoice.status !== 'DRAFT' ? `Only drafts can be finalized; this one is ${invoice.status}` : undefined}
            onClick={() => void finalize({ id: invoice.id, etag: invoice.etag })}
          >
            Finalize
          </button>
          <ConfirmWithReason
            trigger="Void"
            title={`Void ${invoice.number ?? invoice.id}?`}
            description="Voiding issues a credit note for every line. It cannot be undone."
            confirmLabel="Void invoice"
            reasonLabel="Reason"
            disabled={invoice.status !== 'FINALIZED' || invoice.kind === 'CREDIT_NOTE'}
            disabledReason="Only finalized invoices can be voided"
            onConfirm={(reason) => void voidInvoice({ id: invoice.id, etag: invoice.etag, body: { reason } })}
          />
          {mayUse('POST /v1/invoices/{id}/discard', roles) ? (
            <ConfirmWithReason
              trigger="Discard"
              title={`Discard this draft?`}
              description="The draft was never issued: it becomes DISCARDED and the next billing run of the period rates the contract afresh."
              confirmLabel="Discard draft"
              reasonLabel="Reason"
              disabled={invoice.status !== 'DRAFT'}
              disabledReason="Only drafts can be discarded; issued invoices are voided"
              onConfirm={(reason) => void discard({ id: invoice.id, etag: invoice.etag, reason })}
            />
          ) : null}
          {mayUse('POST /v1/invoices/{id}/reissue', roles) ? (
            <button
              type="button"
              className="button"
              disabled={invoice.status !== 'VOID' || invoice.kind === 'CREDIT_NOTE' || reissueState.isLoading}
              title={invoice.status !== 'VOID' ? 'Only a voided invoice can be reissued' : undefined}
              onClick={() =>
                void reissue(invoice.id)
                  .unwrap()
                  .then((draft) => navigate(`/invoices/${encodeURIComponent(draft.id)}`))
                  .catch(() => undefined)
              }
            >
              Reissue
            </button>
          ) : null}
        </div>
      ) : null}
      {mayUse('GET /v1/invoices/{id}/pdf', roles) && invoice.status === 'FINALIZED' && invoice.number ? <PdfLink invoiceId={invoice.id} number={invoice.number} /> : null}
      {actionError ? <ErrorView error={actionError} onReload={() => void query.refetch()} /> : null}
      {finance && mayUse('POST /v1/invoices/{id}/payments', roles) && invoice.paymentStatus && invoice.paymentStatus !== 'PAID' ? (
        <PaymentForm invoiceId={invoice.id} currency={invoice.currency} />
      ) : null}

      <h2>Lines</h2>
      <InvoiceLines lines={invoice.lines} currency={invoice.currency} total={invoice.total} versions={versions} />
      {finance && invoice.partnerPayouts.length > 0 ? (
        <>
          <h2>Partner payouts</h2>
          <table className="data-table">
            <caption className="visually-hidden">Partner payouts</caption>
            <thead>
              <tr>
                <th scope="col">Partner</th>
                <th scope="col">Charge</th>
                <th scope="col" className="right">
                  Payout
                </th>
              </tr>
            </thead>
            <tbody>
              {invoice.partnerPayouts.map((p) => (
                <tr key={`${p.partnerId}-${p.chargeId}`}>
                  <td>{p.partnerId}</td>
                  <td>{p.chargeId}</td>
                  <td className="right">
                    <Money amount={p.amount} currency={invoice.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </>
  );
}

function PaymentForm({ invoiceId, currency }: { invoiceId: string; currency: string }) {
  const [amount, setAmount] = useState('');
  const [date, setDate] = useState(() => new Date().toISOString().slice(0, 10));
  const [reference, setReference] = useState('');
  // One key per payment the user means to record: a retried click records nothing twice.
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [record, state] = useRecordPaymentMutation();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!/^\d+(\.\d+)?$/.test(amount)) found.amount = 'must be a positive decimal string';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) found.date = 'must be a day YYYY-MM-DD';
    if (reference.trim() === '') found.reference = 'is required';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    try {
      await record({ id: invoiceId, body: { amount, date, reference: reference.trim() }, idempotencyKey: key }).unwrap();
      setAmount('');
      setReference('');
      setKey(crypto.randomUUID());
    } catch (error) {
      setErrors(fieldErrors(toShownError(error).details));
    }
  };
  return (
    <form onSubmit={submit} noValidate className="form inline-form" aria-labelledby="record-payment">
      <h2 id="record-payment">Record a payment</h2>
      <TextField label={`Payment amount (${currency})`} name="amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} error={errors.amount} />
      <TextField label="Payment date" name="date" placeholder="YYYY-MM-DD" value={date} onChange={(e) => setDate(e.target.value)} error={errors.date} />
      <TextField label="Reference" name="reference" value={reference} onChange={(e) => setReference(e.target.value)} error={errors.reference} />
      <button type="submit" className="button button-primary" disabled={state.isLoading}>
        Record payment
      </button>
      {state.error ? <ErrorView error={state.error} /> : null}
    </form>
  );
}

/** The PDF of an issued invoice or credit note: the API answers a presigned URL, opened on click. */
function PdfLink({ invoiceId, number }: { invoiceId: string; number: string }) {
  const [fetchPdf, state] = useLazyGetInvoicePdfQuery();
  return (
    <p>
      <button
        type="button"
        className="button"
        disabled={state.isFetching}
        onClick={() =>
          void fetchPdf(invoiceId)
            .unwrap()
            .then(({ url }) => window.open(url, '_blank', 'noopener'))
            .catch(() => undefined)
        }
      >
        Download PDF <span className="visually-hidden">of {number}</span>
      </button>
      {state.error ? <ErrorView error={state.error} /> : null}
    </p>
  );
}
