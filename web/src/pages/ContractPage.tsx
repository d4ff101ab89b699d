import { Tabs } from 'radix-ui';
import { lazy, Suspense, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useGetAuditQuery, useGetContractQuery } from '../app/api';
import { useRoles } from '../app/hooks';
import { mayUse } from '../app/navigation';
import type { Contract, ContractVersion } from '../app/types';
import { SelectField } from '../components/Field';
import { Empty, ErrorView, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { BackdatedMarker, TermsDiff, TermsTable } from '../components/Terms';
import { formatDay, formatInstant } from '../lib/dates';
import { Figures } from '../components/Figures';

// Forms only ops use: their own chunk (they bring the zod schemas).
const ContractChanges = lazy(() => import('./ContractChanges'));
const UsageUpload = lazy(() => import('./UsageUpload'));
const ContractCredits = lazy(() => import('./ContractCredits'));

const isAdvertiserOnly = (roles: readonly string[]) => roles.length > 0 && roles.every((r) => r === 'advertiser');

/** Versions an advertiser may see: the approved ones (and those they superseded). */
const visibleVersions = (contract: Contract, roles: readonly string[]) =>
  isAdvertiserOnly(roles) ? contract.versions.filter((v) => v.status === 'APPROVED' || v.status === 'SUPERSEDED') : contract.versions;

export default function ContractPage() {
  const { id = '' } = useParams();
  const roles = useRoles();
  const [params, setParams] = useSearchParams();
  const query = useGetContractQuery(id);
  if (query.isLoading) return <Loading what="the contract" />;
  if (query.error || !query.data) return <ErrorView error={query.error} what="Contract" />;
  const contract = query.data;
  const versions = visibleVersions(contract, roles);
  const inEffect = contract.versions.find((v) => v.number === contract.inEffect.number);
  const tab = params.get('tab') ?? 'versions';
  const tabs = [
    { value: 'versions', label: 'Versions' },
    { value: 'terms', label: 'Terms' },
    { value: 'compare', label: 'Compare' },
    ...(mayUse('GET /v1/contracts/{id}/credits', roles) ? [{ value: 'credits', label: 'Credits' }] : []),
    ...(mayUse('GET /v1/contracts/{id}/audit', roles) ? [{ value: 'audit', label: 'Audit' }] : []),
    ...(mayUse('POST /v1/contracts/{id}/amendments', roles) ? [{ value: 'changes', label: 'Changes' }] : []),
    ...(mayUse('POST /v1/usage/impressions', roles) ? [{ value: 'usage', label: 'Usage' }] : []),
  ];

  return (
    <>
      <p className="breadcrumb">
        <Link to="/contracts">Contracts</Link> / {contract.name}
      </p>
      <div className="page-header">
        <h1>{contract.name}</h1>
        <StatusBadge status={contract.status} />
        {mayUse('GET /v1/contracts/{id}/spend', roles) ? (
          <Link className="button" to={`/spend?contract=${encodeURIComponent(contract.id)}`}>
            Spend to date
          </Link>
        ) : null}
      </div>
      <Figures
        items={[
          { label: 'Advertiser', value: contract.advertiserId },
          { label: 'Term', value: `${formatDay(contract.startDate)} – ${formatDay(contract.endDate)}` },
          { label: 'Currency', value: contract.currency },
          { label: 'Time zone', value: contract.timezone },
          { label: `In effect on ${formatDay(contract.inEffect.day)}`, value: contract.inEffect.number === null ? 'no version' : `version ${contract.inEffect.number}` },
          contract.terminatedOn ? { label: 'Terminated on', value: formatDay(contract.terminatedOn) } : null,
        ]}
      />
      <Tabs.Root value={tabs.some((t) => t.value === tab) ? tab : 'versions'} onValueChange={(value) => setParams({ tab: value }, { replace: true })}>
        <Tabs.List className="tabs" aria-label="Contract sections">
          {tabs.map((t) => (
            <Tabs.Trigger key={t.value} value={t.value} className="tab">
              {t.label}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        <Tabs.Content value="versions" className="tab-panel">
          <VersionsTimeline contract={contract} versions={versions} />
        </Tabs.Content>
        <Tabs.Content value="terms" className="tab-panel">
          {inEffect ? <TermsTable terms={inEffect.terms} caption={`Terms of version ${inEffect.number}, in effect on ${formatDay(contract.inEffect.day)}`} /> : <Empty title="No version is in effect today" />}
        </Tabs.Content>
        <Tabs.Content value="compare" className="tab-panel">
          <Compare versions={versions} />
        </Tabs.Content>
        <Tabs.Content value="credits" className="tab-panel">
          <Suspense fallback={<Loading what="the credits" />}>{tab === 'credits' ? <ContractCredits contract={contract} /> : null}</Suspense>
        </Tabs.Content>
        <Tabs.Content value="audit" className="tab-panel">
          {tab === 'audit' ? <AuditTrail contract={contract} /> : null}
        </Tabs.Content>
        <Tabs.Content value="changes" className="tab-panel">
          <Suspense fallback={<Loading what="the forms" />}>{tab === 'changes' ? <ContractChanges contract={contract} /> : null}</Suspense>
        </Tabs.Content>
        <Tabs.Content value="usage" className="tab-panel">
          <Suspense fallback={<Loading what="the upload form" />}>{tab === 'usage' ? <UsageUpload contract={contract} /> : null}</Suspense>
        </Tabs.Content>
      </Tabs.Root>
    </>
  );
}

function VersionsTimeline({ contract, versions }: { contract: Contract; versions: ContractVersion[] }) {
  if (versions.length === 0) return <Empty title="No approved versions yet" />;
  return (
    <ol className="timeline">
      {[...versions].reverse().map((v) => (
        <li key={v.number} className={v.number === contract.inEffect.number ? 'in-effect' : undefined}>
          <Link to={`/contracts/${encodeURIComponent(contract.id)}/versions/${v.number}`}>
            Version {v.number} · {v.kind.toLowerCase()}
          </Link>{' '}
          <StatusBadge status={v.status} /> <BackdatedMarker version={v} />
          {v.number === contract.inEffect.number ? <span className="badge badge-info">In effect</span> : null}
          <div className="muted">
            effective {formatDay(v.effectiveFrom)}
            {v.recordedAt ? ` · approved ${formatInstant(v.recordedAt, contract.timezone)}` : ''}
            {v.termination ? ` · terminates on ${formatDay(v.termination.effectiveDate)}` : ''}
            {v.renewal ? ` · renews to ${formatDay(v.renewal.newEndDate)}` : ''}
          </div>
        </li>
      ))}
    </ol>
  );
}

function Compare({ versions }: { versions: ContractVersion[] }) {
  const [left, setLeft] = useState(versions.length > 1 ? versions[versions.length - 2]!.number : versions[0]?.number ?? 1);
  const [right, setRight] = useState(versions[versions.length - 1]?.number ?? 1);
  if (versions.length === 0) return <Empty title="No versions to compare" />;
  const a = versions.find((v) => v.number === left) ?? versions[0]!;
  const b = versions.find((v) => v.number === right) ?? versions[versions.length - 1]!;
  return (
    <>
      <div className="field-row">
        <SelectField label="Left version" name="left" value={String(a.number)} onChange={(e) => setLeft(Number(e.target.value))}>
          {versions.map((v) => (
            <option key={v.number} value={v.number}>
              Version {v.number}
            </option>
          ))}
        </SelectField>
        <SelectField label="Right version" name="right" value={String(b.number)} onChange={(e) => setRight(Number(e.target.value))}>
          {versions.map((v) => (
            <option key={v.number} value={v.number}>
              Version {v.number}
            </option>
          ))}
        </SelectField>
      </div>
      <TermsDiff left={a} right={b} />
    </>
  );
}

/**
 * The audit trail with its verification state as far as a browser can tell: every entry's
 * prevHash must be the hash of the entry before it (the server's `npm run audit:verify`
 * recomputes the hashes themselves).
 */
function AuditTrail({ contract }: { contract: Contract }) {
  const query = useGetAuditQuery({ id: contract.id });
  if (query.isLoading) return <Loading what="the audit trail" />;
  if (query.error || !query.data) return <ErrorView error={query.error} what="Audit trail" />;
  const entries = query.data.items;
  if (entries.length === 0) return <Empty title="No audit entries yet">Entries appear moments after each change.</Empty>;
  const broken = entries.find((e, i) => i > 0 && e.prevHash !== entries[i - 1]!.hash);
  return (
    <>
      <p role="status" className={broken ? 'field-error' : 'verified'}>
        {broken ? `Chain broken at entry ${broken.seq}: its previous hash does not match entry ${broken.seq - 1}.` : `Chain intact: ${entries.length} entries, each linked to the one before.`}
      </p>
      <table className="data-table">
        <caption className="visually-hidden">Audit trail</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">When ({contract.timezone})</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Hash</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq}>
              <td className="number">{e.seq}</td>
              <td>{formatInstant(e.at, contract.timezone)}</td>
              <td>{e.actor}</td>
              <td>{e.action}</td>
              <td>
                <code title={e.hash}>{e.hash.slice(0, 12)}…</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {query.data.nextCursor ? <p className="muted">Showing the first {entries.length} entries.</p> : null}
    </>
  );
}
