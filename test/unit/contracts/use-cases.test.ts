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
import type { Contract } from '../../../shared/domain/contracts/model';
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
    const report = await runDailyLifecycle({ store, activeContractIds: () => store.activeContractIds(), clock });
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
  const contract = (patch: Partial<Contract>): Contract => ({
    id: 'c', advertiserId: 'a', name: 'n', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', rounding: 'HALF_EVEN',
    autoRenew: false, status: 'ACTIVE', terminatedOn: null, createdBy: 'x', createdAt: '', updatedAt: '', actor: 'x', version: 1, ...patch,
  });

  it('expires the day after endDate, not on it', () => {
    expect(decideLifecycle(contract({}), '2027-12-31').outcome.kind).toBe('unchanged');
    expect(decideLifecycle(contract({}), '2028-01-01')).toEqual({ outcome: { kind: 'expired' }, patch: { status: 'EXPIRED' } });
  });

  it('auto-renews once the notice deadline is reached', () => {
    const c = contract({ autoRenew: { termMonths: 12, noticeDays: 30 } });
    expect(decideLifecycle(c, '2027-11-30').outcome.kind).toBe('unchanged');
    expect(decideLifecycle(c, '2027-12-01')).toEqual({ outcome: { kind: 'renewed', previousEndDate: '2027-12-31', endDate: '2028-12-31' }, patch: { endDate: '2028-12-31' } });
    // A job that did not run for two years catches up.
    expect(decideLifecycle(c, '2029-12-15').patch).toEqual({ endDate: '2030-12-31' });
  });

  it('does not renew a terminated contract; leaves non-active ones alone', () => {
    expect(decideLifecycle(contract({ autoRenew: { termMonths: 12, noticeDays: 30 }, terminatedOn: '2027-12-31' }), '2027-12-15').outcome.kind).toBe('unchanged');
    expect(decideLifecycle(contract({ status: 'DRAFT' }), '2030-01-01').outcome.kind).toBe('unchanged');
  });

  it('runs idempotently over the store', async () => {
    const a = await activeContract({ autoRenew: { termMonths: 12, noticeDays: 30 } });
    const b = await activeContract();
    clock.set('2028-01-02T00:00:00Z');
    const first = await runDailyLifecycle({ store, activeContractIds: () => store.activeContractIds(), clock });
    expect(first).toMatchObject({ examined: 2, renewed: [a], expired: [b] });
    const again = await runDailyLifecycle({ store, activeContractIds: () => store.activeContractIds(), clock });
    expect(again).toMatchObject({ examined: 1, renewed: [], expired: [] });
    expect((await store.get(a))!.contract.endDate).toBe('2028-12-31');
  });
});
