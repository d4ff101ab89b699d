/**
 * The label / value block under a page's or a section's header: a description list of key
 * figures (`dl.figures`), one `dt` and `dd` per figure, the figure to read first in bold. Items
 * that are `null` or `false` are left out, so a figure that only sometimes applies is written
 * inline: `spend.guaranteeCredit !== null && { label: …, value: … }`.
 */
import type { ReactNode } from 'react';

export interface Figure {
  label: ReactNode;
  value: ReactNode;
  strong?: boolean;
}

export function Figures({ label, items }: { label?: string; items: readonly (Figure | null | false | undefined)[] }) {
  return (
    <dl className="figures" aria-label={label}>
      {items.map((item, i) =>
        item ? (
          <div key={typeof item.label === 'string' ? item.label : i}>
            <dt>{item.label}</dt>
            <dd className={item.strong ? 'figure-strong' : undefined}>{item.value}</dd>
          </div>
        ) : null,
      )}
    </dl>
  );
}
