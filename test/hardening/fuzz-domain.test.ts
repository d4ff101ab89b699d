/**
 * Fuzz past the schemas: bodies the zod schemas ACCEPT, with values only the domain can judge
 * (unknown currencies and time zones, money with too many decimals for the currency, tiers and
 * partner shares naming charges that do not exist, dates outside the term, rates far past 2^53),
 * sent where nothing can be stored whatever the domain decides: a contract for an advertiser
 * that does not exist, an amendment of a contract whose first version is still open, quotes.
 * No 5xx, every refusal in the one error shape, and the table is unchanged.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_OPERATIONS } from '../../shared/schemas/api/index';
import type { Operation } from '../../shared/schemas/api/operation';
import { startTestApi, type TestApi } from '../support/api';
import { seedWorld, type World } from './seed';
import { expectErrorBody, invoke, pool, quietHandlerLogs, routeByKey, tableSnapshot } from './support';

quietHandlerLogs();

const RUNS = Number(process.env.FUZZ_DOMAIN_RUNS ?? 500);

let api: TestApi;
let world: World;
let before: string[];

beforeAll(async () => {
  api = await startTestApi();
  world = await seedWorld(api);
  before = await tableSnapshot(api.tableName);
});
afterAll(() => api?.stop());

// Values that satisfy the schemas' regexes and bounds, chosen to stress the domain's rules.
const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const decimal = (maxDecimals: number) =>
  fc.tuple(digits(1, 24), fc.option(digits(1, maxDecimals), { nil: undefined })).map(([i, f]) => (f === undefined ? i : `${i}.${f}`));
const money = fc.oneof(fc.constantFrom('0', '0.00', '12.50', '0.001', '100.999', '123456789012345678.91', '000100', '99999999999999999999999999999999999999'), decimal(12));
const rate = fc.oneof(fc.constantFrom('0', '0.000001', '12.50', '999999999999999999999999.999999'), decimal(6));
const percent = fc.oneof(fc.constantFrom('0', '100', '100.000000', '99.999999', '0.000001'), fc.integer({ min: 0, max: 100 }).map(String));
const id = fc.stringMatching(/^[A-Za-z0-9._:-]{1,24}$/);
const day = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const termDay = fc.constantFrom('2026-12-31', '2027-01-01', '2027-06-15', '2027-12-31', '2028-01-01', '2027-02-28');
const instant = fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2028-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const count = fc.oneof(fc.nat(), fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER));
const currency = fc.oneof(fc.constantFrom('USD', 'EUR', 'JPY', 'BHD', 'XXX', 'ABC', 'CLF'), fc.stringMatching(/^[A-Z]{3}$/));
const timezone = fc.oneof(fc.constantFrom('UTC', 'America/New_York', 'Asia/Kathmandu', 'Mars/Olympus', 'Etc/GMT+14', 'utc', 'EST5EDT', '+05:30'), fc.string({ minLength: 1, maxLength: 64 }));

const tiers = fc.array(fc.tuple(fc.integer({ min: 1, max: 1_000_000 }), rate), { minLength: 1, maxLength: 4 }).map((pairs) => {
  let upTo = 0;
  return pairs.map(([step, r], i) => ({ upTo: i === pairs.length - 1 ? null : (upTo += step), rate: r }));
});

const chargeIds = ['ctv', 'buy', 'ghost'];
const cpm = fc.record({
  id: fc.constantFrom(...chargeIds),
  kind: fc.constant('CPM'),
  pricing: fc.oneof(fc.record({ model: fc.constant('FLAT'), rate }), fc.record({ model: fc.constantFrom('GRADUATED', 'VOLUME'), tiers })),
  billableSource: fc.constantFrom('FIRST_PARTY', 'THIRD_PARTY'),
  discrepancyThresholdPct: fc.option(percent, { nil: null }),
});
const cpa = fc.record({
  id: fc.constantFrom(...chargeIds),
  kind: fc.constant('CPA'),
  event: fc.constantFrom('PURCHASE', 'SIGNUP', 'x'),
  payout: fc.record({ flat: money, percentOfValue: percent, min: fc.option(money, { nil: null }), max: fc.option(money, { nil: null }) }),
  attributionWindowDays: fc.integer({ min: 0, max: 3650 }),
  eligibility: fc.record({ geos: fc.option(fc.array(fc.constantFrom('US', 'FR', 'ZZ', 'us'), { maxLength: 3 }), { nil: null }), newCustomersOnly: fc.boolean(), minValue: fc.option(money, { nil: null }) }),
  holdDays: fc.integer({ min: 0, max: 3650 }),
  maxConversionsPerPeriod: fc.option(count, { nil: null }),
});
const versionTerms = fc.record({
  charges: fc.array(fc.oneof(cpm, cpa), { minLength: 1, maxLength: 3 }),
  minimumCommitment: fc.option(fc.record({ amount: money, prorate: fc.boolean() }), { nil: null }),
  budgetCap: fc.option(fc.record({ amount: money, scope: fc.constantFrom('PERIOD', 'CONTRACT') }), { nil: null }),
  agencyCommissionPct: fc.option(percent, { nil: null }),
  partners: fc.array(
    fc.record({ partnerId: id, chargeIds: fc.array(fc.constantFrom(...chargeIds), { minLength: 1, maxLength: 3 }), percentOfRevenue: percent, flatPerConversion: money }, { requiredKeys: ['partnerId', 'chargeIds'] }),
    { maxLength: 2 },
  ),
});

const schemaOf = (key: string) => (ALL_OPERATIONS as Record<string, Operation>)[key]!.body!;

async function fuzz(key: string, bodies: unknown[], params: Record<string, string>, role: string, allowed: number[]) {
  const route = routeByKey(key);
  const schema = schemaOf(key);
  let schemaValid = 0;
  const failures: string[] = [];
  await pool(bodies, 8, async (body) => {
    const parsed = schema.safeParse(body);
    if (parsed.success) schemaValid += 1;
    else if (process.env.FUZZ_DEBUG) console.log(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const res = await invoke({ route, pathParameters: params, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, claims: world.claims[role] });
    if (!allowed.includes(res.status) && failures.length < 5) failures.push(`${res.status} ${res.text.slice(0, 300)} <- ${JSON.stringify(body).slice(0, 400)}`);
    if (res.status >= 400) expectErrorBody(res, key);
  });
  expect(failures).toEqual([]);
  // The generators aim past the schemas: most bodies must reach the domain's rules.
  expect(schemaValid / bodies.length, key).toBeGreaterThan(0.8);
}

describe('schema-valid bodies the domain must judge', () => {
  it('POST /v1/contracts for an advertiser that does not exist: 400, never 5xx', { timeout: 240_000 }, async () => {
    const body = fc.record({
      advertiserId: fc.constantFrom('adv-missing', 'ADV.1', world.globex.advertiserId.replace(/./, 'z')),
      name: fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim().length > 0),
      currency,
      timezone,
      startDate: fc.oneof(day, termDay),
      endDate: fc.oneof(day, termDay),
      rounding: fc.constantFrom('HALF_EVEN', 'HALF_UP'),
      autoRenew: fc.oneof(fc.constant(false), fc.record({ termMonths: fc.integer({ min: 1, max: 120 }), noticeDays: fc.integer({ min: 0, max: 365 }) })),
      terms: versionTerms.chain((terms) => fc.record({ effectiveFrom: fc.option(termDay, { nil: undefined }) }).map((x) => ({ ...terms, ...(x.effectiveFrom ? { effectiveFrom: x.effectiveFrom } : {}) }))),
    });
    await fuzz('POST /v1/contracts', fc.sample(body, { numRuns: RUNS, seed: 71 }), {}, 'ops', [400]);
  });

  it('POST /v1/contracts/{id}/amendments while the first version is open: 400 or 409, never 5xx', { timeout: 240_000 }, async () => {
    const body = fc.record({ effectiveFrom: fc.oneof(day, termDay), terms: versionTerms });
    await fuzz('POST /v1/contracts/{id}/amendments', fc.sample(body, { numRuns: RUNS, seed: 72 }), { id: world.acme.contractId }, 'ops', [400, 409]);
  });

  it('POST /v1/quotes with schema-valid cases: 200 or 400, never 5xx', { timeout: 240_000 }, async () => {
    const body = fc.record({
      contract: fc.record({
        currency,
        timezone,
        startDate: termDay,
        endDate: termDay,
        rounding: fc.constantFrom('HALF_EVEN', 'HALF_UP'),
        versions: fc.array(fc.tuple(termDay, versionTerms).map(([effectiveFrom, terms]) => ({ effectiveFrom, ...terms })), { minLength: 1, maxLength: 2 }),
      }),
      usage: fc.record({
        impressions: fc.array(fc.record({ date: termDay, chargeId: fc.constantFrom(...chargeIds), count, source: fc.constantFrom('FIRST_PARTY', 'THIRD_PARTY'), partnerId: fc.option(id, { nil: null }) }), { maxLength: 4 }),
        conversions: fc.array(
          fc.record({ id, event: fc.constantFrom('PURCHASE', 'SIGNUP'), occurredAt: instant, exposureAt: instant, value: money, geo: fc.constantFrom('US', 'FR', 'ZZ'), newCustomer: fc.boolean(), partnerId: fc.option(id, { nil: null }), reversedAt: fc.option(instant, { nil: null }) }),
          { maxLength: 4 },
        ),
      }),
      runs: fc.array(fc.record({ period: fc.constantFrom('2026-12', '2027-01', '2027-06', '2027-12', '2028-01'), asOf: instant }), { minLength: 1, maxLength: 3 }),
    });
    await fuzz('POST /v1/quotes', fc.sample(body, { numRuns: RUNS, seed: 73 }), {}, 'finance', [200, 400]);
  });

  it('left the table exactly as it was', async () => {
    expect(await tableSnapshot(api.tableName)).toEqual(before);
  });
});
