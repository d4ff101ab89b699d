/**
 * What a billing run sees of a contract's credits: the approved ones, in the engine's shape
 * (FORMAT.md v2 §6), each recorded at its approval instant. Pending and rejected credits are
 * never rated.
 */
import type { Credit as RatedCredit } from '../terms/types';
import { CreditStatus, type Credit } from './model';

export function creditsForRating(credits: readonly Credit[]): RatedCredit[] {
  return credits
    .filter((credit) => credit.status === CreditStatus.APPROVED)
    .map((credit) => ({ id: credit.id, period: credit.period, amount: credit.amount, reason: credit.reason, recordedAt: credit.recordedAt }));
}
