/**
 * Property: whatever amendments and renewals are approved, in whatever order and with whatever
 * (backdated) effective days, the versions billing sees form valid ContractTerms (FORMAT.md:
 * ascending effectiveFrom, the first on startDate) and each day is governed by the version
 * approved last among those starting on or before it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../../shared/domain/kernel/calendar';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { DEFAULT_APPROVAL_THRESHOLDS } from '../../../shared/domain/contracts/approval-policy';
import { createContract } from '../../../shared/domain/contracts/create-contract';
import { submitVersion } from '../../../shared/domain/contracts/submit-version';
import { approveVersion } from '../../../shared/domain/contracts/approve-version';
import { rejectVersion } from '../../../shared/domain/contracts/reject-version';
import { draftAmendment } from '../../../shared/domain/contracts/draft-amendment';
import { draftRenewal } from '../../../shared/domain/contracts/draft-renewal';
import { toContractTerms, versionInEffect } from '../../../shared/domain/contracts/terms';
import { validateContractTerms } from '../../../shared/domain/terms/validate';
import type { VersionTerms } from '../../../shared/domain/terms/types';
import { MemoryContractStore, usdAdvertiser } from './memory-store';

const terms = (rate: string): VersionTerms => ({
  charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate } }],
  minimumCommitment: null, budgetCap: null, agencyCommissionPct: null, partners: [],
});

const step = fc.oneof(
  fc.record({ kind: fc.constant('amend' as const), offsetDays: fc.integer({ min: 0, max: 364 }), approve: fc.boolean() }),
  fc.record({ kind: fc.constant('renew' as const), months: fc.integer({ min: 1, max: 6 }), approve: fc.boolean() }),
);

describe('approved versions always make valid contract terms', () => {
  it('holds for any sequence of amendments and renewals', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 12 }), async (steps) => {
        const store = new MemoryContractStore();
        store.advertisers.set('adv-1', usdAdvertiser);
        const clock = fixedClock('2027-06-15T00:00:00Z');
        const deps = { store, clock, thresholds: DEFAULT_APPROVAL_THRESHOLDS };
        const { contract } = await createContract({ store, advertisers: store, clock, newId: () => 'p' }, {
          advertiserId: 'adv-1', name: 'p', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', rounding: 'HALF_EVEN', autoRenew: false, terms: terms('1'),
        }, 'olga');
        await submitVersion(deps, { contractId: contract.id, number: 1 }, 'olga');
        await approveVersion(deps, { contractId: contract.id, number: 1, comment: null }, { sub: 'april', roles: ['approver'] });
        // Which version governs each effective day, by approval order: the model the store must agree with.
        const governing: { from: string; number: number }[] = [{ from: '2027-01-01', number: 1 }];

        for (const [i, s] of steps.entries()) {
          clock.advanceMs(3_600_000);
          const current = (await store.get(contract.id))!;
          const drafted = s.kind === 'amend'
            ? await draftAmendment(deps, { contractId: contract.id, effectiveFrom: addDays('2027-01-01', s.offsetDays), terms: terms(`${i + 2}`) }, 'olga').catch(() => null)
            : await draftRenewal(deps, { contractId: contract.id, termMonths: s.months, rateUpliftPct: '1' }, 'olga');
          if (!drafted) {
            // Only an amendment outside the (possibly extended) term is refused.
            expect(addDays('2027-01-01', (s as { offsetDays: number }).offsetDays) > current.contract.endDate).toBe(true);
            continue;
          }
          const n = drafted.version.number;
          await submitVersion(deps, { contractId: contract.id, number: n }, 'olga');
          if (s.approve) {
            await approveVersion(deps, { contractId: contract.id, number: n, comment: null }, { sub: 'april', roles: ['approver'] });
            const from = drafted.version.effectiveFrom;
            for (let j = governing.length - 1; j >= 0; j--) if (governing[j]!.from >= from) governing.splice(j, 1);
            governing.push({ from, number: n });
            governing.sort((a, b) => (a.from < b.from ? -1 : 1));
          } else {
            await rejectVersion(deps, { contractId: contract.id, number: n, reason: 'no' }, 'april');
          }
        }

        const aggregate = (await store.get(contract.id))!;
        const engine = toContractTerms(aggregate.contract, aggregate.versions);
        expect(validateContractTerms(engine)).toEqual([]);
        expect(engine.versionNumbers).toEqual(governing.map((g) => g.number));
        expect(engine.versions.every((v) => typeof v.recordedAt === 'string')).toBe(true);
        for (const g of governing) expect(versionInEffect(aggregate.contract, aggregate.versions, g.from)?.number).toBe(g.number);
      }),
      { numRuns: 60 },
    );
  });
});
