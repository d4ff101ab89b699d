import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { AmendmentBody, RenewalBody, TerminationBody } from '../../../shared/schemas/api/contracts';
import { useDraftAmendmentMutation, useDraftRenewalMutation, useDraftTerminationMutation } from '../app/api';
import type { Contract } from '../app/types';
import { OtherErrors, TextAreaField, TextField } from '../components/Field';
import { ErrorView } from '../components/States';
import { TermsEditor, termsDraftOf, termsFieldPaths, type TermsDraft } from '../components/TermsEditor';
import { useFormErrors } from '../lib/useForm';

/** Ops' forms on a contract: draft an amendment, a renewal or a termination. */
export default function ContractChanges({ contract }: { contract: Contract }) {
  return (
    <div className="stack">
      <AmendmentForm contract={contract} />
      <RenewalForm contract={contract} />
      <TerminationForm contract={contract} />
    </div>
  );
}

const versionPath = (contract: Contract, n: number) => `/contracts/${encodeURIComponent(contract.id)}/versions/${n}`;

function ApiFailure({ failure }: { failure: ReturnType<typeof useFormErrors>['failure'] }) {
  return failure && failure.status !== 400 ? <ErrorView error={{ status: failure.status, data: { error: failure } }} /> : null;
}

function AmendmentForm({ contract }: { contract: Contract }) {
  const latest = contract.versions[contract.versions.length - 1]!;
  const [effectiveFrom, setEffectiveFrom] = useState('');
  const [terms, setTerms] = useState<TermsDraft>(() => termsDraftOf(latest.terms));
  const [draft, { isLoading }] = useDraftAmendmentMutation();
  const form = useFormErrors();
  const navigate = useNavigate();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { effectiveFrom, terms };
    if (!form.check(AmendmentBody, body)) return;
    try {
      const version = await draft({ id: contract.id, body: body as never }).unwrap();
      navigate(versionPath(contract, version.number));
    } catch (error) {
      form.fromApi(error);
    }
  };
  return (
    <form onSubmit={submit} noValidate className="form" aria-labelledby="amend">
      <h2 id="amend">Draft an amendment</h2>
      <TextField label="Effective from" name="effectiveFrom" placeholder="YYYY-MM-DD" value={effectiveFrom} onChange={(e) => setEffectiveFrom(e.target.value)} error={form.errors.effectiveFrom} hint="A date in the past makes it backdated: earlier periods get adjustments." />
      <TermsEditor value={terms} onChange={setTerms} errors={form.errors} prefix="terms" />
      <OtherErrors errors={form.errors} shown={['effectiveFrom', ...termsFieldPaths(terms, 'terms')]} />
      <ApiFailure failure={form.failure} />
      <button type="submit" className="button button-primary" disabled={isLoading}>
        Draft amendment
      </button>
    </form>
  );
}

function RenewalForm({ contract }: { contract: Contract }) {
  const [termMonths, setTermMonths] = useState('12');
  const [rateUpliftPct, setRateUpliftPct] = useState('');
  const [draft, { isLoading }] = useDraftRenewalMutation();
  const form = useFormErrors();
  const navigate = useNavigate();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { termMonths: /^\d+$/.test(termMonths) ? Number(termMonths) : termMonths, ...(rateUpliftPct ? { rateUpliftPct } : {}) };
    if (!form.check(RenewalBody, body)) return;
    try {
      const version = await draft({ id: contract.id, body: body as never }).unwrap();
      navigate(versionPath(contract, version.number));
    } catch (error) {
      form.fromApi(error);
    }
  };
  return (
    <form onSubmit={submit} noValidate className="form" aria-labelledby="renew">
      <h2 id="renew">Draft a renewal</h2>
      <div className="field-row">
        <TextField label="Months" name="termMonths" inputMode="numeric" value={termMonths} onChange={(e) => setTermMonths(e.target.value)} error={form.errors.termMonths} />
        <TextField label="Rate uplift %" name="rateUpliftPct" inputMode="decimal" value={rateUpliftPct} onChange={(e) => setRateUpliftPct(e.target.value)} error={form.errors.rateUpliftPct} hint="Empty: same rates" />
      </div>
      <OtherErrors errors={form.errors} shown={['termMonths', 'rateUpliftPct']} />
      <ApiFailure failure={form.failure} />
      <button type="submit" className="button" disabled={isLoading}>
        Draft renewal
      </button>
    </form>
  );
}

function TerminationForm({ contract }: { contract: Contract }) {
  const [effectiveDate, setEffectiveDate] = useState('');
  const [reason, setReason] = useState('');
  const [draft, { isLoading }] = useDraftTerminationMutation();
  const form = useFormErrors();
  const navigate = useNavigate();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { effectiveDate, reason };
    if (!form.check(TerminationBody, body)) return;
    try {
      const version = await draft({ id: contract.id, body }).unwrap();
      navigate(versionPath(contract, version.number));
    } catch (error) {
      form.fromApi(error);
    }
  };
  return (
    <form onSubmit={submit} noValidate className="form" aria-labelledby="terminate">
      <h2 id="terminate">Draft a termination</h2>
      <div className="field-row">
        <TextField label="Ends on" name="effectiveDate" placeholder="YYYY-MM-DD" value={effectiveDate} onChange={(e) => setEffectiveDate(e.target.value)} error={form.errors.effectiveDate} />
        <TextAreaField label="Reason" name="reason" value={reason} onChange={(e) => setReason(e.target.value)} error={form.errors.reason} rows={2} />
      </div>
      <OtherErrors errors={form.errors} shown={['effectiveDate', 'reason']} />
      <ApiFailure failure={form.failure} />
      <button type="submit" className="button button-danger" disabled={isLoading}>
        Draft termination
      </button>
    </form>
  );
}
