/**
 * Receivables aging as stacked bars (Recharts, loaded only with the Receivables page): one bar
 * per advertiser and currency, stacked by bucket. Numbers only place the marks; the table next
 * to it is the text alternative with the API's strings.
 */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Receivables } from '../app/types';

export const BUCKETS = [
  ['current', 'Current', '#8aa6ee'],
  ['d1_30', '1–30 days', '#f0c75e'],
  ['d31_60', '31–60 days', '#e8964a'],
  ['d61_90', '61–90 days', '#d0623f'],
  ['over90', 'Over 90 days', '#b3261e'],
] as const;

export default function AgingChart({ receivables, label }: { receivables: Receivables; label: string }) {
  const data = receivables.items.map((item) => ({
    name: `${item.advertiserId} (${item.currency})`,
    ...Object.fromEntries(BUCKETS.map(([key]) => [key, Number(item[key])])),
  }));
  return (
    <div className="chart" role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height={260}>
        <BarChart data={data} margin={{ top: 10, right: 24, bottom: 0, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid stroke="#e3e6ec" vertical={false} />
          <XAxis dataKey="name" tick={{ fill: '#4f5869', fontSize: 12 }} />
          <YAxis tick={{ fill: '#4f5869', fontSize: 12 }} width={72} />
          <Tooltip isAnimationActive={false} />
          <Legend />
          {BUCKETS.map(([key, name, color]) => (
            <Bar key={key} dataKey={key} name={name} stackId="aging" fill={color} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
