/**
 * The approval policy in words, for the version and credit pages: how many approvals a change
 * needs and, when it needs a second approver, why (the same rule the API applies: the committed
 * value, or the change to invoiced periods, at or above the currency's threshold; a currency
 * without a threshold always takes the stricter rule). Amounts compared as decimal strings.
 */
import { compareDecimals, formatMoney } from './money';

export interface Requirement {
  approvals: number;
  financeRequired: boolean;
  committedValue: string;
  threshold: string | null;
}

export function requirementText(requirement: Requirement | null | undefined, currency: string, impactAbsolute?: string | null): string | null {
  if (!requirement) return null;
  const money = (amount: string) => formatMoney(amount, currency);
  if (requirement.approvals < 2) {
    const who = requirement.financeRequired ? ' by finance' : '';
    const below = requirement.threshold ? `, below the threshold of ${money(requirement.threshold)}` : '';
    return `Needs 1 approval${who} (committed value ${money(requirement.committedValue)}${below}).`;
  }
  const head = `Needs ${requirement.approvals} approvals by different people${requirement.financeRequired ? ', one of them finance' : ''}`;
  return `${head}: ${secondApproverReason(requirement, currency, impactAbsolute)}.`;
}

/** Why the policy asks for a second approver. */
export function secondApproverReason(requirement: Requirement, currency: string, impactAbsolute?: string | null): string {
  const money = (amount: string) => formatMoney(amount, currency);
  const { threshold } = requirement;
  if (threshold === null) return `${currency} has no approval threshold, so the stricter rule applies to every change`;
  const reasons: string[] = [];
  if (compareDecimals(requirement.committedValue, threshold) >= 0) reasons.push(`the committed value ${money(requirement.committedValue)} is at or above the threshold of ${money(threshold)}`);
  if (impactAbsolute && compareDecimals(impactAbsolute, threshold) >= 0) {
    reasons.push(`the change to invoiced periods (${money(impactAbsolute)} in absolute value) is at or above the threshold of ${money(threshold)}`);
  }
  return reasons.length > 0 ? reasons.join('; and ') : `the policy in force when it was submitted required it (threshold ${money(threshold)})`;
}
