import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { CreateContractBody } from '../../../shared/schemas/api/contracts';
import { useCreateContractMutation } from '../app/api';
import { OtherErrors, TextField } from '../components/Field';
import { ErrorView } from '../components/States';
import { blankTerms, TermsEditor, termsFieldPaths, type TermsDraft } from '../components/TermsEditor';
import { useFormErrors } from '../lib/useForm';

const FIELDS = ['advertiserId', 'name', 'currency', 'timezone', 'startDate', 'endDate'] as const;

export default function ContractNew() {
  const navigate = useNavigate();
  const [create, { isLoading }] = useCreateContractMutation();
  const form = useFormErrors();
  const [fields, setFields] = useState<Record<(typeof FIELDS)[number], string>>({ advertiserId: '', name: '', currency: 'USD', timezone: 'UTC', startDate: '', endDate: '' });
  const [terms, setTerms] = useState<TermsDraft>(blankTerms());

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { ...fields, terms };
    if (!form.check(CreateContractBody, body)) return;
    try {
      const contract = await create(body as never).unwrap();
      navigate(`/contracts/${encodeURIComponent(contract.id)}`);
    } catch (error) {
      form.fromApi(error);
    }
  };

  const field = (name: (typeof FIELDS)[number], label: string, extra: Record<string, string> = {}) => (
    <TextField label={label} name={name} value={fields[name]} onChange={(e) => setFields({ ...fields, [name]: e.target.value })} error={form.errors[name]} {...extra} />
  );

  return (
    <>
      <p className="breadcrumb">
        <Link to="/contracts">Contracts</Link> / New
      </p>
      <h1>New contract</h1>
      <form onSubmit={submit} noValidate className="form">
        <fieldset>
          <legend>Contract</legend>
          <div className="field-row">
            {field('advertiserId', 'Advertiser ID')}
            {field('name', 'Name')}
            {field('currency', 'Currency', { hint: 'ISO 4217, e.g. USD' } as never)}
            {field('timezone', 'Time zone')}
            {field('startDate', 'Start date', { placeholder: 'YYYY-MM-DD' })}
            {field('endDate', 'End date', { placeholder: 'YYYY-MM-DD' })}
          </div>
        </fieldset>
        <TermsEditor value={terms} onChange={setTerms} errors={form.errors} prefix="terms" />
        <OtherErrors errors={form.errors} shown={[...FIELDS, ...termsFieldPaths(terms, 'terms')]} />
        {form.failure && form.failure.status !== 400 ? <ErrorView error={{ status: form.failure.status, data: { error: form.failure } }} /> : null}
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={isLoading}>
            Create draft
          </button>
        </div>
      </form>
    </>
  );
}
