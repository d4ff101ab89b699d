import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useGetPartnerStatementQuery, useIssuePartnerStatementMutation, useRecordPartnerPaymentMutation } from '../app/api';
import { useRoles } from '../app/hooks';
import { mayUse } from '../app/navigation';
import type { PartnerStatement } from '../app/types';
import { SelectField, TextField } from '../components/Field';
import { Money } from '../components/Money';
import { Empty, ErrorView, Loading } from '../components/States';
import { StatementSummary } from '../components/StatementSummary';
import { currentPeriod, formatPeriod, previousPeriod } from '../lib/dates';
import { fieldErrors, toShownError } from '../lib/errors';
import { partnerPaymentErrors, paymentCurrencies } from '../lib/statement';

/**
 * A partner's statement of a period: payouts per contract and charge, net of re-runs, with its
 * status (OPEN, ISSUED, PAID) and balances; finance issues it and records payments to the partner.
 */
export default function PartnerStatements() {
  const [params, setParams] = useSearchParams();
  const partnerId = params.get('partnerId') ?? '';
  const period = params.get('period') ?? previousPeriod(currentPeriod(new Date()));
  const [draft, setDraft] = useState({ partnerId, period });
  const ready = partnerId !== '' && /^\d{4}-(0[1-9]|1[0-2])$/.test(period);
  const query = useGetPartnerStatementQuery({ id: partnerId, period }, { skip: !ready });
  const roles = useRoles();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setParams({ partnerId: draft.partnerId.trim(), period: draft.period.trim() });
  };
  return (
    <>
      <h1>Partner statements</h1>
      <form className="filters" onSubmit={submit} aria-label="Statement">
        <TextField label="Partner ID" name="partnerId" value={draft.partnerId} onChange={(e) => setDraft({ ...draft, partnerId: e.target.value })} />
        <TextField label="Period" name="period" placeholder="YYYY-MM" value={draft.period} onChange={(e) => setDraft({ ...draft, period: e.target.value })} />
        <button type="submit" className="button">
          Show
        </button>
      </form>
      {!ready ? (
        <Empty title="Choose a partner and a period" />
      ) : query.isLoading ? (
        <Loading what="the statement" />
      ) : query.error || !query.data ? (
        <ErrorView error={query.error} what="Statement" />
      ) : query.data.lines.length === 0 && query.data.status === 'OPEN' ? (
        <Empty title={`No payouts for ${formatPeriod(period)}`} />
      ) : (
        <>
          <StatementSummary statement={query.data} />
          {query.data.status === 'OPEN' && mayUse('POST /v1/partners/{id}/statements/{period}/issue', roles) ? <IssueButton partnerId={partnerId} period={period} /> : null}
          {query.data.status === 'ISSUED' && mayUse('POST /v1/partners/{id}/statements/{period}/payments', roles) ? (
            <PartnerPaymentForm partnerId={partnerId} period={period} statement={query.data} />
          ) : null}
          <table className="data-table">
            <caption>Payouts of {formatPeriod(period)}</caption>
            <thead>
              <tr>
                <th scope="col">Contract</th>
                <th scope="col">Advertiser</th>
                <th scope="col">Charge</th>
                <th scope="col" className="right">
                  Payout
                </th>
              </tr>
            </thead>
            <tbody>
              {query.data.lines.map((line) => (
                <tr key={`${line.contractId}-${line.chargeId}`}>
                  <td>
                    <Link to={`/contracts/${encodeURIComponent(line.contractId)}`}>{line.contractId}</Link>
                  </td>
                  <td>{line.advertiserId}</td>
                  <td>{line.chargeId}</td>
                  <td className="right">
                    <Money amount={line.amount} currency={line.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

/** OPEN -> ISSUED: the totals shown now become the amounts the partner is paid. */
function IssueButton({ partnerId, period }: { partnerId: string; period: string }) {
  const [issue, state] = useIssuePartnerStatementMutation();
  return (
    <div className="actions">
      <button type="button" className="button button-primary" disabled={state.isLoading} onClick={() => void issue({ id: partnerId, period }).unwrap().catch(() => undefined)}>
        Issue statement
      </button>
      {state.error ? <ErrorView error={state.error} /> : null}
    </div>
  );
}

function PartnerPaymentForm({ partnerId, period, statement }: { partnerId: string; period: string; statement: PartnerStatement }) {
  const currencies = paymentCurrencies(statement);
  const [form, setForm] = useState(() => ({ amount: '', date: new Date().toISOString().slice(0, 10), reference: '', currency: currencies[0] ?? '' }));
  // One key per payment the user means to record: a retried click records nothing twice.
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [record, state] = useRecordPartnerPaymentMutation();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = partnerPaymentErrors(form, currencies);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    try {
      await record({ id: partnerId, period, body: { amount: form.amount, date: form.date, reference: form.reference.trim(), currency: form.currency }, idempotencyKey: key }).unwrap();
      setForm({ ...form, amount: '', reference: '' });
      setKey(crypto.randomUUID());
    } catch (error) {
      setErrors(fieldErrors(toShownError(error).details));
    }
  };
  return (
    <form onSubmit={submit} noValidate className="inline-form" aria-labelledby="record-partner-payment">
      <h2 id="record-partner-payment">Record a payment to the partner</h2>
      {currencies.length > 1 ? (
        <SelectField label="Currency" name="currency" value={form.currency} onChange={(e) => setForm({ ...form, currency: e.target.value })} error={errors.currency}>
          {currencies.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </SelectField>
      ) : null}
      <TextField label={`Payment amount (${form.currency})`} name="amount" inputMode="decimal" value={form.amount} onChange={(e) => setForm({ ...form, amount: e.target.value })} error={errors.amount} />
      <TextField label="Payment date" name="date" placeholder="YYYY-MM-DD" value={form.date} onChange={(e) => setForm({ ...form, date: e.target.value })} error={errors.date} />
      <TextField label="Reference" name="reference" value={form.reference} onChange={(e) => setForm({ ...form, reference: e.target.value })} error={errors.reference} />
      <button type="submit" className="button button-primary" disabled={state.isLoading}>
        Record payment
      </button>
      {state.error ? <ErrorView error={state.error} /> : null}
    </form>
  );
}
