/**
 * The port the partner statement use cases need; shared/adapters/dynamodb/partner-statement-repository.ts
 * implements it on the table. Every change is one conditional write: a condition that no longer
 * holds (the statement was issued meanwhile, or moved from the version read) comes back as
 * ConflictError `concurrent_update`.
 */
import type { Clock } from '../kernel/clock';
import type { PayoutLookup } from '../invoices/store';
import type { StatementRecord } from './statement';

export type StatementChange =
  /** OPEN -> ISSUED: the record must not exist yet. */
  | { kind: 'ISSUE'; next: StatementRecord }
  /** A payment (and maybe ISSUED -> PAID): written only while the stored record is still at `from`'s version. */
  | { kind: 'PAYMENT'; from: StatementRecord; next: StatementRecord };

export interface PartnerStatementStore {
  getStatementRecord(partnerId: string, period: string): Promise<StatementRecord | undefined>;
  commitStatement(change: StatementChange): Promise<void>;
}

export interface StatementDeps {
  payouts: PayoutLookup;
  statements: PartnerStatementStore;
  clock: Clock;
}

/** Attempts of a use case whose commit lost a race before the conflict is answered. */
export const STATEMENT_ATTEMPTS = 8;
