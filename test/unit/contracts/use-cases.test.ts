/** The use cases against an in-memory store: drafts, backdating, superseding, renewal, termination, lifecycle. */
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { ConflictError, PreconditionFailedError, ValidationError } from '../../../shared/domain/kernel/errors';
import { DEFAULT_APPROVAL_THRESHOLDS } from '../../../shared/domain/contracts/approval-policy';
import { createContract } from '../../../shared/domain/contracts/create-contract';
import { submitVersion } from '../../../shared/domain/contracts/submit-version';
import { approveVersion } from '../../../shared/domain/contracts/approve-version';
import { rejectVersion } from '../../../shared/domain/contracts/reject-version';
import { draftAmendment } from '../../../shared/domain/contracts/draft-amendment';
import { draftRenewal } from '../../../shared/domain/contracts/draft-renewal';
import { draftTermination } from '../../../shared/domain/contracts/draft-termination';
import { updateDraftVersion } from '../../../shared/domain/contracts/update-draft-version';
import { decideLifecycle, runDailyLifecycle } from '../../../shared/domain/contracts/run-daily-lifecycle';
import { toContractTerms } from '../../../shared/domain/contracts/terms';
import type { Contract, ContractAggregate } from '../../../shared/domain/contracts/model';
import type { VersionTerms } from '../../../shared/domain/terms/types';
import { validateContractTerms } from '../../../shared/domain/terms/validate';
import { MemoryContractStore, usdAdvertiser } from './memory-store';

const terms = (rate: string): VersionTerms => ({
  charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate } }],
  minimumCommitment: null, budgetCap: null, agencyCommissionPct: null, partners: [],
});

let store: MemoryContractStore;
const clock = fixedClock('2027-04-15T12:00:00Z');
const deps = () => ({ store, clock, thresholds: DEFAULT_APPROVAL_THRESHOLDS });
let n = 0;

async function activeContract(extra: Partial<Parameters<typeof createContract>[1]> = {}): Promise<string> {
  const { contract } = await createContract({ store, advertisers: store, clock, newId: () => `c${++n}` }, {
    advertiserId: 'adv-1', name: 'A', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31',
    rounding: 'HALF_EVEN', autoRenew: false, terms: terms('10'), ...extra,
  }, 'olga');
  await submitVersion(deps(), { contractId: contract.id, number: 1 }, 'olga');
  await approveVersion(deps(), { contractId: contract.id, number: 1, comment: null }, { sub: 'april', roles: ['approver'] });
  return contract.id;
}

beforeEach(() => {
  store = new MemoryContractStore();
  store.advertisers.set('adv-1', usdAdvertiser);
  clock.set('2027-04-15T12:00:00Z');
});

describe('create', () => {
  it('rejects a currency other than the advertiser\'s and an unknown advertiser, with paths', async () => {
    const input = { advertiserId: 'adv-1', name: 'A', currency: 'EUR', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', rounding: 'HALF_EVEN' as const, autoRenew: false as const, terms: terms('1.1234567') };
    const error = await createContract({ store, advertisers: store, clock, newId: () => 'x' }, input, 'olga').catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.map((d) => d.path)).toEqual(['currency']);
    const unknown = await createContract({ store, advertisers: store, clock, newId: () => 'x' }, { ...input, currency: 'USD', advertiserId: 'nope', terms: { ...terms('1'), minimumCommitment: { amount: '1.005', prorate: false } } }, 'olga').catch((e) => e);
    expect((unknown as ValidationError).details.map((d) => d.path).sort()).toEqual(['advertiserId', 'terms.minimumCommitment.amount']);
  });
});

describe('amendments', () => {
  it('a past effectiveFrom is recorded as backdated; on approval later versions from that day are superseded', async () => {
    const id = await activeContract();
    const { version: v2 } = await draftAmendment(deps(), { contractId: id, effectiveFrom: '2027-06-01', terms: terms('11') }, 'olga');
    expect(v2.backdated).toBe(false);
    await submitVersion(deps(), { contractId: id, number: 2 }, 'olga');
    await approveVersion(deps(), { contractId: id, number: 2, comment: null }, { sub: 'april', roles: ['approver'] });

    clock.set('2027-05-10T09:00:00Z');
    const { version: v3 } = await draftAmendment(deps(), { contractId: id, effectiveFrom: '2027-03-01', terms: terms('9') }, 'olga');
    expect(v3.backdated).toBe(true);
    await submitVersion(deps(), { contractId: id, number: 3 }, 'olga');
    clock.set('2027-05-11T10:00:00Z');
    const { aggregate } = await approveVersion(deps(), { contractId: id, number: 3, comment: null }, { sub: 'april', roles: ['approver'] });
    expect(aggregate.versions.map((v) => [v.number, v.status, v.supersededBy])).toEqual([
      [1, 'APPROVED', null],
      [2, 'SUPERSEDED', 3],
      [3, 'APPROVED', null],
    ]);
    expect(aggregate.versions[2]!.recordedAt).toBe('2027-05-11T10:00:00.000Z');

    const engine = toContractTerms(aggregate.contract, aggregate.versions);
    expect(engine.versions.map((v) => [v.effectiveFrom, v.recordedAt])).toEqual([
      ['2027-01-01', '2027-04-15T12:00:00.000Z'],
      ['2027-03-01', '2027-05-11T10:00:00.000Z'],
    ]);
    expect(engine.versionNumbers).toEqual([1, 3]);
    expect(validateContractTerms(engine)).toEqual([]);
  });

  it('one open version at a time; outside the term is a 400', async () => {
    const id = await activeContract();
    await draftAmendment(deps(), { contractId: id, effectiveFrom: '2027-06-01', terms: terms('11') }, 'olga');
    await expect(draftAmendment(deps(), { contractId: id, effectiveFrom: '2027-07-01', terms: terms('11') }, 'olga')).rejects.toMatchObject({ code: 'open_version_exists' });
    await expect(draftRenewal(deps(), { contractId: id, termMonths: 12, rateUpliftPct: null }, 'olga')).rejects.toMatchObject({ code: 'open_version_exists' });
    const other = await activeContract();
    await expect(draftAmendment(deps(), { contractId: other, effectiveFrom: '2028-01-01', terms: terms('11') }, 'olga')).rejects.toBeInstanceOf(ValidationError);
  });

  it('a rejected initial version reopens the contract; a rework must start on startDate', async () => {
    const { contract } = await createContract({ store, advertisers: store, clock, newId: () => 'r1' }, {
      advertiserId: 'adv-1', name: 'A', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', rounding: 'HALF_EVEN', autoRenew: false, terms: terms('10'),
    }, 'olga');
    await submitVersion(deps(), { contractId: contract.id, number: 1 }, 'olga');
    const rejected = await rejectVersion(deps(), { contractId: contract.id, number: 1, reason: 'rate too low' }, 'april');
    expect(rejected.contract.status).toBe('DRAFT');
    expect(rejected.versions[0]).toMatchObject({ status: 'REJECTED', rejection: { by: 'april', reason: 'rate too low' } });
    await expect(draftAmendment(deps(), { contractId: contract.id, effectiveFrom: '2027-02-01', terms: terms('12') }, 'olga')).rejects.toBeInstanceOf(ValidationError);
    const { version } = await draftAmendment(deps(), { contractId: contract.id, effectiveFrom: '2027-01-01', terms: terms('12') }, 'olga');
    expect(version.kind).toBe('INITIAL');
    await submitVersion(deps(), { contractId: contract.id, number: 2 }, 'olga');
    const { aggregate } = await approveVersion(deps(), { contractId: contract.id, number: 2, comment: null }, { sub: 'april', roles: ['approver'] });
    expect(aggregate.contract.status).toBe('ACTIVE');
  });

  it('edits need the current lock; editors become authors', async () => {
    const { contract, versions } = await createContract({ store, advertisers: store, clock, newId: () => 'e1' }, {
      advertiserId: 'adv-1', name: 'A', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', rounding: 'HALF_EVEN', autoRenew: false, terms: terms('10'),
    }, 'olga');
    await expect(updateDraftVersion(deps(), { contractId: contract.id, number: 1, terms: terms('11'), expectedVersion: 7 }, 'oscar')).rejects.toBeInstanceOf(PreconditionFailedError);
    const updated = await updateDraftVersion(deps(), { contractId: contract.id, number: 1, terms: terms('11'), expectedVersion: versions[0]!.version }, 'oscar');
    expect(updated.versions[0]!.authors).toEqual(['olga', 'oscar']);
    await submitVersion(deps(), { contractId: contract.id, number: 1 }, 'olga');
    await expect(approveVersion(deps(), { contractId: contract.id, number: 1, comment: null }, { sub: 'oscar', roles: ['approver'] })).rejects.toMatchObject({ code: 'author_cannot_approve' });
    await expect(updateDraftVersion(deps(), { contractId: contract.id, number: 1, terms: terms('12'), expectedVersion: 3 }, 'olga')).rejects.toMatchObject({ code: 'illegal_transition' });
  });

  it('two edits from the same read: one lands, the other is 412', async () => {
    const { contract } = await createContract({ store, advertisers: store, clock, newId: () => 'e2' }, {
      advertiserId: 'adv-1', name: 'A', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', rounding: 'HALF_EVEN', autoRenew: false, terms: terms('10'),
    }, 'olga');
    const results = await Promise.allSettled(['11', '12'].map((rate) => updateDraftVersion(deps(), { contractId: contract.id, number: 1, terms: terms(rate), expectedVersion: 1 }, 'olga')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(PreconditionFailedError);
  });
});

describe('renewal and termination', () => {
  it('renewal extends endDate by termMonths with uplifted rates from the next day', async () => {
    const id = await activeContract();
    const { version } = await draftRenewal(deps(), { contractId: id, termMonths: 6, rateUpliftPct: '5' }, 'olga');
    expect(version).toMatchObject({ kind: 'RENEWAL', effectiveFrom: '2028-01-01', renewal: { previousEndDate: '2027-12-31', newEndDate: '2028-06-30' } });
    expect(version.terms.charges[0]).toMatchObject({ pricing: { rate: '10.5' } });
    await submitVersion(deps(), { contractId: id, number: 2 }, 'olga');
    const { aggregate } = await approveVersion(deps(), { contractId: id, number: 2, comment: null }, { sub: 'april', roles: ['approver'] });
    expect(aggregate.contract.endDate).toBe('2028-06-30');
    expect(toContractTerms(aggregate.contract, aggregate.versions).versions.map((v) => v.effectiveFrom)).toEqual(['2027-01-01', '2028-01-01']);
  });

  it('an approved termination ends the contract on its date: TERMINATED at once when past, else on the day after', async () => {
    const id = await activeContract();
    await draftTermination(deps(), { contractId: id, effectiveDate: '2027-09-30', reason: 'budget' }, 'olga');
    await submitVersion(deps(), { contractId: id, number: 2 }, 'olga');
    const { aggregate } = await approveVersion(deps(), { contractId: id, number: 2, comment: null }, { sub: 'april', roles: ['approver'] });
    expect(aggregate.contract).toMatchObject({ status: 'ACTIVE', endDate: '2027-09-30', terminatedOn: '2027-09-30' });
    expect(toContractTerms(aggregate.contract, aggregate.versions).versions).toHaveLength(1);
    await expect(draftRenewal(deps(), { contractId: id, termMonths: 12, rateUpliftPct: null }, 'olga')).rejects.toBeInstanceOf(ConflictError);

    clock.set('2027-10-01T12:00:00Z');
    const report = await runDailyLifecycle({ store, activeContractIds: () => store.activeContractIds(), clock, thresholds: DEFAULT_APPROVAL_THRESHOLDS });
    expect(report.terminated).toEqual([id]);
    expect((await store.get(id))!.contract.status).toBe('TERMINATED');

    const past = await activeContract();
    await draftTermination(deps(), { contractId: past, effectiveDate: '2027-02-28', reason: 'fraud' }, 'olga');
    await submitVersion(deps(), { contractId: past, number: 2 }, 'olga');
    const ended = await approveVersion(deps(), { contractId: past, number: 2, comment: null }, { sub: 'april', roles: ['approver'] });
    expect(ended.aggregate.contract.status).toBe('TERMINATED');
  });
});

describe('daily lifecycle', () => {
  const job = () => ({ store, activeContractIds: () => store.activeContractIds(), clock, thresholds: DEFAULT_APPROVAL_THRESHOLDS });
  const contract = (patch: Partial<Contract>): Contract => ({
    id: 'c', advertiserId: 'a', name: 'n', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', rounding: 'HALF_EVEN',
    autoRenew: false, status: 'ACTIVE', terminatedOn: null, createdBy: 'x', createdAt: '', updatedAt: '', actor: 'x', version: 1, ...patch,
  });
  const alone = (c: Contract): ContractAggregate => ({ contract: c, versions: [], approvals: [] });
  const decide = (c: Contract, day: string) => decideLifecycle(alone(c), day, DEFAULT_APPROVAL_THRESHOLDS, clock.now());

  it('expires the day after endDate, not on it', () => {
    expect(decide(contract({}), '2027-12-31').kind).toBe('unchanged');
    expect(decide(contract({}), '2028-01-01')).toEqual({ kind: 'expired' });
  });

  it('does not renew a terminated contract; leaves non-active ones alone', () => {
    expect(decide(contract({ autoRenew: { termMonths: 12, noticeDays: 30 }, terminatedOn: '2027-12-31' }), '2027-12-15').kind).toBe('unchanged');
    expect(decide(contract({ status: 'DRAFT' }), '2030-01-01').kind).toBe('unchanged');
  });

  it('a one-month contract under the threshold auto-renewing for 120 months gets a RENEWAL needing two approvals, one finance', async () => {
    // 1,000.00/month minimum: the first month commits 1,000.00 (one approval); the renewal
    // commits 120 x 1,000.00 = 120,000.00, at or above 100,000.00 USD.
    const id = await activeContract({
      endDate: '2027-01-31', autoRenew: { termMonths: 120, noticeDays: 10 },
      terms: { ...terms('10'), minimumCommitment: { amount: '1000.00', prorate: false } },
    });
    expect((await store.get(id))!.versions[0]!.requirement).toMatchObject({ approvals: 1, committedValue: '1000' });

    clock.set('2027-01-20T12:00:00Z');
    expect((await runDailyLifecycle(job())).renewalsSubmitted).toEqual([]);
    clock.set('2027-01-21T12:00:00Z');
    const report = await runDailyLifecycle(job());
    expect(report.renewalsSubmitted).toEqual([{ contractId: id, version: 2, committedValue: '120000', approvals: 2 }]);
    const { contract: renewing, versions } = (await store.get(id))!;
    // Nothing is extended before approval.
    expect(renewing).toMatchObject({ status: 'ACTIVE', endDate: '2027-01-31' });
    expect(versions[1]).toMatchObject({
      kind: 'RENEWAL', status: 'PENDING_APPROVAL', effectiveFrom: '2027-02-01', authors: ['system:lifecycle'], createdBy: 'system:lifecycle',
      renewal: { termMonths: 120, rateUpliftPct: null, previousEndDate: '2027-01-31', newEndDate: '2037-01-31' },
      requirement: { approvals: 2, financeRequired: true, committedValue: '120000', threshold: '100000.00' },
    });
    expect(versions[1]!.terms).toEqual(versions[0]!.terms);

    // Re-running the day, or the days after, submits nothing more and does not expire it.
    clock.set('2027-02-05T12:00:00Z');
    expect(await runDailyLifecycle(job())).toMatchObject({ renewalsSubmitted: [], awaitingRenewalApproval: [id], expired: [] });

    // The approval policy applies as to any version: one approver is not enough, two are with finance.
    const first = await approveVersion(deps(), { contractId: id, number: 2, comment: null }, { sub: 'april', roles: ['approver'] });
    expect(first.approved).toBe(false);
    expect(first.aggregate.contract.endDate).toBe('2027-01-31');
    const second = await approveVersion(deps(), { contractId: id, number: 2, comment: null }, { sub: 'fiona', roles: ['finance'] });
    expect(second.approved).toBe(true);
    expect(second.aggregate.contract).toMatchObject({ status: 'ACTIVE', endDate: '2037-01-31' });
  });

  it('a rejected auto-renewal is not submitted again; the contract then expires after endDate', async () => {
    const id = await activeContract({ autoRenew: { termMonths: 12, noticeDays: 30 } });
    clock.set('2027-12-01T12:00:00Z');
    expect((await runDailyLifecycle(job())).renewalsSubmitted.map((r) => r.contractId)).toEqual([id]);
    await rejectVersion(deps(), { contractId: id, number: 2, reason: 'not renewing' }, 'april');
    clock.set('2027-12-31T12:00:00Z');
    expect(await runDailyLifecycle(job())).toMatchObject({ renewalsSubmitted: [], expired: [] });
    clock.set('2028-01-01T12:00:00Z');
    expect(await runDailyLifecycle(job())).toMatchObject({ renewalsSubmitted: [], expired: [id] });
  });

  it('an open amendment blocks the submission that day; the renewal is submitted once it is decided', async () => {
    const id = await activeContract({ autoRenew: { termMonths: 12, noticeDays: 30 } });
    await draftAmendment(deps(), { contractId: id, effectiveFrom: '2027-06-01', terms: terms('11') }, 'olga');
    clock.set('2027-12-01T12:00:00Z');
    expect(await runDailyLifecycle(job())).toMatchObject({ renewalsSubmitted: [], expired: [] });
    await submitVersion(deps(), { contractId: id, number: 2 }, 'olga');
    await approveVersion(deps(), { contractId: id, number: 2, comment: null }, { sub: 'april', roles: ['approver'] });
    const report = await runDailyLifecycle(job());
    expect(report.renewalsSubmitted.map((r) => [r.contractId, r.version])).toEqual([[id, 3]]);
    // The renewal continues the terms in force on endDate: the amendment's.
    expect((await store.get(id))!.versions[2]!.terms.charges[0]).toMatchObject({ pricing: { rate: '11' } });
  });

  it('runs idempotently over the store', async () => {
    const a = await activeContract({ autoRenew: { termMonths: 12, noticeDays: 30 } });
    const b = await activeContract();
    clock.set('2028-01-02T00:00:00Z');
    const first = await runDailyLifecycle(job());
    expect(first).toMatchObject({ examined: 2, expired: [b] });
    expect(first.renewalsSubmitted.map((r) => r.contractId)).toEqual([a]);
    const again = await runDailyLifecycle(job());
    expect(again).toMatchObject({ examined: 1, renewalsSubmitted: [], awaitingRenewalApproval: [a], expired: [] });
    expect((await store.get(a))!.contract.endDate).toBe('2027-12-31');
    expect((await store.get(a))!.versions).toHaveLength(2);
  });
});
