import type { ContractVersion } from '../app/types';
import { formatDay } from '../lib/dates';
import { diffTerms, flattenTerms } from '../lib/terms';
import { StatusBadge } from './StatusBadge';

export function BackdatedMarker({ version }: { version: Pick<ContractVersion, 'backdated'> }) {
  return version.backdated ? <span className="badge badge-warning">Backdated</span> : null;
}

export function TermsTable({ terms, caption }: { terms: unknown; caption: string }) {
  return (
    <table className="kv-table">
      <caption>{caption}</caption>
      <tbody>
        {flattenTerms(terms).map(([path, value]) => (
          <tr key={path}>
            <th scope="row">
              <code>{path}</code>
            </th>
            <td className="number">{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Two versions' terms side by side, changed values highlighted (and said, for screen readers). */
export function TermsDiff({ left, right }: { left: ContractVersion; right: ContractVersion }) {
  const rows = diffTerms({ effectiveFrom: left.effectiveFrom, ...left.terms }, { effectiveFrom: right.effectiveFrom, ...right.terms });
  const changes = rows.filter((r) => r.changed).length;
  return (
    <div>
      <p>
        {changes === 0 ? 'No differences.' : `${changes} value${changes === 1 ? '' : 's'} differ.`}
      </p>
      <table className="diff-table">
        <caption className="visually-hidden">
          Terms of version {left.number} and version {right.number}
        </caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">
              Version {left.number} <StatusBadge status={left.status} /> from {formatDay(left.effectiveFrom)} <BackdatedMarker version={left} />
            </th>
            <th scope="col">
              Version {right.number} <StatusBadge status={right.status} /> from {formatDay(right.effectiveFrom)} <BackdatedMarker version={right} />
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.path} className={row.changed ? 'changed' : undefined}>
              <th scope="row">
                <code>{row.path}</code>
                {row.changed ? <span className="visually-hidden"> (changed)</span> : null}
              </th>
              <td className="number">{row.left ?? '—'}</td>
              <td className="number">{row.right ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
