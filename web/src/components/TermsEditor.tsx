/**
 * A version's terms as a form: charges (CPM flat rate, CPA payout), minimum commitment, budget
 * cap, agency commission. Every control is named with its API field path, so an error the API
 * or the client-side zod check reports at `terms.charges.0.pricing.rate` shows under it.
 * Tiered CPM pricing and partner shares are kept as they are (shown, not edited here).
 */
import type { VersionTerms } from '../app/types';
import { getPath, setPath } from '../lib/paths';
import { SelectField, TextField } from './Field';

/** What the editor works on: the API's terms, loosely typed while being edited. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any shape the API accepts, checked by its schema on submit
export type TermsDraft = Record<string, any>;

export const emptyCpmCharge = (n: number) => ({ id: `ctv-${n}`, kind: 'CPM', pricing: { model: 'FLAT', rate: '' } });
export const emptyCpaCharge = (n: number) => ({ id: `cpa-${n}`, kind: 'CPA', event: 'purchase', payout: { flat: '', percentOfValue: '0' }, attributionWindowDays: 7 });

export const blankTerms = (): TermsDraft => ({ charges: [emptyCpmCharge(1)], minimumCommitment: null, budgetCap: null, agencyCommissionPct: null, partners: [] });

/** Terms from the API made editable (drops nothing). */
export const termsDraftOf = (terms: VersionTerms): TermsDraft => JSON.parse(JSON.stringify(terms)) as TermsDraft;

export function TermsEditor({ value, onChange, errors, prefix }: { value: TermsDraft; onChange: (next: TermsDraft) => void; errors: Record<string, string>; prefix: string }) {
  const p = (path: string) => (prefix ? `${prefix}.${path}` : path);
  const text = (path: string) => {
    const v = getPath(value, path);
    return v === null || v === undefined ? '' : String(v);
  };
  const set = (path: string, next: unknown) => onChange(setPath(value, path, next));
  const charges = (value.charges ?? []) as TermsDraft[];

  return (
    <fieldset className="terms">
      <legend>Terms</legend>
      {charges.map((charge, i) => (
        <fieldset key={i} className="charge">
          <legend>
            Charge {i + 1} ({charge.kind})
          </legend>
          <TextField label="Charge id" name={p(`charges.${i}.id`)} value={text(`charges.${i}.id`)} onChange={(e) => set(`charges.${i}.id`, e.target.value)} error={errors[p(`charges.${i}.id`)]} />
          {charge.kind === 'CPM' ? (
            charge.pricing?.model === 'FLAT' ? (
              <TextField label="Rate per 1,000 impressions" name={p(`charges.${i}.pricing.rate`)} inputMode="decimal" value={text(`charges.${i}.pricing.rate`)} onChange={(e) => set(`charges.${i}.pricing.rate`, e.target.value)} error={errors[p(`charges.${i}.pricing.rate`)]} />
            ) : (
              <p className="muted">
                {charge.pricing?.model} pricing with {charge.pricing?.tiers?.length ?? 0} tiers (kept as it is)
              </p>
            )
          ) : (
            <>
              <TextField label="Conversion event" name={p(`charges.${i}.event`)} value={text(`charges.${i}.event`)} onChange={(e) => set(`charges.${i}.event`, e.target.value)} error={errors[p(`charges.${i}.event`)]} />
              <TextField label="Flat payout per conversion" name={p(`charges.${i}.payout.flat`)} inputMode="decimal" value={text(`charges.${i}.payout.flat`)} onChange={(e) => set(`charges.${i}.payout.flat`, e.target.value)} error={errors[p(`charges.${i}.payout.flat`)]} />
              <TextField label="Percent of conversion value" name={p(`charges.${i}.payout.percentOfValue`)} inputMode="decimal" value={text(`charges.${i}.payout.percentOfValue`)} onChange={(e) => set(`charges.${i}.payout.percentOfValue`, e.target.value)} error={errors[p(`charges.${i}.payout.percentOfValue`)]} />
              <TextField
                label="Attribution window (days)"
                name={p(`charges.${i}.attributionWindowDays`)}
                inputMode="numeric"
                value={text(`charges.${i}.attributionWindowDays`)}
                onChange={(e) => set(`charges.${i}.attributionWindowDays`, /^\d+$/.test(e.target.value) ? Number(e.target.value) : e.target.value)}
                error={errors[p(`charges.${i}.attributionWindowDays`)]}
              />
            </>
          )}
          {charges.length > 1 ? (
            <button type="button" className="button button-quiet" onClick={() => set('charges', charges.filter((_, j) => j !== i))}>
              Remove charge {i + 1}
            </button>
          ) : null}
        </fieldset>
      ))}
      {errors[p('charges')] ? <div className="field-error">{errors[p('charges')]}</div> : null}
      <div className="actions">
        <button type="button" className="button" onClick={() => set('charges', [...charges, emptyCpmCharge(charges.length + 1)])}>
          Add CPM charge
        </button>
        <button type="button" className="button" onClick={() => set('charges', [...charges, emptyCpaCharge(charges.length + 1)])}>
          Add CPA charge
        </button>
      </div>
      <div className="field-row">
        <TextField
          label="Minimum commitment per period"
          name={p('minimumCommitment.amount')}
          inputMode="decimal"
          hint="Empty: none"
          value={text('minimumCommitment.amount')}
          onChange={(e) => set('minimumCommitment', e.target.value === '' ? null : { amount: e.target.value, prorate: value.minimumCommitment?.prorate ?? false })}
          error={errors[p('minimumCommitment.amount')] ?? errors[p('minimumCommitment')]}
        />
        <TextField
          label="Budget cap"
          name={p('budgetCap.amount')}
          inputMode="decimal"
          hint="Empty: none"
          value={text('budgetCap.amount')}
          onChange={(e) => set('budgetCap', e.target.value === '' ? null : { amount: e.target.value, scope: value.budgetCap?.scope ?? 'PERIOD' })}
          error={errors[p('budgetCap.amount')] ?? errors[p('budgetCap')]}
        />
        {value.budgetCap ? (
          <SelectField label="Cap scope" name={p('budgetCap.scope')} value={text('budgetCap.scope')} onChange={(e) => set('budgetCap.scope', e.target.value)} error={errors[p('budgetCap.scope')]}>
            <option value="PERIOD">Per period</option>
            <option value="CONTRACT">Whole contract</option>
          </SelectField>
        ) : null}
        <TextField
          label="Agency commission %"
          name={p('agencyCommissionPct')}
          inputMode="decimal"
          hint="Empty: none"
          value={text('agencyCommissionPct')}
          onChange={(e) => set('agencyCommissionPct', e.target.value === '' ? null : e.target.value)}
          error={errors[p('agencyCommissionPct')]}
        />
      </div>
      {(value.partners ?? []).length > 0 ? <p className="muted">{value.partners.length} partner share(s) kept as they are.</p> : null}
    </fieldset>
  );
}

/** Every field path the editor shows (so other errors can be listed separately). */
export function termsFieldPaths(value: TermsDraft, prefix: string): string[] {
  const p = (path: string) => (prefix ? `${prefix}.${path}` : path);
  const paths = [p('charges'), p('minimumCommitment'), p('minimumCommitment.amount'), p('budgetCap'), p('budgetCap.amount'), p('budgetCap.scope'), p('agencyCommissionPct')];
  (value.charges ?? []).forEach((_: unknown, i: number) => {
    for (const f of ['id', 'pricing.rate', 'event', 'payout.flat', 'payout.percentOfValue', 'attributionWindowDays']) paths.push(p(`charges.${i}.${f}`));
  });
  return paths;
}
