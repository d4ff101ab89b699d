import type { PartnerStatement } from '../app/types';
import { formatInstant } from '../lib/dates';
import { Money } from './Money';
import { StatusBadge } from './StatusBadge';
import { Figures } from './Figures';

/**
 * A partner statement's status and money per currency: what was issued, paid, still due, and
 * what moved after issue (unissued adjustment, not payable through this statement); then its
 * payments. Presentational: no data fetching.
 */
export function StatementSummary({ statement }: { statement: PartnerStatement }) {
  return (
    <>
      <Figures
        label="Statement status"
        items={[
          { label: 'Status', value: <StatusBadge status={statement.status} /> },
          statement.issuedAt ? { label: 'Issued', value: `${formatInstant(statement.issuedAt)} by ${statement.issuedBy}` } : null,
        ]}
      />
      <table className="data-table">
        <caption>Balances by currency</caption>
        <thead>
          <tr>
            <th scope="col">Currency</th>
            <th scope="col" className="right">
              Payouts now
            </th>
            <th scope="col" className="right">
              Issued
            </th>
            <th scope="col" className="right">
              Paid
            </th>
            <th scope="col" className="right">
              Balance due
            </th>
            <th scope="col" className="right">
              Unissued adjustment
            </th>
          </tr>
        </thead>
        <tbody>
          {statement.balances.map((b) => (
            <tr key={b.currency}>
              <td>{b.currency}</td>
              <td className="right">
                <Money amount={b.total} currency={b.currency} />
              </td>
              <td className="right">
                <Money amount={b.issued} currency={b.currency} />
              </td>
              <td className="right">
                <Money amount={b.amountPaid} currency={b.currency} />
              </td>
              <td className="right">
                <Money amount={b.balanceDue} currency={b.currency} />
              </td>
              <td className="right">
                <Money amount={b.unissuedAdjustment} currency={b.currency} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {statement.payments.length > 0 ? (
        <table className="data-table">
          <caption>Payments to the partner</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Reference</th>
              <th scope="col" className="right">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {statement.payments.map((p) => (
              <tr key={p.id}>
                <td>{p.date}</td>
                <td>{p.reference}</td>
                <td className="right">
                  <Money amount={p.amount} currency={p.currency} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
