import { useState, type FormEvent } from 'react';
import { UpdateVersionBody } from '../../../shared/schemas/api/contracts';
import { useUpdateVersionMutation } from '../app/api';
import type { ContractVersion } from '../app/types';
import { OtherErrors, TextField } from '../components/Field';
import { ErrorView } from '../components/States';
import { TermsEditor, termsDraftOf, termsFieldPaths, type TermsDraft } from '../components/TermsEditor';
import { useFormErrors } from '../lib/useForm';

/** Edit a DRAFT version's terms (PUT with If-Match; a stale ETag answers 412 and offers a reload). */
export default function DraftEditor({ contractId, version, etag, onReload }: { contractId: string; version: ContractVersion; etag: string | null; onReload: () => void }) {
  const [terms, setTerms] = useState<TermsDraft>(() => termsDraftOf(version.terms));
  const [effectiveFrom, setEffectiveFrom] = useState(version.effectiveFrom);
  const [save, { isLoading, isSuccess }] = useUpdateVersionMutation();
  const form = useFormErrors();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { terms, effectiveFrom };
    if (!form.check(UpdateVersionBody, body)) return;
    try {
      await save({ id: contractId, n: version.number, etag, body: body as never }).unwrap();
      form.clear();
    } catch (error) {
      form.fromApi(error);
    }
  };
  return (
    <form onSubmit={submit} noValidate className="form panel" aria-labelledby="edit-draft">
      <h2 id="edit-draft">Edit draft terms</h2>
      <TextField label="Effective from" name="effectiveFrom" value={effectiveFrom} onChange={(e) => setEffectiveFrom(e.target.value)} error={form.errors.effectiveFrom} />
      <TermsEditor value={terms} onChange={setTerms} errors={form.errors} prefix="terms" />
      <OtherErrors errors={form.errors} shown={['effectiveFrom', ...termsFieldPaths(terms, 'terms')]} />
      {form.failure && form.failure.status !== 400 ? <ErrorView error={{ status: form.failure.status, data: { error: form.failure } }} onReload={form.failure.status === 412 ? onReload : undefined} /> : null}
      {isSuccess && !form.failure ? <p role="status">Saved.</p> : null}
      <button type="submit" className="button button-primary" disabled={isLoading}>
        Save draft
      </button>
    </form>
  );
}
