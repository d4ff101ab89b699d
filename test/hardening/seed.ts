/**
 * A small world for the hardening tests, made through the API (and, for invoices, with the
 * repository the billing workflow writes with): two advertisers, a draft contract of each, an
 * invoice of each, and tokens for every role.
 */
import { expect } from 'vitest';
import { InvoicesOnTable } from '../support/invoices';
import { systemClock } from '../../shared/domain/kernel/clock';
import { ALL_ROLES } from '../../functions/http/routes';
import { documentClient } from '../support/aws';
import type { TestApi } from '../support/api';
import { january } from '../unit/invoices/fixtures';
import { claimsOf } from './support';

export const cpmTerms = (rate = '12.50', minimum: string | null = null) => ({
  charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate } }],
  minimumCommitment: minimum ? { amount: minimum, prorate: false } : null,
});

export const contractBody = (advertiserId: string, extra: Record<string, unknown> = {}) => ({
  advertiserId,
  name: 'Hardening',
  currency: 'USD',
  timezone: 'UTC',
  startDate: '2027-01-01',
  endDate: '2027-12-31',
  terms: cpmTerms(),
  ...extra,
});

export interface World {
  tokens: Record<string, string>;
  claims: Record<string, Record<string, string>>;
  acme: { advertiserId: string; contractId: string; invoiceId: string };
  globex: { advertiserId: string; contractId: string; invoiceId: string };
}

export async function seedWorld(api: TestApi): Promise<World> {
  const ops = await api.token({ sub: 'olga', roles: ['ops'] });
  const made = async (name: string) => {
    const adv = await api.request('POST', '/v1/advertisers', { token: ops, body: { name, currency: 'USD', timezone: 'UTC' } });
    expect(adv.status, adv.text).toBe(201);
    const contract = await api.request('POST', '/v1/contracts', { token: ops, body: contractBody(adv.json.id) });
    expect(contract.status, contract.text).toBe(201);
    return { advertiserId: adv.json.id as string, contractId: contract.json.id as string };
  };
  const [acme, globex] = [await made('Acme'), await made('Globex')];
  const repo = new InvoicesOnTable(documentClient(), api.tableName, systemClock);
  const invoiceOf = async (who: { advertiserId: string; contractId: string }, runId: string) =>
    (await repo.writeRunInvoice({ runId, runSeq: 1, contract: { id: who.contractId, advertiserId: who.advertiserId, currency: 'USD' }, rated: january, actor: 'system:test', at: '2027-02-03T00:00:00.000Z' })).invoiceId;
  const world: World = {
    tokens: {},
    claims: {},
    acme: { ...acme, invoiceId: await invoiceOf(acme, 'run-acme') },
    globex: { ...globex, invoiceId: await invoiceOf(globex, 'run-globex') },
  };
  for (const role of ALL_ROLES) {
    world.tokens[role] = await api.token({ sub: `${role}-user`, roles: [role], ...(role === 'advertiser' ? { advertiserId: acme.advertiserId } : {}) });
    world.claims[role] = await claimsOf(world.tokens[role]!);
  }
  return world;
}
