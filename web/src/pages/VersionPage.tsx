import { lazy, Suspense, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useApproveVersionMutation, useGetContractQuery, useGetImpactQuery, useGetVersionQuery, useRejectVersionMutation, useSubmitVersionMutation } from '../app/api';
import { useClaims, useRoles } from '../app/hooks';
import { mayUse } from '../app/navigation';
import type { Contract, ContractVersion } from '../app/types';
import { ConfirmWithReason } from '../components/ConfirmDialog';
import { TextAreaField } from '../components/Field';
import { Money } from '../components/Money';
import { ErrorView, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { BackdatedMarker, TermsDiff, TermsTable } from '../components/Terms';
import { ImpactPreview } from '../components/ImpactPreview';
import { requirementText } from '../lib/approval';
import { formatDay, formatInstant } from '../lib/dates';

const DraftEditor = lazy(() => import('./DraftEditor'));

export default function VersionPage() {
  const { id = '', n = '' } = useParams();
  const number = Number(n);
  const contractQuery = useGetContractQuery(id);
  const versionQuery = useGetVersionQuery({ id, n: number }, { skip: !Number.isInteger(number) || number < 1 });
  if (contractQuery.isLoading || versionQuery.isLoading) return <Loading what="the version" />;
  if (contractQuery.error || !contractQuery.data) return <ErrorView error={contractQuery.error} what="Contract" />;
  if (versionQuery.error || !versionQuery.data) return <ErrorView error={versionQuery.error ?? { status: 404 }} what="Version" />;
  return <VersionView contract={contractQuery.data} version={versionQuery.data} etag={versionQuery.data.etag} onReload={() => void versionQuery.refetch()} />;
}

function VersionView({ contract, version, etag, onReload }: { contract: Contract; version: ContractVersion & { etag: string | null }; etag: string | null; onReload: () => void }) {
  const roles = useRoles();
  const claims = useClaims();
  const [comment, setComment] = useState('');
  const [submit, submitState] = useSubmitVersionMutation();
  const [approve, approveState] = useApproveVersionMutation();
  const [reject, rejectState] = useRejectVersionMutation();
  const ref = { id: contract.id, n: version.number, etag };
  const previous = contract.versions.find((v) => v.number === version.number - 1);
  const pending = version.status === 'PENDING_APPROVAL';
  const isAuthor = !!claims && version.authors.includes(claims.sub);
  const alreadyApproved = !!claims && (version.approvals ?? []).some((a) => a.approverId === claims.sub);
  const approveBlocked = !pending ? `the version is ${version.status.toLowerCase().replace(/_/g, ' ')}` : isAuthor ? 'you wrote this version; someone else must approve it' : alreadyApproved ? 'you approved it already' : undefined;
  const actionError = submitState.error ?? approveState.error ?? rejectState.error;
  const open = version.status === 'DRAFT' || pending;
  const showImpact = open && mayUse('GET /v1/contracts/{id}/versions/{n}/impact', roles);
  // Shared with <ImpactPreview> through RTK Query's cache: one request.
  const impact = useGetImpactQuery({ id: contract.id, n: version.number }, { skip: !showImpact });
  const requirement = requirementText(impact.data?.requirement ?? version.requirement, contract.currency, impact.data?.absolute);

  return (
    <>
      <p className="breadcrumb">
        <Link to="/contracts">Contracts</Link> / <Link to={`/contracts/${encodeURIComponent(contract.id)}`}>{contract.name}</Link> / Version {version.number}
      </p>
      <div className="page-header">
        <h1>
          {contract.name}: version {version.number}
        </h1>
        <StatusBadge status={version.status} /> <BackdatedMarker version={version} />
      </div>
      <dl className="figures">
        <div>
          <dt>Kind</dt>
          <dd>{version.kind.toLowerCase()}</dd>
        </div>
        <div>
          <dt>Effective from</dt>
          <dd>{formatDay(version.effectiveFrom)}</dd>
        </div>
        <div>
          <dt>Written by</dt>
          <dd>{version.authors.join(', ')}</dd>
        </div>
        {version.submittedAt ? (
          <div>
            <dt>Submitted</dt>
            <dd>{formatInstant(version.submittedAt, contract.timezone)}</dd>
          </div>
        ) : null}
        {version.requirement ? (
          <div>
            <dt>Committed value</dt>
            <dd>
              <Money amount={version.requirement.committedValue} currency={contract.currency} />
            </dd>
          </div>
        ) : null}
      </dl>
      {version.termination ? (
        <p>
          Terminates the contract on {formatDay(version.termination.effectiveDate)}: {version.termination.reason}
        </p>
      ) : null}
      {version.rejection ? (
        <p className="field-error">
          Rejected by {version.rejection.by}: {version.rejection.reason}
        </p>
      ) : null}

      {mayUse('POST /v1/contracts/{id}/versions/{n}/approve', roles) || mayUse('POST /v1/contracts/{id}/versions/{n}/submit', roles) ? (
        <section aria-labelledby="decision" className="panel">
          <h2 id="decision">Approval</h2>
          {requirement ? <p>{requirement}</p> : null}
          {(version.approvals ?? []).length > 0 ? (
            <ul>
              {(version.approvals ?? []).map((a) => (
                <li key={`${a.approverId}-${a.at}`}>
                  Approved by {a.approverId} ({a.roles.join(', ')}) {formatInstant(a.at, contract.timezone)}
                  {a.comment ? `: “${a.comment}”` : ''}
                </li>
              ))}
            </ul>
          ) : pending ? (
            <p className="muted">No approvals yet.</p>
          ) : null}
          {mayUse('POST /v1/contracts/{id}/versions/{n}/submit', roles) && version.status === 'DRAFT' ? (
            <button type="button" className="button button-primary" disabled={submitState.isLoading} onClick={() => void submit(ref)}>
              Submit for approval
            </button>
          ) : null}
          {mayUse('POST /v1/contracts/{id}/versions/{n}/approve', roles) ? (
            <div className="decision">
              <TextAreaField label="Comment" name="comment" value={comment} onChange={(e) => setComment(e.target.value)} rows={2} disabled={!!approveBlocked} />
              <div className="actions">
                <button
                  type="button"
                  className="button button-primary"
                  disabled={!!approveBlocked || approveState.isLoading}
                  aria-describedby={approveBlocked ? 'approve-blocked' : undefined}
                  onClick={() => void approve({ ...ref, body: comment.trim() ? { comment: comment.trim() } : {} })}
                >
                  Approve
                </button>
                <ConfirmWithReason
                  trigger="Reject"
                  title={`Reject version ${version.number}?`}
                  description="The version becomes REJECTED; ops can draft a new one."
                  confirmLabel="Reject version"
                  reasonLabel="Reason"
                  disabled={!pending}
                  disabledReason={approveBlocked}
                  onConfirm={(reason) => void reject({ ...ref, body: { reason } })}
                />
              </div>
              {approveBlocked ? (
                <p id="approve-blocked" className="muted">
                  Approve is unavailable: {approveBlocked}.
                </p>
              ) : null}
            </div>
          ) : null}
          {actionError ? <ErrorView error={actionError} onReload={onReload} /> : null}
        </section>
      ) : null}

      {showImpact ? (
        <section aria-labelledby="impact">
          <h2 id="impact">Impact if approved</h2>
          <ImpactPreview contractId={contract.id} version={version.number} />
        </section>
      ) : null}

      {version.status === 'DRAFT' && mayUse('PUT /v1/contracts/{id}/versions/{n}', roles) ? (
        <Suspense fallback={<Loading what="the editor" />}>
          <DraftEditor contractId={contract.id} version={version} etag={etag} onReload={onReload} />
        </Suspense>
      ) : null}

      {previous ? (
        <section aria-labelledby="diff">
          <h2 id="diff">Changes from version {previous.number}</h2>
          <TermsDiff left={previous} right={version} />
        </section>
      ) : (
        <section aria-labelledby="terms">
          <h2 id="terms">Terms</h2>
          <TermsTable terms={version.terms} caption={`Terms of version ${version.number}`} />
        </section>
      )}
    </>
  );
}
