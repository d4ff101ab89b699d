import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { usageContractOf } from '../../../shared/domain/usage/contract-view';
import { planConversions } from '../../../shared/domain/usage/ingest-conversions';
import { planImpressions } from '../../../shared/domain/usage/ingest-impressions';
import { impressionIdentity } from '../../../shared/domain/usage/period';
import type { ContractAggregate } from '../../../shared/domain/contracts/model';
import { conversion, impression } from './fixtures';

const NOW = '2027-02-02T12:00:00.000Z';

const impressions = fc.array(
  fc.record({
    date: fc.constantFrom('2027-01-31', '2027-02-01'),
    chargeId: fc.constantFrom('a', 'b'),
    count: fc.nat(),
    source: fc.constantFrom('FIRST_PARTY' as const, 'THIRD_PARTY' as const),
    partnerId: fc.constantFrom(undefined, null, 'p'),
  }),
  { maxLength: 60 },
);

describe('planning a batch', () => {
  it('impressions: one record per identity, the last sent, and accepted + duplicates = records', () => {
    fc.assert(
      fc.property(impressions, (records) => {
        const { planned, duplicates } = planImpressions(records.map((r) => impression(r)), NOW);
        expect(planned.length + duplicates).toBe(records.length);
        const last = new Map(records.map((r) => [impressionIdentity(r), r.count]));
        expect(new Map(planned.map((p) => [impressionIdentity(p), p.count]))).toEqual(last);
        for (const p of planned) expect(p.period).toBe(p.date.slice(0, 7));
      }),
    );
  });

  it('conversions: one touch per id and partner, the first sent, in the order sent', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('x', 'y', 'z'), fc.constantFrom(null, 'aff-1', 'aff-2'), fc.nat(999)), { maxLength: 40 }), (triples) => {
        const records = triples.map(([id, partnerId, cents]) => conversion({ id, partnerId, value: `${cents}.00` }));
        const { planned, repeats } = planConversions(records, 'UTC', NOW);
        expect(planned.length + repeats).toBe(records.length);
        expect(new Set(planned.map((p) => `${p.id}|${p.partnerId}`)).size).toBe(planned.length);
        for (const p of planned) expect(p.value).toBe(records.find((r) => r.id === p.id && (r.partnerId ?? null) === p.partnerId)!.value);
        // Arrival follows the batch: the first touch of an id arrives before its others.
        const arrivals = planned.map((p) => p.arrival);
        expect([...arrivals].sort()).toEqual(arrivals);
      }),
    );
  });

  it('keeps a given receivedAt and defaults the others to the time of receipt', () => {
    const { planned } = planConversions([conversion({ receivedAt: '2027-01-06T00:00:00Z' }), conversion({ id: 'cv-2' })], 'UTC', NOW);
    expect(planned.map((p) => p.receivedAt)).toEqual(['2027-01-06T00:00:00Z', NOW]);
    expect(planned.map((p) => [p.partnerId, p.reversedAt])).toEqual([[null, null], [null, null]]);
  });
});

describe('the ingestion view of a contract', () => {
  it("keeps every version's charges but a rejected version's, and marks those a run rates with", () => {
    const version = (number: number, status: string, chargeId: string, kind = 'AMENDMENT') => ({
      contractId: 'c', number, status, kind, effectiveFrom: '2027-01-01', terms: { charges: [{ id: chargeId, kind: 'CPM' }] },
    });
    const aggregate = {
      contract: { id: 'c', currency: 'EUR', timezone: 'Europe/Paris', startDate: '2027-01-01', endDate: '2027-06-30' },
      versions: [
        version(1, 'SUPERSEDED', 'old', 'INITIAL'),
        version(2, 'APPROVED', 'now'),
        version(3, 'REJECTED', 'never'),
        version(4, 'APPROVED', 'now', 'TERMINATION'),
        version(5, 'DRAFT', 'next'),
      ],
      approvals: [],
    } as unknown as ContractAggregate;
    const view = usageContractOf(aggregate);
    expect(view).toMatchObject({ id: 'c', currency: 'EUR', timezone: 'Europe/Paris', startDate: '2027-01-01', endDate: '2027-06-30' });
    expect(view.versions.map((v) => [v.charges[0]!.id, v.approved])).toEqual([['old', false], ['now', true], ['now', false], ['next', false]]);
  });
});
