/**
 * What approving a version would change: per invoiced period the ADJUSTMENT lines the re-run
 * would bill and the partner payout changes, and the current (not yet invoiced) period before
 * and after. Every figure is the API's string.
 */
import { useGetImpactQuery } from '../app/api';
import type { VersionImpact } from '../app/types';
import { formatPeriod } from '../lib/dates';
import { Money, Quantity } from './Money';
import { ErrorView, Loading } from './States';
import { Figures } from './Figures';

export function ImpactPreview({ contractId, version }: { contractId: string; version: number }) {
  const query = useGetImpactQuery({ id: contractId, n: version });
  if (query.isLoading) return <Loading what="the impact preview" />;
  if (query.error || !query.data) return <ErrorView error={query.error} what="Impact preview" />;
  return <ImpactTables impact={query.data} />;
}

export function ImpactTables({ impact }: { impact: VersionImpact }) {
  const c = impact.currency;
  const current = impact.currentPeriod;
  return (
    <div className="impact">
      <Figures
        label="Impact figures"
        items={[
          { label: 'Change to invoiced periods', value: <Money amount={impact.total} currency={c} />, strong: true },
          { label: 'In absolute value', value: <Money amount={impact.absolute} currency={c} /> },
          {
            label: `${formatPeriod(current.period)} so far (not invoiced)`,
            value: (
              <>
                <Money amount={current.before} currency={c} /> → <Money amount={current.after} currency={c} /> (<Money amount={current.change} currency={c} />)
              </>
            ),
          },
        ]}
      />
      {impact.periods.length === 0 ? (
        <p className="muted">No invoiced period changes: the version takes effect after what has been billed.</p>
      ) : (
        impact.periods.map((p) => (
          <table key={p.period} className="data-table">
            <caption>
              {formatPeriod(p.period)}: adjustment <Money amount={p.total} currency={c} />
            </caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Charge</th>
                <th scope="col" className="right">
                  Quantity
                </th>
                <th scope="col" className="right">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {p.lines.length === 0 ? (
                <tr>
                  <td colSpan={4} className="muted">
                    No adjustment lines
                  </td>
                </tr>
              ) : (
                p.lines.map((line, i) => (
                  <tr key={i}>
                    <td>{line.type.replace(/_/g, ' ').toLowerCase()}</td>
                    <td>{line.chargeId ?? '—'}</td>
                    <td className="right">
                      <Quantity value={line.quantity} />
                    </td>
                    <td className="right">
                      <Money amount={line.amount} currency={c} />
                    </td>
                  </tr>
                ))
              )}
              {p.partnerPayouts.map((payout) => (
                <tr key={`${payout.partnerId}-${payout.chargeId}`}>
                  <td>partner payout change</td>
                  <td>
                    {payout.partnerId} · {payout.chargeId}
                  </td>
                  <td />
                  <td className="right">
                    <Money amount={payout.amount} currency={c} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))
      )}
    </div>
  );
}
