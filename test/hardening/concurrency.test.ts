/**
 * Races through the local HTTP server: 50 pairs of conflicting changes to one version
 * (approve vs reject, edit vs submit, If-Match on both sides), approvers racing for a version
 * that needs one approval, and one Idempotency-Key sent 10 times in a row and 10 times at
 * once. Exactly one side wins each race, the loser gets 409 or 412, and the audit chain (fed
 * by the stream poller) holds the winner's change and never the loser's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { verifyChain } from '../../shared/domain/audit/chain';
import { auditAggregate } from '../../shared/domain/audit/entry';
import { InvoicesOnTable } from '../support/invoices';
import { FinanceExports } from '../../shared/adapters/s3/exports';
import { systemClock } from '../../shared/domain/kernel/clock';
import { documentClient, s3Client } from '../support/aws';
import { january } from '../unit/invoices/fixtures';
import { startTestApi, startTestAuditPoller, type TestApi, type TestResponse } from '../support/api';
import { contractBody, cpmTerms } from './seed';
import { pool, quietHandlerLogs } from './support';

quietHandlerLogs();

let api: TestApi;
let poller: Awaited<ReturnType<typeof startTestAuditPoller>>;
let audit: DynamoAuditRepository;
const t: Record<string, string> = {};
let advertiserId: string;

beforeAll(async () => {
  api = await startTestApi();
  poller = await startTestAuditPoller();
  audit = new DynamoAuditRepository(documentClient(), api.tableName);
  const people: Array<[string, string[]]> = [
    ['olga', ['ops']], ['oscar', ['ops']], ['sam', ['ops']], ['april', ['approver']], ['arno', ['approver']],
    ['ava', ['approver']], ['axel', ['approver']], ['fiona', ['finance']], ['idem', ['ops']],
  ];
  for (const [sub, roles] of people) t[sub] = await api.token({ sub, roles });
  const adv = await api.request('POST', '/v1/advertisers', { token: t.olga, body: { name: 'Race', currency: 'USD', timezone: 'UTC' } });
  expect(adv.status).toBe(201);
  advertiserId = adv.json.id;
});
afterAll(async () => {
  await poller?.stop();
  await api?.stop();
});

async function draftContract(): Promise<string> {
  const res = await api.request('POST', '/v1/contracts', { token: t.olga, body: contractBody(advertiserId) });
  expect(res.status, res.text).toBe(201);
  return res.json.id;
}

async function pendingContract(): Promise<string> {
  const id = await draftContract();
  const submitted = await api.request('POST', `/v1/contracts/${id}/versions/1/submit`, { token: t.olga });
  expect(submitted.status, submitted.text).toBe(200);
  return id;
}

const post = (token: string, path: string, body?: unknown, ifMatch?: string) =>
  api.request('POST', path, { token, ...(body === undefined ? {} : { body }), headers: ifMatch ? { 'if-match': ifMatch } : {} });

type RaceKind = 'approve-vs-reject' | 'approve-vs-reject-if-match' | 'edit-vs-submit';

interface Race {
  kind: RaceKind;
  contractId: string;
  results: [TestResponse, TestResponse];
  /** Per side: the actor and the audit action only that side's success writes. */
  sides: [{ actor: string; action: string }, { actor: string; action: string }];
}

async function race(kind: RaceKind, contractId: string): Promise<Race> {
  const v1 = `/v1/contracts/${contractId}/versions/1`;
  switch (kind) {
    case 'approve-vs-reject':
      return {
        kind, contractId,
        results: await Promise.all([post(t.april!, `${v1}/approve`, { comment: 'ok' }), post(t.arno!, `${v1}/reject`, { reason: 'no' })]),
        sides: [{ actor: 'april', action: 'version.approved' }, { actor: 'arno', action: 'version.rejected' }],
      };
    case 'approve-vs-reject-if-match':
      return {
        kind, contractId,
        results: await Promise.all([post(t.april!, `${v1}/approve`, {}, '"2"'), post(t.arno!, `${v1}/reject`, { reason: 'no' }, '"2"')]),
        sides: [{ actor: 'april', action: 'version.approved' }, { actor: 'arno', action: 'version.rejected' }],
      };
    case 'edit-vs-submit':
      return {
        kind, contractId,
        results: await Promise.all([
          api.request('PUT', v1, { token: t.oscar, body: { terms: cpmTerms('13.00') }, headers: { 'if-match': '"1"' } }),
          post(t.sam!, `${v1}/submit`, undefined, '"1"'),
        ]),
        sides: [{ actor: 'oscar', action: 'UPDATED' }, { actor: 'sam', action: 'version.submitted' }],
      };
  }
}

describe('racing changes to one version', () => {
  it('50 conflicting pairs: exactly one wins, the loser gets 409 or 412, the audit trail holds only the winner', async () => {
    const kinds: RaceKind[] = ['approve-vs-reject', 'approve-vs-reject-if-match', 'edit-vs-submit'];
    const plans = Array.from({ length: 50 }, (_, i) => kinds[i % kinds.length]!);
    const races: Race[] = [];
    await pool(plans, 10, async (kind) => {
      const id = kind === 'edit-vs-submit' ? await draftContract() : await pendingContract();
      races.push(await race(kind, id));
    });
    expect(races).toHaveLength(50);

    for (const r of races) {
      const statuses = r.results.map((x) => x.status);
      const winners = statuses.filter((s) => s === 200);
      expect(winners, `${r.kind} ${r.contractId}: ${statuses} ${r.results.map((x) => x.text.slice(0, 120))}`).toHaveLength(1);
      const loser = r.results.find((x) => x.status !== 200)!;
      expect([409, 412], `${r.kind}: ${loser.text}`).toContain(loser.status);
      if (r.kind === 'approve-vs-reject') expect(loser.status).toBe(409);
    }

    await poller.drain();
    for (const r of races) {
      const winner = r.results[0].status === 200 ? 0 : 1;
      const won = r.sides[winner];
      const lost = r.sides[1 - winner]!;
      const { head, entries } = await audit.readChain(auditAggregate.contract(r.contractId));
      expect(verifyChain(entries, { head }).breaks, r.contractId).toEqual([]);
      const versionEntries = entries.filter((e) => e.entityType === 'version');
      expect(versionEntries.some((e) => e.action === won.action && e.actor === won.actor), `${r.kind}: the winner's change is in the trail`).toBe(true);
      expect(entries.filter((e) => e.actor === lost.actor), `${r.kind}: nothing by the loser ${lost.actor}`).toEqual([]);
      expect(versionEntries.some((e) => e.action === lost.action && lost.action !== 'UPDATED')).toBe(false);
      // The API's view agrees with the trail.
      const version = await api.request('GET', `/v1/contracts/${r.contractId}/versions/1`, { token: t.olga });
      const expected = { 'version.approved': 'APPROVED', 'version.rejected': 'REJECTED', 'version.submitted': 'PENDING_APPROVAL', UPDATED: 'DRAFT' }[won.action];
      expect(version.json.status).toBe(expected);
      if (won.action === 'UPDATED') expect(version.json.terms.charges[0].pricing.rate).toBe('13.00');
      else if (r.kind === 'edit-vs-submit') expect(version.json.terms.charges[0].pricing.rate).toBe('12.50');
    }
  });

  it('four approvers at once on ten versions that need one approval: exactly one approval takes effect on each', async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => pendingContract()));
    const approvers = ['april', 'arno', 'ava', 'axel'];
    const outcomes = await Promise.all(ids.map((id) => Promise.all(approvers.map((who) => post(t[who]!, `/v1/contracts/${id}/versions/1/approve`, { comment: who })))));
    await poller.drain();
    for (const [i, results] of outcomes.entries()) {
      const id = ids[i]!;
      expect(results.filter((r) => r.status === 200), results.map((r) => `${r.status} ${r.text.slice(0, 100)}`).join(' | ')).toHaveLength(1);
      for (const r of results.filter((x) => x.status !== 200)) expect(r.status).toBe(409);
      const winner = approvers[results.findIndex((r) => r.status === 200)]!;
      const version = await api.request('GET', `/v1/contracts/${id}/versions/1`, { token: t.olga });
      expect(version.json.status).toBe('APPROVED');
      expect(version.json.approvals.map((a: { approverId: string }) => a.approverId)).toEqual([winner]);
      const { head, entries } = await audit.readChain(auditAggregate.contract(id));
      expect(verifyChain(entries, { head }).breaks).toEqual([]);
      expect(entries.filter((e) => e.action === 'version.approved')).toHaveLength(1);
      expect(entries.filter((e) => e.entityType === 'approval').map((e) => e.actor)).toEqual([winner]);
      expect(new Set(entries.map((e) => e.actor))).toEqual(new Set(['olga', winner]));
    }
  });
});

describe('idempotency under repetition and concurrency', () => {
  async function contractsNamed(name: string): Promise<string[]> {
    const res = await api.request('GET', `/v1/contracts?advertiserId=${advertiserId}&limit=200`, { token: t.olga });
    return res.json.items.filter((c: { name: string }) => c.name === name).map((c: { id: string }) => c.id);
  }

  it('the same key and body 10 times in a row: one contract, nine identical replays', async () => {
    const body = contractBody(advertiserId, { name: 'idem-sequential' });
    const results: TestResponse[] = [];
    for (let i = 0; i < 10; i++) results.push(await api.request('POST', '/v1/contracts', { token: t.idem, body, headers: { 'idempotency-key': 'seq-key-1' } }));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    for (const r of results.slice(1)) {
      expect(r.text).toBe(results[0]!.text);
      expect(r.headers.get('etag')).toBe(results[0]!.headers.get('etag'));
      expect(r.headers.get('location')).toBe(results[0]!.headers.get('location'));
      expect(r.headers.get('idempotency-replayed')).toBe('true');
    }
    expect(await contractsNamed('idem-sequential')).toEqual([results[0]!.json.id]);
  });

  it('the same key and body 10 times at once: one contract; the others replay it or answer 409 idempotency_in_progress', async () => {
    const body = contractBody(advertiserId, { name: 'idem-concurrent' });
    const results = await Promise.all(Array.from({ length: 10 }, () => api.request('POST', '/v1/contracts', { token: t.idem, body, headers: { 'idempotency-key': 'conc-key-1' } })));
    const created = results.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.text)).size).toBe(1);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.json.error.code).toBe('idempotency_in_progress');
    }
    const [only] = await contractsNamed('idem-concurrent');
    expect(await contractsNamed('idem-concurrent')).toHaveLength(1);
    expect(created[0]!.json.id).toBe(only);
    // Once the first has finished, every retry is a replay of it.
    const later = await api.request('POST', '/v1/contracts', { token: t.idem, body, headers: { 'idempotency-key': 'conc-key-1' } });
    expect(later.status).toBe(201);
    expect(later.text).toBe(created[0]!.text);
  });

  it('the same key with another body is 422 and creates nothing, even at once with the original', async () => {
    const body = contractBody(advertiserId, { name: 'idem-mismatch' });
    const first = await api.request('POST', '/v1/contracts', { token: t.idem, body, headers: { 'idempotency-key': 'mismatch-key' } });
    expect(first.status).toBe(201);
    const others = await Promise.all(
      Array.from({ length: 5 }, (_, i) => api.request('POST', '/v1/contracts', { token: t.idem, body: { ...body, name: `idem-mismatch-${i}` }, headers: { 'idempotency-key': 'mismatch-key' } })),
    );
    for (const r of others) {
      expect(r.status).toBe(422);
      expect(r.json.error.code).toBe('idempotency_key_reused');
    }
    expect(await contractsNamed('idem-mismatch')).toHaveLength(1);
    for (let i = 0; i < 5; i++) expect(await contractsNamed(`idem-mismatch-${i}`)).toEqual([]);
  });
});

describe('concurrent reads of the finance export', () => {
  it('20 GETs of a period at once only read: the same files as the manifest names, nothing rewritten; a period never exported lists nothing', async () => {
    const repo = new InvoicesOnTable(documentClient(), api.tableName, systemClock);
    const contractId = await draftContract();
    const { invoiceId } = await repo.writeRunInvoice({ runId: 'run-export', runSeq: 1, contract: { id: contractId, advertiserId, currency: 'USD' }, rated: january, actor: 'system:test', at: '2027-02-03T00:00:00.000Z' });
    // The billing workflow's Export step writes the period; then a document changes.
    const exportsStore = new FinanceExports(s3Client(), api.buckets.exports, repo, systemClock);
    const written = await exportsStore.writePeriodExport('2027-01');
    await repo.finalizeInvoice(invoiceId, 'fiona');
    const expected = [...written.files.map((f) => f.key), 'exports/2027-01/manifest.json'].sort().join(',');
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all(Array.from({ length: 20 }, () => api.request('GET', '/v1/exports?period=2027-01', { token: t.fiona })));
      expect(results.map((r) => r.status), results.find((r) => r.status !== 200)?.text).toEqual(Array(20).fill(200));
      for (const r of results) expect(r.json.items.map((i: { key: string }) => i.key).join(',')).toBe(expected);
    }
    // No GET rebuilt the export from the changed document: the manifest is the workflow's.
    expect(await exportsStore.readManifest('2027-01')).toEqual(written);
    const never = await Promise.all(Array.from({ length: 5 }, () => api.request('GET', '/v1/exports?period=2027-02', { token: t.fiona })));
    for (const r of never) expect(r.json).toEqual({ items: [] });
    expect(await exportsStore.readManifest('2027-02')).toBeUndefined();
  });
});

