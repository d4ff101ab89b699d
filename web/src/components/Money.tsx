import { formatMoney, formatQuantity, isNegativeAmount } from '../lib/money';

/** An amount exactly as the API sent it, with its currency's minor units; negatives marked. */
export function Money({ amount, currency }: { amount: string | null | undefined; currency: string }) {
  if (amount === null || amount === undefined) return <span className="muted">—</span>;
  return <span className={isNegativeAmount(amount) ? 'money negative' : 'money'}>{formatMoney(amount, currency)}</span>;
}

export function Quantity({ value }: { value: string | number }) {
  return <span className="number">{formatQuantity(String(value))}</span>;
}
