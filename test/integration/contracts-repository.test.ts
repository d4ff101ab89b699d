/** The contract and directory repositories and the idempotency store on DynamoDB Local. */
import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DirectoryRepository } from '../../shared/adapters/dynamodb/directory-repository';
import { IdempotencyStore } from '../../shared/adapters/dynamodb/idempotency-store';
import { keys } from '../../shared/adapters/dynamodb/table';
import { fixedClock } from '../../shared/domain/kernel/clock';
import { ConflictError, ValidationError } from '../../shared/domain/kernel/errors';
import { DEFAULT_APPROVAL_THRESHOLDS } from '../../shared/domain/contracts/approval-policy';
import { createContract } from '../../shared/domain/contracts/create-contract';
import { submitVersion } from '../../shared/domain/contracts/submit-version';
import { approveVersion } from '../../shared/domain/contracts/approve-version';
import { touchContract } from '../../shared/domain/contracts/aggregate';
import type { VersionTerms } from '../../shared/domain/terms/types';
import { documentClient, freshTable } from '../support/aws';

const client = documentClient();
let table: string;
let contracts: ContractRepository;
let directory: DirectoryRepository;
const clock = fixedClock('2027-01-10T10:00:00Z');
let seq = 0;

const terms = (minimum: string | null = null): VersionTerms => ({
  charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '10' } }],
  minimumCommitment: minimum ? { amount: minimum, prorate: false } : null,
  budgetCap: null, agencyCommissionPct: null, partners: [],
});

async function newContract(advertiserId = 'adv-1', minimum: string | null = null) {
  return createContract({ store: contracts, advertisers: directory, clock, newId: () => `ctr-${++seq}` }, {
    advertiserId, name: 'n', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', rounding: 'HALF_EVEN', autoRenew: false, terms: terms(minimum),
  }, 'olga');
}

beforeAll(async () => {
  table = await freshTable();
  contracts = new ContractRepository(client, table);
  directory = new DirectoryRepository(client, table);
  for (const id of ['adv-1', 'adv-2']) {
    await directory.createAdvertiser({ id, name: id, currency: 'USD', timezone: 'UTC', createdBy: 'x', createdAt: '2027-01-01T00:00:00Z', updatedAt: '2027-01-01T00:00:00Z', actor: 'x', version: 1 });
  }
});

describe('directory', () => {
  it('creates once and reads back', async () => {
    expect(await directory.getAdvertiser('adv-1')).toMatchObject({ id: 'adv-1', currency: 'USD', version: 1 });
    expect(await directory.getAdvertiser('nope')).toBeNull();
    await expect(directory.createAdvertiser({ id: 'adv-1', name: 'again', currency: 'EUR', timezone: 'UTC', createdBy: 'x', createdAt: '', updatedAt: '', actor: 'x', version: 1 })).rejects.toMatchObject({ code: 'already_exists' });
    const raw = await client.send(new GetCommand({ TableName: table, Key: keys.advertiser('adv-1') }));
    expect(raw.Item).toMatchObject({ entityType: 'advertiser', aggregate: 'advertiser#adv-1', actor: 'x', version: 1 });
  });
});

describe('contract repository', () => {
  it('stores the aggregate with lock, actor, entity type and aggregate on every item', async () => {
    const { contract } = await newContract();
    const read = await contracts.get(contract.id);
    expect(read!.contract).toEqual(contract);
    expect(read!.versions).toHaveLength(1);
    const raw = await client.send(new GetCommand({ TableName: table, Key: keys.version(contract.id, 1) }));
    expect(raw.Item).toMatchObject({ entityType: 'version', aggregate: `contract#${contract.id}`, actor: 'olga', version: 1, updatedAt: expect.any(String) });
    expect(await contracts.get('missing')).toBeNull();
  });

  it('optimistic lock: of two writers from the same read, exactly one wins', async () => {
    const { contract } = await newContract();
    const a = touchContract(contract, { name: 'A' }, 'a', clock.now());
    const b = touchContract(contract, { name: 'B' }, 'b', clock.now());
    const results = await Promise.allSettled([
      contracts.commit({ contract: { next: a, expectedVersion: contract.version }, versions: [], approvals: [] }),
      contracts.commit({ contract: { next: b, expectedVersion: contract.version }, versions: [], approvals: [] }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(ConflictError);
    expect(failed.reason.code).toBe('concurrent_update');
    expect((await contracts.get(contract.id))!.contract.version).toBe(2);
  });

  it('approval and activation are one transaction; concurrent single approvals: one wins, the other 409', async () => {
    const { contract } = await newContract();
    await submitVersion({ store: contracts, clock, thresholds: DEFAULT_APPROVAL_THRESHOLDS }, { contractId: contract.id, number: 1 }, 'olga');
    const results = await Promise.allSettled(
      ['april', 'arno', 'anna'].map((sub) => approveVersion({ store: contracts, clock }, { contractId: contract.id, number: 1, comment: null }, { sub, roles: ['approver'] })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'illegal_transition' });
    const read = await contracts.get(contract.id);
    expect(read!.contract.status).toBe('ACTIVE');
    expect(read!.versions[0]!.status).toBe('APPROVED');
    expect(read!.approvals).toHaveLength(1);
  });

  it('two approvals needed: concurrent approver and finance both land, the version ends APPROVED', async () => {
    const { contract } = await newContract('adv-1', '10000.00');
    const submitted = await submitVersion({ store: contracts, clock, thresholds: DEFAULT_APPROVAL_THRESHOLDS }, { contractId: contract.id, number: 1 }, 'olga');
    expect(submitted.versions[0]!.requirement).toMatchObject({ approvals: 2, financeRequired: true });
    await Promise.all([
      approveVersion({ store: contracts, clock }, { contractId: contract.id, number: 1, comment: null }, { sub: 'april', roles: ['approver'] }),
      approveVersion({ store: contracts, clock }, { contractId: contract.id, number: 1, comment: null }, { sub: 'fiona', roles: ['finance'] }),
    ]);
    const read = await contracts.get(contract.id);
    expect(read!.approvals.map((a) => a.approverId).sort()).toEqual(['april', 'fiona']);
    expect(read!.versions[0]!.status).toBe('APPROVED');
    expect(read!.contract.status).toBe('ACTIVE');
  });

  it('a duplicate approval item is refused by its condition', async () => {
    const { contract } = await newContract('adv-1', '10000.00');
    await submitVersion({ store: contracts, clock, thresholds: DEFAULT_APPROVAL_THRESHOLDS }, { contractId: contract.id, number: 1 }, 'olga');
    await approveVersion({ store: contracts, clock }, { contractId: contract.id, number: 1, comment: null }, { sub: 'april', roles: ['approver'] });
    const read = (await contracts.get(contract.id))!;
    const again = { contractId: contract.id, versionNumber: 1, approverId: 'april', roles: ['approver'], comment: null, at: clock.now().toISOString() };
    await expect(
      contracts.commit({ contract: { next: touchContract(read.contract, {}, 'april', clock.now()), expectedVersion: read.contract.version }, versions: [], approvals: [again] }),
    ).rejects.toMatchObject({ code: 'already_approved' });
  });

  it('lists by advertiser and status through the indexes, with validated cursors', async () => {
    const fresh = new ContractRepository(client, await freshTable());
    const dir = new DirectoryRepository(client, (fresh as unknown as { tableName: string }).tableName);
    for (const id of ['adv-1', 'adv-2']) {
      await dir.createAdvertiser({ id, name: id, currency: 'USD', timezone: 'UTC', createdBy: 'x', createdAt: '', updatedAt: '', actor: 'x', version: 1 });
    }
    const make = (adv: string) => createContract({ store: fresh, advertisers: dir, clock, newId: () => `l-${++seq}` }, {
      advertiserId: adv, name: 'n', currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', rounding: 'HALF_EVEN', autoRenew: false, terms: terms(),
    }, 'olga');
    for (let i = 0; i < 5; i++) await make('adv-1');
    for (let i = 0; i < 2; i++) await make('adv-2');
    const first = await fresh.list({ advertiserId: 'adv-1', limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).not.toBeNull();
    const second = await fresh.list({ advertiserId: 'adv-1', limit: 3, cursor: first.nextCursor! });
    expect(second.items).toHaveLength(2);
    expect(new Set([...first.items, ...second.items].map((c) => c.id)).size).toBe(5);
    expect((await fresh.list({ limit: 50 })).items).toHaveLength(7);
    expect((await fresh.list({ status: 'DRAFT', limit: 50 })).items).toHaveLength(7);
    expect((await fresh.list({ status: 'ACTIVE', limit: 50 })).items).toHaveLength(0);
    expect((await fresh.list({ advertiserId: 'adv-2', status: 'DRAFT', limit: 50 })).items).toHaveLength(2);
    // A cursor of adv-1's list cannot page adv-2's, and garbage is a validation error, not a 500.
    await expect(fresh.list({ advertiserId: 'adv-2', limit: 3, cursor: first.nextCursor! })).rejects.toBeInstanceOf(ValidationError);
    for (const bad of ['!!', 'eyJ4IjoxfQ', Buffer.from('{"pk":1}').toString('base64url'), 'a'.repeat(3000)]) {
      await expect(fresh.list({ limit: 3, cursor: bad })).rejects.toMatchObject({ code: 'invalid_cursor' });
    }
  });
});

describe('idempotency store', () => {
  it('first begin starts; same hash replays after completion, other hash mismatches, in-flight is in progress', async () => {
    const store = new IdempotencyStore(client, table, { lockMs: 1000 });
    const now = new Date('2027-01-10T10:00:00Z');
    expect(await store.begin('s', 'k1', 'h1', now)).toEqual({ kind: 'started' });
    expect(await store.begin('s', 'k1', 'h1', now)).toEqual({ kind: 'in_progress' });
    expect(await store.begin('s', 'k1', 'h2', now)).toEqual({ kind: 'mismatch' });
    await store.complete('s', 'k1', { statusCode: 201, headers: { etag: '"1"' }, body: '{"id":"x"}' });
    expect(await store.begin('s', 'k1', 'h1', now)).toEqual({ kind: 'replay', response: { statusCode: 201, headers: { etag: '"1"' }, body: '{"id":"x"}' } });
    expect(await store.begin('s', 'k1', 'h2', now)).toEqual({ kind: 'mismatch' });
    // Another scope is another key space.
    expect(await store.begin('other', 'k1', 'h2', now)).toEqual({ kind: 'started' });
  });

  it('released and abandoned records free the key; expired ones too', async () => {
    const store = new IdempotencyStore(client, table, { lockMs: 1000, retentionSeconds: 60 });
    const now = new Date('2027-01-10T10:00:00Z');
    await store.begin('s', 'k2', 'h', now);
    await store.release('s', 'k2');
    expect(await store.begin('s', 'k2', 'h', now)).toEqual({ kind: 'started' });
    expect(await store.begin('s', 'k2', 'h', new Date(now.getTime() + 500))).toEqual({ kind: 'in_progress' });
    expect(await store.begin('s', 'k2', 'h', new Date(now.getTime() + 1500))).toEqual({ kind: 'started' });
    await store.complete('s', 'k2', { statusCode: 200, headers: {}, body: '' });
    expect((await store.begin('s', 'k2', 'h', new Date(now.getTime() + 30_000))).kind).toBe('replay');
    expect(await store.begin('s', 'k2', 'other', new Date(now.getTime() + 120_000))).toEqual({ kind: 'started' });
  });

  it('concurrent begins with one key: exactly one starts', async () => {
    const store = new IdempotencyStore(client, table);
    const now = new Date('2027-01-10T10:00:00Z');
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => store.begin('s', 'race', 'h', now)));
    expect(outcomes.filter((o) => o.kind === 'started')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'in_progress')).toHaveLength(7);
  });
});
