/**
 * Spend to date as a chart (Recharts, loaded only with the Spend page): daily spend as bars,
 * cumulative spend as a line against the budget cap, and the pacing projection to the period's
 * end as a dashed line. Numbers here only place marks on the chart; every figure a person reads
 * comes from the API's strings (the table next to the chart is its text alternative).
 */
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Spend } from '../app/types';
import { spendChartPoints } from '../lib/spend';

export default function SpendChart({ spend, label }: { spend: Spend; label: string }) {
  const points = spendChartPoints(spend);
  return (
    <div className="chart" role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height={280}>
        <ComposedChart data={points} margin={{ top: 10, right: 24, bottom: 0, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid stroke="#e3e6ec" vertical={false} />
          <XAxis dataKey="date" tick={{ fill: '#4f5869', fontSize: 12 }} />
          <YAxis tick={{ fill: '#4f5869', fontSize: 12 }} width={72} />
          <Tooltip isAnimationActive={false} />
          <Legend />
          <Bar dataKey="daily" name={`Daily spend (${spend.currency})`} fill="#8aa6ee" isAnimationActive={false} />
          <Line dataKey="cumulative" name={`Spend to date (${spend.currency})`} stroke="#1f4fd1" strokeWidth={2} dot={false} isAnimationActive={false} />
          <Line dataKey="projection" name="Projection" stroke="#6b4500" strokeDasharray="6 4" strokeWidth={2} dot={false} connectNulls isAnimationActive={false} />
          {spend.budgetCap ? <ReferenceLine y={Number(spend.budgetCap)} stroke="#b3261e" strokeWidth={2} label={{ value: 'Budget cap', fill: '#b3261e', position: 'insideTopRight' }} /> : null}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
