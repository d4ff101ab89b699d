/**
 * A contract's credits (make-goods): the list for everyone who may read it, the create form for
 * ops (checked with the API's own schema first), and approve / reject for approvers and finance
 * on pending credits (never by their author: the button says why). Its own chunk, loaded with
 * the Credits tab, since the form brings the zod schemas.
 */
import { useState, type FormEvent } from 'react';
import { CREDIT_REASONS } from '../../../shared/domain/credits/model';
import { CreateCreditBody } from '../../../shared/schemas/api/credits';
import { useApproveCreditMutation, useCreateCreditMutation, useListCreditsQuery, useRejectCreditMutation } from '../app/api';
import { useClaims, useRoles } from '../app/hooks';
import { mayUse } from '../app/navigation';
import type { Contract, Credit } from '../app/types';
import { ConfirmWithReason } from '../components/ConfirmDialog';
import { OtherErrors, SelectField, TextAreaField, TextField } from '../components/Field';
import { Money } from '../components/Money';
import { Empty, ErrorView, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { requirementText } from '../lib/approval';
import { formatInstant, formatPeriod } from '../lib/dates';
import { useFormErrors } from '../lib/useForm';

const REASON_LABELS: Record<string, string> = { MAKE_GOOD: 'Make-good', SERVICE_CREDIT: 'Service credit', GOODWILL: 'Goodwill' };

export default function ContractCredits({ contract }: { contract: Contract }) {
  const roles = useRoles();
  const query = useListCreditsQuery(contract.id);
  return (
    <div className="stack">
      {query.isLoading ? (
        <Loading what="the credits" />
      ) : query.error || !query.data ? (
        <ErrorView error={query.error} what="Credits" />
      ) : query.data.items.length === 0 ? (
        <Empty title="No credits on this contract">{mayUse('POST /v1/contracts/{id}/credits', roles) ? 'Create one below; it needs an approval before it is invoiced.' : 'Approved credits show here.'}</Empty>
      ) : (
        <CreditsTable contract={contract} credits={query.data.items} />
      )}
      {mayUse('POST /v1/contracts/{id}/credits', roles) ? <CreateCreditForm contract={contract} /> : null}
    </div>
  );
}

function CreditsTable({ contract, credits }: { contract: Contract; credits: Credit[] }) {
  const roles = useRoles();
  const decides = mayUse('POST /v1/contracts/{id}/credits/{creditId}/approve', roles);
  return (
    <table className="data-table">
      <caption>Credits</caption>
      <thead>
        <tr>
          <th scope="col">Period</th>
          <th scope="col" className="right">
            Amount
          </th>
          <th scope="col">Reason</th>
          <th scope="col">Status</th>
          <th scope="col">Details</th>
          {decides ? <th scope="col">Decision</th> : null}
        </tr>
      </thead>
      <tbody>
        {credits.map((credit) => (
          <tr key={credit.id}>
            <td>{formatPeriod(credit.period)}</td>
            <td className="right">
              <Money amount={credit.amount} currency={contract.currency} />
            </td>
            <td>{REASON_LABELS[credit.reason] ?? credit.reason}</td>
            <td>
              <StatusBadge status={credit.status} />
            </td>
            <td>
              {credit.note ? <div>{credit.note}</div> : null}
              <div className="muted">
                {credit.createdBy ? `by ${credit.createdBy} · ` : ''}
                {formatInstant(credit.createdAt, contract.timezone)}
              </div>
              {credit.status === 'PENDING_APPROVAL' ? <div className="muted">{requirementText(credit.requirement, contract.currency)}</div> : null}
              {(credit.approvals ?? []).map((a) => (
                <div key={`${a.approverId}-${a.at}`} className="muted">
                  Approved by {a.approverId}
                  {a.comment ? `: “${a.comment}”` : ''}
                </div>
              ))}
              {credit.rejection ? (
                <div className="field-error">
                  Rejected by {credit.rejection.by}: {credit.rejection.reason}
                </div>
              ) : null}
            </td>
            {decides ? (
              <td>
                <CreditDecision contract={contract} credit={credit} />
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CreditDecision({ contract, credit }: { contract: Contract; credit: Credit }) {
  const claims = useClaims();
  const [approve, approveState] = useApproveCreditMutation();
  const [reject, rejectState] = useRejectCreditMutation();
  const pending = credit.status === 'PENDING_APPROVAL';
  const isAuthor = !!claims && credit.createdBy === claims.sub;
  const already = !!claims && (credit.approvals ?? []).some((a) => a.approverId === claims.sub);
  const blocked = !pending ? `the credit is ${credit.status.toLowerCase().replace(/_/g, ' ')}` : isAuthor ? 'you created this credit; someone else must approve it' : already ? 'you approved it already' : undefined;
  const ref = { id: contract.id, creditId: credit.id };
  const label = `${formatPeriod(credit.period)} credit`;
  if (!pending) return <span className="muted">—</span>;
  const error = approveState.error ?? rejectState.error;
  return (
    <>
      <div className="actions">
        <button type="button" className="button button-primary" aria-label={`Approve ${label}`} disabled={!!blocked || approveState.isLoading} title={blocked} onClick={() => void approve({ ...ref, body: {} })}>
          Approve
        </button>
        <ConfirmWithReason
          trigger="Reject"
          title={`Reject the ${label}?`}
          description="The credit becomes REJECTED and is never invoiced."
          confirmLabel="Reject credit"
          reasonLabel="Reason"
          disabled={!!blocked}
          {...(blocked ? { disabledReason: blocked } : {})}
          onConfirm={(reason) => void reject({ ...ref, body: { reason } })}
        />
      </div>
      {blocked ? <p className="muted">Unavailable: {blocked}.</p> : null}
      {error ? <ErrorView error={error} /> : null}
    </>
  );
}

function CreateCreditForm({ contract }: { contract: Contract }) {
  const [period, setPeriod] = useState('');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState<string>(CREDIT_REASONS[0]);
  const [note, setNote] = useState('');
  const [create, { isLoading }] = useCreateCreditMutation();
  const [created, setCreated] = useState<string | null>(null);
  const form = useFormErrors();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    const body = { period, amount, reason, ...(note.trim() ? { note: note.trim() } : {}) };
    if (!form.check(CreateCreditBody, body)) return;
    try {
      const credit = await create({ id: contract.id, body: body as never }).unwrap();
      form.clear();
      setCreated(`Credit of ${credit.amount} ${contract.currency} for ${formatPeriod(credit.period)} created, pending approval.`);
      setAmount('');
      setNote('');
    } catch (error) {
      form.fromApi(error);
    }
  };
  return (
    <form onSubmit={submit} noValidate className="form" aria-labelledby="new-credit">
      <h2 id="new-credit">Create a credit</h2>
      <div className="field-row">
        <TextField label="Credit period" name="period" placeholder="YYYY-MM" value={period} onChange={(e) => setPeriod(e.target.value)} error={form.errors.period} />
        <TextField label={`Credit amount (${contract.currency})`} name="amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} error={form.errors.amount} />
        <SelectField label="Credit reason" name="reason" value={reason} onChange={(e) => setReason(e.target.value)} error={form.errors.reason}>
          {CREDIT_REASONS.map((r) => (
            <option key={r} value={r}>
              {REASON_LABELS[r] ?? r}
            </option>
          ))}
        </SelectField>
      </div>
      <TextAreaField label="Note" name="note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} error={form.errors.note} />
      <OtherErrors errors={form.errors} shown={['period', 'amount', 'reason', 'note']} />
      {form.failure && form.failure.status !== 400 ? <ErrorView error={{ status: form.failure.status, data: { error: form.failure } }} /> : null}
      {created ? <p role="status">{created}</p> : null}
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={isLoading}>
          Create credit
        </button>
      </div>
    </form>
  );
}
