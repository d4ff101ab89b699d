/**
 * Creates a credit PENDING_APPROVAL. Guards: the period must be one the contract is active in
 * (a month touching [startDate, endDate]), and the amount positive money with at most the
 * currency's minor-unit digits. The approval requirement is fixed here, from the amount.
 */
import Big from 'big.js';
import type { Clock } from '../kernel/clock';
import { isPeriod } from '../kernel/calendar';
import { isKnownCurrency, minorUnits } from '../kernel/currencies';
import { ValidationError, type ErrorDetail } from '../kernel/errors';
import { decimalPlaces } from '../terms/validate';
import { loadAggregate } from '../contracts/aggregate';
import { requirementFor, type ApprovalThresholds } from '../contracts/approval-policy';
import type { Contract } from '../contracts/model';
import type { ContractStore, IdGenerator } from '../contracts/store';
import { CreditStatus, type Credit, type CreditReason, type CreditStore } from './model';

export interface CreateCreditInput {
  contractId: string;
  period: string;
  amount: string;
  reason: CreditReason;
  note: string | null;
}

export interface CreditDeps {
  contracts: ContractStore;
  credits: CreditStore;
  clock: Clock;
}

const DECIMAL = /^\d+(\.\d+)?$/;

/** Every problem of the request against the contract, with the body's field paths. */
export function creditProblems(contract: Pick<Contract, 'startDate' | 'endDate' | 'currency'>, input: Pick<CreateCreditInput, 'period' | 'amount'>): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const first = contract.startDate.slice(0, 7);
  const last = contract.endDate.slice(0, 7);
  if (!isPeriod(input.period)) out.push({ path: 'period', message: 'must be a period YYYY-MM' });
  else if (input.period < first || input.period > last) {
    out.push({ path: 'period', message: `must be a period of the contract term ${contract.startDate}..${contract.endDate} (${first} to ${last})` });
  }
  if (!DECIMAL.test(input.amount)) out.push({ path: 'amount', message: 'must be a positive decimal string such as "500.00"' });
  else {
    const digits = isKnownCurrency(contract.currency) ? minorUnits(contract.currency) : 0;
    if (decimalPlaces(input.amount) > digits) {
      out.push({ path: 'amount', message: `${contract.currency} amounts carry at most ${digits} decimal places, got "${input.amount}"` });
    } else if (new Big(input.amount).lte(0)) {
      out.push({ path: 'amount', message: 'a credit is a positive amount' });
    }
  }
  return out;
}

export async function createCredit(
  deps: CreditDeps & { thresholds: ApprovalThresholds; newId: IdGenerator },
  input: CreateCreditInput,
  actor: string,
): Promise<Credit> {
  const { contract } = await loadAggregate(deps.contracts, input.contractId);
  const problems = creditProblems(contract, input);
  if (problems.length > 0) throw new ValidationError('the credit is not valid', problems);
  const at = deps.clock.now().toISOString();
  const credit: Credit = {
    contractId: contract.id,
    id: deps.newId(),
    period: input.period,
    amount: input.amount,
    reason: input.reason,
    note: input.note,
    status: CreditStatus.PENDING_APPROVAL,
    requirement: requirementFor(new Big(input.amount), contract.currency, deps.thresholds),
    approvals: [],
    rejection: null,
    recordedAt: null,
    createdBy: actor,
    createdAt: at,
    updatedAt: at,
    actor,
    version: 1,
  };
  await deps.credits.putCredit(credit, null);
  return credit;
}
