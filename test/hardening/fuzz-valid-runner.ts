/**
 * Fuzz past validation: every write route gets bodies its own zod schema accepts (derived from
 * the schema, schema-arbitrary.ts), with path parameters, roles, If-Match and Idempotency-Key
 * drawn from the seeded world and from what earlier requests created, so the handlers, the
 * domain and the repositories run under fuzz. FUZZ_VALID_HTTP_RUNS per route go through the
 * local HTTP server, FUZZ_VALID_RUNS more through the group's Lambda in-process. No response is
 * a 5xx, every error has the one error shape, and a refused request stores nothing: every write
 * the handlers' clients make is attributed to its request (write-recorder.ts), and a refused
 * request may only take and release its own idempotency record.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { RouteDef } from '../../shared/schemas/api/routes';
import { declarationOf } from '../../shared/schemas/api/routes';
import { Day, Instant, MoneyString, PercentString, RateString, ConversionSchema, ImpressionSchema } from '../../shared/schemas/terms';
import { ConversionBatchBody, ImpressionBatchBody } from '../../shared/schemas/api/usage';
import { Period } from '../../shared/schemas/api/billing-runs';
import { startTestApi, type TestApi } from '../support/api';
import { seedWorld, type World } from './seed';
import { arbitraryFromSchema, type SchemaHints } from './schema-arbitrary';
import { aroundFuzzRequest, httpWrites, leftStored, recordWritesOf, withWrites, type StoredWrite } from './write-recorder';
import { concretePath, invoke, isErrorBody, pool, requestRetrying } from './support';

/** Requests per write route through the local HTTP server. */
export const FUZZ_VALID_HTTP_RUNS = Number(process.env.FUZZ_VALID_HTTP_RUNS ?? 100);
/** Requests per write route through the group's Lambda in-process. */
export const FUZZ_VALID_RUNS = Number(process.env.FUZZ_VALID_RUNS ?? 50);

/** Ids the fuzz draws from: the seeded world's, and every id a 2xx answer created. */
interface Pools {
  advertisers: string[];
  partners: string[];
  contracts: string[];
  invoices: string[];
  credits: string[];
  conversions: string[];
  runs: string[];
}

const days = (from: string, count: number) => Array.from({ length: count }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
const TERM_DAYS = ['2027-01-01', '2027-12-31', '2027-06-15', '2027-02-28', '2026-12-31', '2028-01-01', ...days('2027-01-01', 60)];
const money = fc.oneof(fc.constantFrom('0', '0.01', '12.50', '100', '1000.00', '50000'), fc.tuple(fc.nat(100_000), fc.nat(99)).map(([u, c]) => `${u}.${String(c).padStart(2, '0')}`));

function hintsFor(pools: Pools): SchemaHints {
  const from = (list: string[]) => fc.nat().map((i) => list[i % list.length]!);
  const charge = fc.constantFrom('ctv', 'buy', 'cpa1');
  const leaves = new Map<z.ZodType, fc.Arbitrary<unknown>>([
    [Day, fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...TERM_DAYS) }, { weight: 1, arbitrary: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)) })],
    [Instant, fc.date({ min: new Date('2026-12-01T00:00:00Z'), max: new Date('2028-02-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().replace('.000Z', 'Z'))],
    [MoneyString, money],
    [RateString, fc.constantFrom('0', '0.000001', '2.5', '10.00', '12.50', '999.999999')],
    [PercentString, fc.oneof(fc.constantFrom('0', '10', '15', '50', '100', '33.333333'), fc.integer({ min: 0, max: 100 }).map(String))],
    [Period, fc.constantFrom('2026-12', '2027-01', '2027-02', '2027-06', '2027-12', '2028-01')],
  ]);
  const hints: SchemaHints = {
    leaves,
    maxItems: 3,
    fields: {
      advertiserId: from(pools.advertisers),
      contractId: from(pools.contracts),
      contractIds: from(pools.contracts),
      partnerId: from(pools.partners),
      partnerIds: from(pools.partners),
      chargeId: charge,
      chargeIds: charge,
      mediaChargeIds: charge,
      conversionChargeIds: charge,
      id: charge,
      currency: fc.constantFrom('USD', 'USD', 'EUR', 'JPY'),
      timezone: fc.constantFrom('UTC', 'America/New_York', 'Europe/Paris'),
      period: fc.constantFrom('2027-01', '2027-02', '2027-12', '2028-01'),
      event: fc.constantFrom('PURCHASE', 'SIGNUP'),
      geo: fc.constantFrom('US', 'FR'),
      name: fc.constantFrom('Acme', 'Fuzz', 'Initech'),
      startDate: fc.constantFrom('2027-01-01', '2027-01-01', '2027-03-01'),
      endDate: fc.constantFrom('2027-12-31', '2027-12-31', '2027-06-30'),
      effectiveFrom: fc.constantFrom('2027-01-01', '2027-02-01', '2027-03-01', '2027-07-01'),
      date: fc.constantFrom('2027-01-05', '2027-01-20', '2027-02-10', '2027-06-30'),
    },
  };
  // Usage batches leave `records` open (judged record by record): generate the records' own shapes.
  leaves.set(ImpressionBatchBody.shape.records, fc.array(arbitraryFromSchema(ImpressionSchema, hints), { minLength: 1, maxLength: 3 }));
  leaves.set(ConversionBatchBody.shape.records, fc.array(arbitraryFromSchema(ConversionSchema, hints), { minLength: 1, maxLength: 3 }));
  return hints;
}

/** The pool a path's `{id}` draws from. */
function idPoolOf(route: RouteDef, pools: Pools): string[] {
  if (route.path.startsWith('/v1/advertisers')) return pools.advertisers;
  if (route.path.startsWith('/v1/partners')) return pools.partners;
  if (route.path.startsWith('/v1/invoices')) return pools.invoices;
  if (route.path.startsWith('/v1/usage/conversions')) return pools.conversions;
  if (route.path.startsWith('/v1/billing-runs')) return pools.runs;
  return pools.contracts;
}

/** Where a created resource's id goes, by the route that created it. */
function learn(route: RouteDef, body: unknown, json: unknown, pools: Pools): void {
  const id = (json as { id?: unknown } | undefined)?.id;
  if (typeof id === 'string') {
    if (route.path === '/v1/advertisers') pools.advertisers.push(id);
    else if (route.path === '/v1/partners') pools.partners.push(id);
    else if (route.path === '/v1/contracts') pools.contracts.push(id);
    else if (route.path.endsWith('/credits')) pools.credits.push(id);
    else if (route.path === '/v1/billing-runs') pools.runs.push(id);
  }
  if (route.path === '/v1/usage/conversions') {
    for (const record of (body as { records?: { id?: string }[] }).records ?? []) if (record.id) pools.conversions.push(record.id);
  }
}

interface ValidCase {
  body: unknown;
  picks: Record<string, number>;
  n: number;
  role: string;
  ifMatch: string | null;
  idempotencyKey: string | null;
}

function validCases(route: RouteDef, pools: Pools, runs: number, seed: number): ValidCase[] {
  const op = declarationOf(`${route.method} ${route.path}`)!;
  const hints = hintsFor(pools);
  const body: fc.Arbitrary<unknown> = op.body ? arbitraryFromSchema(op.body, hints).filter((v) => op.body!.safeParse(v).success) : fc.constant({});
  const arbitrary = fc.record({
    body,
    picks: fc.record({ id: fc.nat(), creditId: fc.nat() }),
    n: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 9999 }) }),
    role: fc.constantFrom(...(route.roles ?? ['anonymous'])),
    ifMatch: op.ifMatch ? fc.option(fc.integer({ min: 1, max: 4 }).map((v) => `"${v}"`), { nil: null, freq: 5 }) : fc.constant(null),
    idempotencyKey: route.method === 'POST' ? fc.option(fc.integer({ min: 1, max: 20 }).map((k) => `fuzz-${k}`), { nil: null, freq: 2 }) : fc.constant(null),
  });
  return fc.sample(arbitrary, { numRuns: runs, seed });
}

function paramsOf(route: RouteDef, input: ValidCase, pools: Pools): Record<string, string> {
  const params: Record<string, string> = {};
  const ids = idPoolOf(route, pools);
  if (route.path.includes('{id}')) params.id = ids.length > 0 ? ids[input.picks.id! % ids.length]! : 'missing-id';
  if (route.path.includes('{n}')) params.n = String(input.n);
  if (route.path.includes('{period}')) params.period = ['2027-01', '2027-02', '2026-12'][input.n % 3]!;
  if (route.path.includes('{creditId}')) params.creditId = pools.credits.length > 0 ? pools.credits[input.picks.creditId! % pools.credits.length]! : 'crd-missing';
  return params;
}

interface ValidReport {
  total: number;
  byStatus: Record<number, number>;
  failures: string[];
  /** Accepted requests (not replays) that stored something: proves the writes are seen. */
  acceptedWithWrites: number;
  acceptedWrites: number;
  /** One answer per status (FUZZ_DEBUG). */
  samples: Record<number, string>;
}
const emptyReport = (): ValidReport => ({ total: 0, byStatus: {}, failures: [], acceptedWithWrites: 0, acceptedWrites: 0, samples: {} });

function judge(report: ValidReport, route: RouteDef, input: ValidCase, status: number, json: unknown, text: string, writes: readonly StoredWrite[], replayed: boolean): void {
  report.total += 1;
  report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
  const accepted = status >= 200 && status < 300;
  const problem =
    status >= 500 ? '5xx'
    : status >= 400 && !isErrorBody(json) ? 'error body shape'
    : status >= 400 && leftStored(writes).length > 0 ? `refused but stored ${leftStored(writes).join(', ')}`
    : null;
  if (accepted && !replayed) {
    report.acceptedWrites += 1;
    if (writes.length > 0) report.acceptedWithWrites += 1;
  }
  report.samples[status] ??= `${text.slice(0, 200)} <- ${JSON.stringify(input.body).slice(0, 300)}`;
  if (problem && report.failures.length < 5) report.failures.push(`${route.method} ${route.path} ${problem}: ${status} ${text.slice(0, 300)} <- ${JSON.stringify(input).slice(0, 600)}`);
}

function headersOf(input: ValidCase): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...(input.ifMatch ? { 'if-match': input.ifMatch } : {}),
    ...(input.idempotencyKey ? { 'idempotency-key': input.idempotencyKey } : {}),
  };
}

export interface ValidFuzzWorld {
  api: TestApi;
  world: World;
  pools: Pools;
  tokens: Record<string, string>;
}

async function inProcess(route: RouteDef, fuzz: ValidFuzzWorld, runs: number, seed: number): Promise<ValidReport> {
  const report = emptyReport();
  await pool(validCases(route, fuzz.pools, runs, seed), 8, async (input) => {
    const { value: result, writes } = await withWrites(() =>
      invoke({ route, pathParameters: paramsOf(route, input, fuzz.pools), body: JSON.stringify(input.body), headers: headersOf(input), claims: fuzz.world.claims[input.role] }),
    );
    if (result.status >= 200 && result.status < 300) learn(route, input.body, result.json, fuzz.pools);
    judge(report, route, input, result.status, result.json, result.text, writes, result.headers['idempotency-replayed'] === 'true');
  });
  return report;
}

let httpSequence = 0;

async function overHttp(route: RouteDef, fuzz: ValidFuzzWorld, runs: number, seed: number): Promise<ValidReport> {
  const report = emptyReport();
  await pool(validCases(route, fuzz.pools, runs, seed), 4, async (input) => {
    const requestId = `fuzz-${(httpSequence += 1)}`;
    const res = await requestRetrying(fuzz.api, route.method, concretePath(route.path, paramsOf(route, input, fuzz.pools)), {
      ...(route.roles === null ? {} : { token: fuzz.tokens[input.role] }),
      body: JSON.stringify(input.body),
      headers: { ...headersOf(input), 'x-fuzz-request': requestId },
    });
    const writes = httpWrites.get(requestId) ?? [];
    httpWrites.delete(requestId);
    if (res.status >= 200 && res.status < 300) learn(route, input.body, res.json, fuzz.pools);
    judge(report, route, input, res.status, res.json, res.text, writes, res.headers.get('idempotency-replayed') === 'true');
  });
  return report;
}

/**
 * A whole valid-body fuzz file: a fresh API whose requests are attributed their writes, the
 * seeded world plus two partners, then every given write route fuzzed in-process and over HTTP.
 */
export function validFuzzSuite(title: string, routes: readonly RouteDef[], seedBase: number): void {
  const fuzz = {} as ValidFuzzWorld;
  beforeAll(async () => {
    fuzz.api = await startTestApi({ aroundRequest: aroundFuzzRequest });
    fuzz.world = await seedWorld(fuzz.api);
    // The handlers' own clients, created on first use by the Lambda modules.
    const clients = await import('../../functions/runtime/clients');
    recordWritesOf(clients.dynamo());
    recordWritesOf((await import('../../functions/runtime/s3-client')).s3());
    // Runs are started, not executed: the workflow is fuzzed by its own tests (test/workflow).
    const { useLocalBillingWorkflow } = await import('../../functions/runtime/workflow');
    useLocalBillingWorkflow({ start: async () => undefined });
    const ops = fuzz.world.tokens.ops!;
    const partners: string[] = [];
    for (const name of ['Partner A', 'Partner B']) {
      const res = await fuzz.api.request('POST', '/v1/partners', { token: ops, body: { name } });
      expect(res.status, res.text).toBe(201);
      partners.push(res.json.id);
    }
    const { acme, globex } = fuzz.world;
    fuzz.pools = {
      advertisers: [acme.advertiserId, globex.advertiserId],
      partners,
      contracts: [acme.contractId, globex.contractId],
      invoices: [acme.invoiceId, globex.invoiceId],
      credits: [],
      conversions: ['conv-1'],
      runs: ['run-acme'],
    };
    fuzz.tokens = fuzz.world.tokens;
  });
  afterAll(async () => {
    const { useLocalBillingWorkflow } = await import('../../functions/runtime/workflow');
    useLocalBillingWorkflow(undefined);
    await fuzz.api?.stop();
  });

  describe(title, () => {
    routes.forEach((route, i) => {
      it(`${route.method} ${route.path}`, { timeout: 900_000 }, async () => {
        const http = await overHttp(route, fuzz, FUZZ_VALID_HTTP_RUNS, seedBase + i);
        expect(http.total).toBe(FUZZ_VALID_HTTP_RUNS);
        expect(http.failures, JSON.stringify(http.byStatus)).toEqual([]);
        const direct = await inProcess(route, fuzz, FUZZ_VALID_RUNS, seedBase + 500 + i);
        expect(direct.total).toBe(FUZZ_VALID_RUNS);
        expect(direct.failures, JSON.stringify(direct.byStatus)).toEqual([]);
        if (process.env.FUZZ_DEBUG) console.log(route.method, route.path, 'http', JSON.stringify(http.byStatus), 'in-process', JSON.stringify(direct.byStatus), JSON.stringify(http.samples, null, 1));
        // The recorder sees the handlers' writes: accepted writes (quotes store nothing) stored something.
        const accepted = http.acceptedWrites + direct.acceptedWrites;
        if (accepted > 0 && route.path !== '/v1/quotes') expect(http.acceptedWithWrites + direct.acceptedWithWrites).toBeGreaterThan(0);
      });
    });
  });
}
