/** The credit use cases on in-memory stores: guards, the approval policy, what a run rates. */
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { ConflictError } from '../../../shared/domain/kernel/errors';
import { DEFAULT_APPROVAL_THRESHOLDS } from '../../../shared/domain/contracts/approval-policy';
import type { ContractAggregate } from '../../../shared/domain/contracts/model';
import { createCredit, creditProblems } from '../../../shared/domain/credits/create-credit';
import { approveCredit, rejectCredit } from '../../../shared/domain/credits/decide-credit';
import type { Credit, CreditStore } from '../../../shared/domain/credits/model';
import { creditsForRating } from '../../../shared/domain/credits/rated-credits';
import { MemoryContractStore } from '../contracts/memory-store';

class MemoryCreditStore implements CreditStore {
  readonly items = new Map<string, Credit>();
  async getCredit(contractId: string, id: string) {
    const found = this.items.get(`${contractId}/${id}`);
    return found ? structuredClone(found) : null;
  }
  async listCredits(contractId: string) {
    return [...this.items.values()].filter((c) => c.contractId === contractId).map((c) => structuredClone(c));
  }
  async putCredit(credit: Credit, expectedVersion: number | null) {
    const current = this.items.get(`${credit.contractId}/${credit.id}`);
    if ((expectedVersion === null && current) || (expectedVersion !== null && current?.version !== expectedVersion)) throw new ConflictError('lock', 'concurrent_update');
    this.items.set(`${credit.contractId}/${credit.id}`, structuredClone(credit));
  }
}

const contract = { startDate: '2027-01-15', endDate: '2027-06-30', currency: 'USD' };

function world() {
  const contracts = new MemoryContractStore();
  contracts.aggregates.set('c1', { contract: { id: 'c1', ...contract }, versions: [], approvals: [] } as unknown as ContractAggregate);
  const credits = new MemoryCreditStore();
  const clock = fixedClock('2027-04-10T09:00:00.000Z');
  let n = 0;
  const deps = { contracts, credits, clock, thresholds: DEFAULT_APPROVAL_THRESHOLDS, newId: () => `crd_${++n}` };
  return { deps, credits, clock };
}

describe('credit guards', () => {
  it('periods of the term only; positive money of the currency', () => {
    expect(creditProblems(contract, { period: '2027-01', amount: '1.00' })).toEqual([]);
    expect(creditProblems(contract, { period: '2027-06', amount: '1' })).toEqual([]);
    expect(creditProblems(contract, { period: '2026-12', amount: '1.00' }).map((p) => p.path)).toEqual(['period']);
    expect(creditProblems(contract, { period: '2027-07', amount: '1.00' }).map((p) => p.path)).toEqual(['period']);
    expect(creditProblems(contract, { period: '2027-02', amount: '1.001' })[0]!.message).toMatch(/USD amounts carry at most 2/);
    expect(creditProblems(contract, { period: '2027-02', amount: '0' })[0]!.message).toMatch(/positive/);
    expect(creditProblems({ ...contract, currency: 'KWD' }, { period: '2027-02', amount: '1.001' })).toEqual([]);
  });
});

describe('maker-checker', () => {
  it('approval records the approval instant as recordedAt; only approved credits are rated', async () => {
    const { deps, clock } = world();
    const a = await createCredit(deps, { contractId: 'c1', period: '2027-03', amount: '500.00', reason: 'MAKE_GOOD', note: null }, 'olga');
    const b = await createCredit(deps, { contractId: 'c1', period: '2027-03', amount: '20.00', reason: 'GOODWILL', note: null }, 'olga');
    await createCredit(deps, { contractId: 'c1', period: '2027-04', amount: '30.00', reason: 'GOODWILL', note: null }, 'olga');
    clock.set('2027-04-11T12:00:00.000Z');
    const { credit, approved } = await approveCredit(deps, { contractId: 'c1', creditId: a.id, comment: null }, { sub: 'april', roles: ['approver'] });
    expect(approved).toBe(true);
    expect(credit).toMatchObject({ status: 'APPROVED', recordedAt: '2027-04-11T12:00:00.000Z', version: 2, actor: 'april' });
    await rejectCredit(deps, { contractId: 'c1', creditId: b.id, reason: 'no' }, 'fiona');
    expect(creditsForRating(await deps.credits.listCredits('c1'))).toEqual([
      { id: a.id, period: '2027-03', amount: '500.00', reason: 'MAKE_GOOD', recordedAt: '2027-04-11T12:00:00.000Z' },
    ]);
  });

  it('the author never decides, nobody approves twice, a decided credit is final', async () => {
    const { deps } = world();
    const big = await createCredit(deps, { contractId: 'c1', period: '2027-03', amount: '150000.00', reason: 'MAKE_GOOD', note: 'n' }, 'olga');
    expect(big.requirement).toMatchObject({ approvals: 2, financeRequired: true });
    const input = { contractId: 'c1', creditId: big.id, comment: null };
    await expect(approveCredit(deps, input, { sub: 'olga', roles: ['approver'] })).rejects.toMatchObject({ code: 'author_cannot_approve' });
    await expect(rejectCredit(deps, { contractId: 'c1', creditId: big.id, reason: 'x' }, 'olga')).rejects.toMatchObject({ code: 'author_cannot_approve' });
    expect((await approveCredit(deps, input, { sub: 'april', roles: ['approver'] })).approved).toBe(false);
    await expect(approveCredit(deps, input, { sub: 'april', roles: ['approver', 'finance'] })).rejects.toMatchObject({ code: 'already_approved' });
    expect((await approveCredit(deps, input, { sub: 'arno', roles: ['approver'] })).approved).toBe(false);
    expect((await approveCredit(deps, input, { sub: 'fiona', roles: ['finance'] })).approved).toBe(true);
    await expect(approveCredit(deps, input, { sub: 'frank', roles: ['finance'] })).rejects.toMatchObject({ code: 'illegal_transition' });
    await expect(approveCredit(deps, { ...input, creditId: 'nope' }, { sub: 'frank', roles: ['finance'] })).rejects.toMatchObject({ code: 'not_found' });
    await expect(approveCredit(deps, { ...input, expectedVersion: 1 }, { sub: 'frank', roles: ['finance'] })).rejects.toMatchObject({ code: 'precondition_failed' });
  });
});
