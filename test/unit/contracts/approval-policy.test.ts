import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkApproval,
  committedValue,
  DEFAULT_APPROVAL_THRESHOLDS,
  isSatisfied,
  parseThresholds,
  periodsInTerm,
  requirementFor,
  type ApprovalRequirement,
} from '../../../shared/domain/contracts/approval-policy';
import { ConflictError, ForbiddenError } from '../../../shared/domain/kernel/errors';
import type { VersionTerms } from '../../../shared/domain/terms/types';

const base: VersionTerms = { charges: [], minimumCommitment: null, budgetCap: null, agencyCommissionPct: null, partners: [] };

describe('committed value', () => {
  it('counts the months touched by the term', () => {
    expect(periodsInTerm('2027-01-01', '2027-12-31')).toBe(12);
    expect(periodsInTerm('2027-01-15', '2027-02-01')).toBe(2);
    expect(periodsInTerm('2027-11-01', '2028-02-29')).toBe(4);
    expect(periodsInTerm('2027-03-01', '2027-02-28')).toBe(0);
  });

  it('is minimum x months, or the cap (CONTRACT: amount, PERIOD: amount x periods), whichever is larger', () => {
    // 8,333.34 x 12 = 100,000.08
    expect(committedValue({ ...base, minimumCommitment: { amount: '8333.34', prorate: true } }, '2027-01-01', '2027-12-31').toFixed()).toBe('100000.08');
    expect(committedValue({ ...base, budgetCap: { amount: '250000.00', scope: 'CONTRACT' } }, '2027-01-01', '2027-12-31').toFixed()).toBe('250000');
    expect(committedValue({ ...base, budgetCap: { amount: '10000.00', scope: 'PERIOD' } }, '2027-01-01', '2027-06-30').toFixed()).toBe('60000');
    expect(
      committedValue({ ...base, minimumCommitment: { amount: '1000', prorate: false }, budgetCap: { amount: '5000', scope: 'CONTRACT' } }, '2027-01-01', '2027-12-31').toFixed(),
    ).toBe('12000');
    expect(committedValue(base, '2027-01-01', '2027-12-31').toFixed()).toBe('0');
  });
});

describe('threshold per currency', () => {
  it.each(['USD', 'EUR', 'GBP'])('%s: 99,999.99 needs one approval, 100,000.00 needs two with finance', (currency) => {
    expect(requirementFor(new Big('99999.99'), currency, DEFAULT_APPROVAL_THRESHOLDS)).toMatchObject({ approvals: 1, financeRequired: false });
    expect(requirementFor(new Big('100000.00'), currency, DEFAULT_APPROVAL_THRESHOLDS)).toMatchObject({ approvals: 2, financeRequired: true });
    expect(requirementFor(new Big('100000.01'), currency, DEFAULT_APPROVAL_THRESHOLDS)).toMatchObject({ approvals: 2, financeRequired: true });
  });

  it('a currency without a threshold always needs two approvals with finance', () => {
    expect(requirementFor(new Big('1'), 'JPY', DEFAULT_APPROVAL_THRESHOLDS)).toMatchObject({ approvals: 2, financeRequired: true, threshold: null });
  });

  it('configured thresholds extend and override the defaults', () => {
    const t = parseThresholds('{"JPY":"15000000","USD":"50000.00"}');
    expect(requirementFor(new Big('14999999'), 'JPY', t).approvals).toBe(1);
    expect(requirementFor(new Big('15000000'), 'JPY', t).approvals).toBe(2);
    expect(requirementFor(new Big('50000'), 'USD', t).approvals).toBe(2);
    expect(requirementFor(new Big('50000'), 'EUR', t).approvals).toBe(1);
    expect(() => parseThresholds('{"usd": 5}')).toThrow(TypeError);
    expect(parseThresholds(undefined)).toBe(DEFAULT_APPROVAL_THRESHOLDS);
  });

  it('the boundary is exact whatever the amount (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), (cents) => {
        const value = new Big(cents.toString()).div(100);
        const r = requirementFor(value, 'USD', DEFAULT_APPROVAL_THRESHOLDS);
        expect(r.approvals === 2).toBe(cents >= 10_000_000n);
      }),
    );
  });
});

describe('approvals', () => {
  const single: ApprovalRequirement = { approvals: 1, financeRequired: false, committedValue: '10', threshold: '100000.00' };
  const dual: ApprovalRequirement = { approvals: 2, financeRequired: true, committedValue: '200000', threshold: '100000.00' };
  const pending = (requirement: ApprovalRequirement) => ({ status: 'PENDING_APPROVAL' as const, authors: ['olga'], requirement });

  it('the author cannot approve (403)', () => {
    expect(() => checkApproval(pending(single), [], { sub: 'olga', roles: ['approver'] })).toThrow(ForbiddenError);
  });

  it('the same person cannot approve twice (409)', () => {
    try {
      checkApproval(pending(dual), [{ approverId: 'april', roles: ['approver'] }], { sub: 'april', roles: ['approver', 'finance'] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConflictError);
      expect((e as ConflictError).code).toBe('already_approved');
    }
  });

  it('only a pending version can be approved', () => {
    expect(() => checkApproval({ ...pending(single), status: 'DRAFT' }, [], { sub: 'april', roles: ['approver'] })).toThrow(/cannot be approved/);
  });

  it('below the threshold one approval suffices', () => {
    expect(checkApproval(pending(single), [], { sub: 'april', roles: ['approver'] }).satisfied).toBe(true);
  });

  it('above it: two different people, one of them finance', () => {
    expect(checkApproval(pending(dual), [], { sub: 'april', roles: ['approver'] }).satisfied).toBe(false);
    expect(checkApproval(pending(dual), [], { sub: 'fiona', roles: ['finance'] }).satisfied).toBe(false);
    expect(checkApproval(pending(dual), [{ approverId: 'april', roles: ['approver'] }], { sub: 'arno', roles: ['approver'] }).satisfied).toBe(false);
    expect(checkApproval(pending(dual), [{ approverId: 'april', roles: ['approver'] }], { sub: 'fiona', roles: ['finance'] }).satisfied).toBe(true);
    expect(checkApproval(pending(dual), [{ approverId: 'fiona', roles: ['finance'] }], { sub: 'april', roles: ['approver'] }).satisfied).toBe(true);
    expect(isSatisfied(dual, [{ approverId: 'a', roles: ['approver'] }, { approverId: 'b', roles: ['approver'] }, { approverId: 'f', roles: ['finance'] }])).toBe(true);
  });
});
