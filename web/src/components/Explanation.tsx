/**
 * An invoice line's explanation, as the rating engine wrote it: the version and its effective
 * date, the rate or the tier table with the tier reached highlighted, the quantity, the exact
 * unrounded amount and the rounding applied, and for CPA the conversions each rule excluded.
 */
import type { ContractVersion, Explanation } from '../app/types';
import { formatDay } from '../lib/dates';
import { formatDecimal, formatMoney } from '../lib/money';
import { Quantity } from './Money';

const RULES: [string, string][] = [
  ['wrongEvent', 'other event'],
  ['outsideWindow', 'outside the attribution window'],
  ['ineligible', 'not eligible (geo, new customer, minimum value)'],
  ['held', 'still on hold'],
  ['reversed', 'reversed'],
  ['notReceived', 'received after the run'],
  ['duplicate', 'duplicate'],
  ['overCap', 'over the conversion cap'],
];

function Rounding({ e, currency }: { e: { exactAmount: string; rounding: string; amount: string }; currency: string }) {
  return (
    <>
      <dt>Exact amount</dt>
      <dd className="number">{formatDecimal(e.exactAmount)}</dd>
      <dt>Rounded ({e.rounding.replace('_', ' ').toLowerCase()})</dt>
      <dd className="number">{formatMoney(e.amount, currency)}</dd>
    </>
  );
}

function VersionLine({ n, versions }: { n: number; versions: readonly ContractVersion[] }) {
  const v = versions.find((x) => x.number === n);
  return (
    <>
      <dt>Version</dt>
      <dd>
        {n}
        {v ? `, effective from ${formatDay(v.effectiveFrom)}${v.backdated ? ' (backdated)' : ''}` : ''}
      </dd>
    </>
  );
}

export function ExplanationView({ explanation, currency, versions }: { explanation: unknown; currency: string; versions: readonly ContractVersion[] }) {
  const e = explanation as Explanation | null;
  if (!e || typeof e !== 'object' || !('kind' in e)) return <pre className="raw">{JSON.stringify(explanation, null, 2)}</pre>;
  switch (e.kind) {
    case 'CPM_USAGE': {
      const tiers = e.pricing.model === 'FLAT' ? [] : e.pricing.tiers;
      const reached = tiers.reduce((last, tier, i) => (tier.quantity !== '0' ? i : last), -1);
      return (
        <div className="explanation">
          <dl>
            <VersionLine n={e.version} versions={versions} />
            <dt>Impressions ({e.sources.billableSource === 'FIRST_PARTY' ? 'first-party' : 'third-party'} counts)</dt>
            <dd>
              <Quantity value={e.quantity} />
            </dd>
            <dt>Other source</dt>
            <dd>
              <Quantity value={e.sources.billableSource === 'FIRST_PARTY' ? e.sources.thirdParty : e.sources.firstParty} />
              {e.sources.discrepancy ? ' — discrepancy above the threshold' : ''}
            </dd>
            {e.pricing.model === 'FLAT' ? (
              <>
                <dt>Rate per 1,000</dt>
                <dd className="number">{formatDecimal(e.pricing.rate)}</dd>
              </>
            ) : null}
            <Rounding e={e} currency={currency} />
          </dl>
          {tiers.length > 0 ? (
            <table className="data-table tiers">
              <caption>{e.pricing.model.toLowerCase()} tiers (tier reached highlighted)</caption>
              <thead>
                <tr>
                  <th scope="col">Up to</th>
                  <th scope="col">Rate per 1,000</th>
                  <th scope="col">Impressions priced</th>
                </tr>
              </thead>
              <tbody>
                {tiers.map((t, i) => (
                  <tr key={i} className={i === reached ? 'changed' : undefined}>
                    <td className="number">{t.upTo === null ? 'no limit' : formatDecimal(String(t.upTo))}</td>
                    <td className="number">{formatDecimal(t.rate)}</td>
                    <td className="number">
                      <Quantity value={t.quantity} />
                      {i === reached ? <span className="visually-hidden"> (tier reached)</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
      );
    }
    case 'CPA_USAGE':
      return (
        <div className="explanation">
          <dl>
            <VersionLine n={e.version} versions={versions} />
            <dt>Billable conversions ({e.event})</dt>
            <dd>
              <Quantity value={e.quantity} />
            </dd>
            <dt>Payout</dt>
            <dd>
              {e.payout
                ? `${formatDecimal(e.payout.flat)} flat + ${formatDecimal(e.payout.percentOfValue)}% of value${e.payout.min ? `, at least ${formatDecimal(e.payout.min)}` : ''}${e.payout.max ? `, at most ${formatDecimal(e.payout.max)}` : ''}`
                : `${e.payoutTiers?.model.toLowerCase() ?? 'tiered'} payout tiers`}
            </dd>
            {e.attribution !== 'FIRST_RECORD' ? (
              <>
                <dt>Attribution</dt>
                <dd>{e.attribution.replace('_', ' ').toLowerCase()}</dd>
              </>
            ) : null}
            <dt>Paid at minimum / maximum / proportional</dt>
            <dd className="number">
              {e.atMin} / {e.atMax} / {e.proportional}
            </dd>
            <Rounding e={e} currency={currency} />
          </dl>
          <table className="data-table">
            <caption>Conversions excluded, by rule</caption>
            <tbody>
              {RULES.map(([key, label]) => (
                <tr key={key}>
                  <th scope="row">{label}</th>
                  <td className="number">{(e.excluded as unknown as Record<string, number>)[key] ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    case 'ADJUSTMENT':
      return (
        <div className="explanation">
          <dl>
            <dt>Adjusts</dt>
            <dd>{e.adjusts.replace(/_/g, ' ').toLowerCase()}</dd>
            <dt>Previously invoiced</dt>
            <dd className="number">
              <Quantity value={e.previouslyInvoiced.quantity} /> · {formatMoney(e.previouslyInvoiced.amount, currency)}
            </dd>
            <dt>Recomputed</dt>
            <dd className="number">
              <Quantity value={e.recomputed.quantity} /> · {formatMoney(e.recomputed.amount, currency)}
            </dd>
          </dl>
          {e.fresh ? <ExplanationView explanation={e.fresh} currency={currency} versions={versions} /> : <p className="muted">The line is gone from the recomputation.</p>}
        </div>
      );
    default: {
      const { kind, version, exactAmount, rounding, amount, ...rest } = e as Explanation & { version: number; exactAmount: string; rounding: string; amount: string };
      return (
        <div className="explanation">
          <dl>
            <dt>Line</dt>
            <dd>{kind.replace(/_/g, ' ').toLowerCase()}</dd>
            <VersionLine n={version} versions={versions} />
            {Object.entries(rest).map(([k, v]) => (
              <div key={k} className="kv">
                <dt>{k}</dt>
                <dd className="number">{v === null ? '—' : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? formatDecimal(v) : String(v)}</dd>
              </div>
            ))}
            <Rounding e={{ exactAmount, rounding, amount }} currency={currency} />
          </dl>
        </div>
      );
    }
  }
}
