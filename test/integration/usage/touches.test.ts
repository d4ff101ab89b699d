/**
 * v2 usage on DynamoDB Local: conversion touches from several partners under one id (stored
 * per id and partner, read back in the order the engine takes as "order given"), a reversal
 * that reverses every touch (and touches arriving later), completedViews on impressions, and
 * the engine rating the stored touches under FIRST_RECORD and LAST_TOUCH.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoUsageRepository } from '../../../shared/adapters/dynamodb/usage-repository';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { ingestConversions } from '../../../shared/domain/usage/ingest-conversions';
import { ingestImpressions } from '../../../shared/domain/usage/ingest-impressions';
import { reverseConversion } from '../../../shared/domain/usage/reverse-conversion';
import { IngestMode, type UsageContract } from '../../../shared/domain/usage/types';
import type { ContractTerms, Conversion, Impression } from '../../../shared/domain/terms/types';
import { ratePeriod } from '../../../shared/domain/billing/rate';
import { parseConversion, parseImpression } from '../../../shared/schemas/usage';
import { documentClient, freshTable } from '../../support/aws';
import { conversion, impression, usageContract } from '../../unit/usage/fixtures';

const client = documentClient();
let repo: DynamoUsageRepository;
const clock = fixedClock('2027-02-02T12:00:00.000Z');

beforeAll(async () => {
  repo = new DynamoUsageRepository(client, await freshTable());
});

let seq = 0;
const newContract = (overrides: Partial<UsageContract> = {}) => usageContract({ id: `t-${++seq}`, timezone: 'UTC', ...overrides });
const send = (contract: UsageContract, records: Conversion[]) =>
  ingestConversions({ store: repo, clock }, { contract, records: records.map(parseConversion), actor: 'alice', origin: 'api', mode: IngestMode.ALL_OR_NOTHING });
const sendImpressions = (contract: UsageContract, records: Impression[]) =>
  ingestImpressions({ store: repo, clock }, { contract, records: records.map(parseImpression), actor: 'alice', origin: 'api', mode: IngestMode.ALL_OR_NOTHING });

/** The same conversion as reported by one partner: its own exposure. */
const touch = (partnerId: string, exposureAt: string, extra: Partial<Conversion> = {}) => conversion({ id: 'cv-9', partnerId, exposureAt, ...extra });

function terms(attribution: 'FIRST_RECORD' | 'LAST_TOUCH'): ContractTerms {
  return {
    currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', rounding: 'HALF_EVEN',
    versions: [{
      effectiveFrom: '2027-01-01',
      charges: [{
        id: 'purchase', kind: 'CPA', event: 'PURCHASE', payout: { flat: '25.00', percentOfValue: '0', min: null, max: null }, attribution,
        attributionWindowDays: 7, eligibility: { geos: null, newCustomersOnly: false, minValue: null }, holdDays: 0, maxConversionsPerPeriod: null,
      }],
      minimumCommitment: null, budgetCap: null, agencyCommissionPct: null,
      partners: [{ partnerId: 'aff-1', chargeIds: ['purchase'], flatPerConversion: '10.00' }, { partnerId: 'aff-2', chargeIds: ['purchase'], flatPerConversion: '12.00' }],
    }],
  };
}
const rate = (attribution: 'FIRST_RECORD' | 'LAST_TOUCH', usage: Awaited<ReturnType<DynamoUsageRepository['loadPeriodUsage']>>, asOf = '2027-02-03T00:00:00Z') =>
  ratePeriod({ contract: terms(attribution), usage, period: '2027-01', asOf, prior: { lines: [], payouts: [] } });

describe('conversion touches', () => {
  it('stores one touch per partner; a re-sent id counts as a duplicate; the same touch again is dropped', async () => {
    const contract = newContract();
    // aff-2 reports first (earlier exposure), aff-1 later with a later exposure.
    expect(await send(contract, [touch('aff-2', '2027-01-02T08:00:00Z')])).toEqual({ accepted: 1, duplicates: 0, touches: 0, rejected: [] });
    expect(await send(contract, [touch('aff-1', '2027-01-04T08:00:00Z'), touch('aff-2', '2027-01-02T08:00:00Z')])).toEqual({ accepted: 0, duplicates: 2, touches: 1, rejected: [] });
    const touches = await repo.findTouches(contract.id, 'cv-9');
    expect(touches.map((t) => [t.partnerId, t.firstTouch])).toEqual([['aff-2', true], ['aff-1', false]]);

    const usage = await repo.loadPeriodUsage(contract.id, '2027-01');
    // The first stored touch first: what FIRST_RECORD bills.
    expect(usage.conversions.map((c) => c.partnerId)).toEqual(['aff-2', 'aff-1']);
    expect(rate('FIRST_RECORD', usage).partnerPayouts).toEqual([{ partnerId: 'aff-2', amount: '12.00' }]);
    // LAST_TOUCH: aff-1's later exposure wins.
    const last = rate('LAST_TOUCH', usage);
    expect(last.partnerPayouts).toEqual([{ partnerId: 'aff-1', amount: '10.00' }]);
    expect(last.lines.find((l) => l.type === 'USAGE')).toMatchObject({ quantity: '1', amount: '25.00' });
  });

  it('several touches of one id in one batch: the first sent takes the id', async () => {
    const contract = newContract();
    const out = await send(contract, [touch('aff-1', '2027-01-04T08:00:00Z'), touch('aff-2', '2027-01-05T08:00:00Z'), conversion({ id: 'cv-10' })]);
    expect(out).toEqual({ accepted: 2, duplicates: 1, touches: 1, rejected: [] });
    expect((await repo.findTouches(contract.id, 'cv-9')).map((t) => [t.partnerId, t.firstTouch])).toEqual([['aff-1', true], ['aff-2', false]]);
  });

  it('a reversal reverses every touch, and a touch arriving afterwards is reversed too', async () => {
    const contract = newContract();
    const received = { receivedAt: '2027-01-06T00:00:00Z' };
    await send(contract, [touch('aff-1', '2027-01-04T08:00:00Z', received), touch('aff-2', '2027-01-05T08:00:00Z', received)]);
    const reversed = await reverseConversion({ store: repo, clock }, { contract, conversionId: 'cv-9', reversedAt: '2027-01-20T00:00:00Z', reason: 'chargeback', actor: 'bob', origin: 'api' });
    expect(reversed).toMatchObject({ id: 'cv-9', partnerId: 'aff-1', reversedAt: '2027-01-20T00:00:00Z', touches: 2 });
    expect((await repo.findTouches(contract.id, 'cv-9')).map((t) => t.reversedAt)).toEqual(['2027-01-20T00:00:00Z', '2027-01-20T00:00:00Z']);
    await expect(
      reverseConversion({ store: repo, clock }, { contract, conversionId: 'cv-9', reversedAt: '2027-01-21T00:00:00Z', reason: 'again', actor: 'bob', origin: 'api' }),
    ).rejects.toMatchObject({ code: 'conversion_already_reversed' });

    // A later batch arrives later.
    const later = fixedClock('2027-02-02T12:01:00.000Z');
    await ingestConversions({ store: repo, clock: later }, { contract, records: [parseConversion(touch('aff-3', '2027-01-05T09:00:00Z', received))], actor: 'alice', origin: 'api', mode: IngestMode.ALL_OR_NOTHING });
    const all = await repo.findTouches(contract.id, 'cv-9');
    expect(all.map((t) => [t.partnerId, t.reversedAt, t.reversalReason])).toEqual([
      ['aff-1', '2027-01-20T00:00:00Z', 'chargeback'],
      ['aff-2', '2027-01-20T00:00:00Z', 'chargeback'],
      ['aff-3', '2027-01-20T00:00:00Z', 'chargeback'],
    ]);
    // Whichever touch wins, a run after the reversal bills nothing; one before it bills the winner.
    const usage = await repo.loadPeriodUsage(contract.id, '2027-01');
    expect(rate('LAST_TOUCH', usage).lines.filter((l) => l.type === 'USAGE' && l.amount !== '0.00')).toEqual([]);
    // Before it, LAST_TOUCH bills the latest exposure: aff-3's (which arrived after the reversal, reversed as well).
    expect(rate('LAST_TOUCH', usage, '2027-01-19T00:00:00Z').lines.find((l) => l.type === 'USAGE')).toMatchObject({ quantity: '1' });
  });
});

describe('completedViews', () => {
  it('is stored on impression records and read back; records without it read back unchanged', async () => {
    const contract = newContract({ versions: [{ effectiveFrom: '2027-01-01', approved: true, charges: [{ id: 'views', kind: 'CPCV' }, { id: 'ctv-premium', kind: 'CPM' }] }] });
    await sendImpressions(contract, [impression({ chargeId: 'views', count: 1000, completedViews: 640 }), impression({ count: 500 })]);
    const usage = await repo.loadPeriodUsage(contract.id, '2027-01');
    expect(usage.impressions).toEqual([
      { date: '2027-01-05', chargeId: 'ctv-premium', count: 500, source: 'FIRST_PARTY', partnerId: null, receivedAt: '2027-02-02T12:00:00.000Z', receivedMs: Date.parse('2027-02-02T12:00:00.000Z') },
      { date: '2027-01-05', chargeId: 'views', count: 1000, source: 'FIRST_PARTY', partnerId: null, receivedAt: '2027-02-02T12:00:00.000Z', completedViews: 640, receivedMs: Date.parse('2027-02-02T12:00:00.000Z') },
    ]);
    await expect(sendImpressions(contract, [impression({ chargeId: 'views', count: 10, completedViews: 11 })])).rejects.toMatchObject({
      details: [{ path: 'records.0.completedViews', message: expect.stringContaining('count') }],
    });
  });
});
