/**
 * Issues a partner statement (OPEN -> ISSUED): its totals per currency as they are now are
 * frozen as the amounts the partner will be paid. 409 `statement_already_issued` when it was
 * issued before (whatever happened since), 409 `statement_not_payable` when no currency has a
 * positive total (nothing to pay). Two racing issues: the record can be created once, so the
 * loser re-reads and answers the 409.
 */
import { ConflictError } from '../kernel/errors';
import { assertPeriod } from '../kernel/calendar';
import { partnerStatementOf, type PartnerStatement } from '../invoices/partner-statement';
import { minor } from '../payments/receivable';
import { PartnerStatementStatus, statementView, type PartnerStatementView, type StatementRecord } from './statement';
import { STATEMENT_ATTEMPTS, type StatementDeps } from './store';

/** The record an OPEN statement becomes when issued now; refuses what cannot be issued. */
export function issueOf(live: PartnerStatement, existing: StatementRecord | undefined, stamp: { actor: string; at: string }): StatementRecord {
  if (existing) {
    throw new ConflictError(`the statement of partner ${live.partnerId} for ${live.period} was issued at ${existing.issuedAt} and is ${existing.status}`, 'statement_already_issued');
  }
  if (!live.totals.some((t) => minor(t.amount, t.currency) > 0n)) {
    throw new ConflictError(`the statement of partner ${live.partnerId} for ${live.period} has nothing to pay`, 'statement_not_payable');
  }
  return {
    partnerId: live.partnerId,
    period: live.period,
    status: PartnerStatementStatus.ISSUED,
    issuedAt: stamp.at,
    issuedBy: stamp.actor,
    issuedTotals: live.totals.map((t) => ({ currency: t.currency, amount: t.amount })),
    payments: [],
    version: 1,
    updatedAt: stamp.at,
    actor: stamp.actor,
  };
}

export async function issueStatement(deps: StatementDeps, input: { partnerId: string; period: string; actor: string }): Promise<PartnerStatementView> {
  assertPeriod(input.period, 'period');
  for (let attempt = 1; ; attempt++) {
    const [records, existing] = await Promise.all([
      deps.payouts.listPartnerPayouts(input.partnerId, input.period),
      deps.statements.getStatementRecord(input.partnerId, input.period),
    ]);
    const live = partnerStatementOf(input.partnerId, input.period, records);
    const next = issueOf(live, existing, { actor: input.actor, at: deps.clock.now().toISOString() });
    try {
      await deps.statements.commitStatement({ kind: 'ISSUE', next });
      return statementView(live, next);
    } catch (error) {
      if (!(error instanceof ConflictError) || error.code !== 'concurrent_update' || attempt >= STATEMENT_ATTEMPTS) throw error;
    }
  }
}
