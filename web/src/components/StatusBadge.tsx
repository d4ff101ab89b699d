const TONES: Record<string, string> = {
  DRAFT: 'neutral',
  PENDING_APPROVAL: 'warning',
  APPROVED: 'success',
  ACTIVE: 'success',
  SUCCEEDED: 'success',
  FINALIZED: 'success',
  PAID: 'success',
  REJECTED: 'danger',
  FAILED: 'danger',
  VOID: 'danger',
  TERMINATED: 'danger',
  SUPERSEDED: 'neutral',
  EXPIRED: 'neutral',
  RUNNING: 'info',
  COMPLETED_WITH_ERRORS: 'warning',
  DISCARDED: 'neutral',
  OPEN: 'info',
  ISSUED: 'warning',
  PARTIALLY_PAID: 'warning',
  OVERDUE: 'danger',
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${TONES[status] ?? 'neutral'}`}>{status.replace(/_/g, ' ')}</span>;
}
