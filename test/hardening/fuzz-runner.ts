/**
 * The fuzz loop shared by the read and write fuzz files: for one route of ROUTES, thousands of
 * generated requests (body text, query string, path parameters, headers, a role the route
 * allows) through the group's Lambda in-process, and a smaller sample through the local HTTP
 * server. Write routes only ever get bodies their schema rejects, so nothing may be stored.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { RouteDef } from '../../shared/schemas/api/routes';
import { ALL_OPERATIONS } from '../../shared/schemas/api/index';
import type { Operation } from '../../shared/schemas/api/operation';
import { startTestApi, type TestApi } from '../support/api';
import { seedWorld } from './seed';
import { bodyText, headerSet, pathValue, queryText } from './arbitraries';
import { concretePath, invoke, isErrorBody, pool, requestRetrying, tableSnapshot } from './support';

export interface FuzzSeeds {
  /** Ids that exist, mixed into path parameters and body strings. */
  ids: string[];
  /** Claims and tokens per role. */
  claims: Record<string, Record<string, string>>;
  tokens: Record<string, string>;
}

export interface FuzzCase {
  body: string;
  query: string;
  params: Record<string, string>;
  headers: Record<string, string>;
  role: string;
}

export interface FuzzReport {
  total: number;
  byStatus: Record<number, number>;
  failures: Array<{ problem: string; status: number; response: string; input: Partial<FuzzCase> }>;
}

/** Routes whose success stores nothing: reads and quotes. */
export const storesOnSuccess = (route: RouteDef): boolean => route.method !== 'GET' && route.path !== '/v1/quotes';

const operationOf = (route: RouteDef): Operation => (ALL_OPERATIONS as Record<string, Operation>)[`${route.method} ${route.path}`]!;

/** What the kit's JSON middleware would hand zod for this text (undefined: invalid JSON). */
function parsedLikeTheHandler(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Makes a body text one the route's schema rejects, whatever the generator produced. */
export function rejectedBody(schema: z.ZodType | undefined, text: string): string {
  if (!schema) return text;
  const parsed = parsedLikeTheHandler(text);
  if (!parsed.ok || !schema.safeParse(parsed.value).success) return text;
  const value = parsed.value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return JSON.stringify({ ...value, unexpectedField: true });
  return '[]';
}

export function fuzzCases(route: RouteDef, seeds: FuzzSeeds, runs: number, seed: number): FuzzCase[] {
  const op = operationOf(route);
  const paramNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const roles = route.roles ?? ['anonymous'];
  const arb = fc.record({
    body: route.method === 'GET' ? fc.constant('') : bodyText(op.body, seeds.ids),
    query: queryText(op.query, seeds.ids),
    params: fc.record(Object.fromEntries(paramNames.map((p) => [p, pathValue(seeds.ids)]))) as fc.Arbitrary<Record<string, string>>,
    headers: headerSet,
    role: fc.constantFrom(...roles),
  });
  const cases = fc.sample(arb, { numRuns: runs, seed });
  if (storesOnSuccess(route)) for (const c of cases) c.body = rejectedBody(op.body, c.body);
  return cases;
}

const clip = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}... (${text.length} chars)` : text);

function judge(route: RouteDef, report: FuzzReport, input: FuzzCase, status: number, result: { json: unknown }, text: string): void {
  report.total += 1;
  report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
  const fail = (problem: string) => {
    if (report.failures.length < 5) {
      report.failures.push({
        problem,
        status,
        response: text.slice(0, 300),
        input: {
          ...input,
          body: clip(input.body),
          query: clip(input.query),
          params: Object.fromEntries(Object.entries(input.params).map(([k, v]) => [k, clip(v)])),
          headers: Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k, clip(v)])),
        },
      });
    }
  };
  if (status >= 500) fail('5xx');
  else if ((status < 200 || status > 299) && !isErrorBody(result.json)) fail('error body shape');
  else if (status >= 200 && status < 300 && storesOnSuccess(route)) fail('a rejected-by-construction body was accepted');
}

export async function fuzzInProcess(route: RouteDef, seeds: FuzzSeeds, runs: number, seed: number): Promise<FuzzReport> {
  const report: FuzzReport = { total: 0, byStatus: {}, failures: [] };
  const cases = fuzzCases(route, seeds, runs, seed);
  await pool(cases, 8, async (input) => {
    const result = await invoke({
      route,
      pathParameters: input.params,
      rawQueryString: input.query,
      headers: input.headers,
      ...(route.method === 'GET' ? {} : { body: input.body }),
      claims: seeds.claims[input.role],
    });
    judge(route, report, input, result.status, result, result.text);
  });
  return report;
}

/** Header values a real HTTP client can send (visible ASCII and spaces). */
const sendable = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([, v]) => /^[\x20-\x7e]*$/.test(v) && v.length < 2_000));

export async function fuzzOverHttp(api: TestApi, route: RouteDef, seeds: FuzzSeeds, runs: number, seed: number): Promise<FuzzReport> {
  const report: FuzzReport = { total: 0, byStatus: {}, failures: [] };
  const cases = fuzzCases(route, seeds, runs, seed);
  await pool(cases, 4, async (input) => {
    // Node's HTTP server refuses request heads over 16 KiB (431) before any route is matched, as
    // API Gateway refuses long URLs; the in-process run covers the long query strings.
    const path = `${concretePath(route.path, input.params).slice(0, 6_000)}${input.query ? `?${input.query.slice(0, 4_000)}` : ''}`;
    const send = () =>
      requestRetrying(api, route.method, path, {
        ...(route.roles === null ? {} : { token: seeds.tokens[input.role] }),
        headers: sendable(input.headers),
        ...(route.method === 'GET' ? {} : { body: input.body }),
      });
    try {
      const res = await send();
      judge(route, report, input, res.status, res, res.text);
    } catch (error) {
      judge(route, report, { ...input, query: `${path} ${JSON.stringify(sendable(input.headers))}` }, 599, { json: null }, String((error as Error).cause ?? error));
    }
  });
  return report;
}

export function expectClean(report: FuzzReport, runs: number): void {
  expect(report.total).toBe(runs);
  expect(report.failures, JSON.stringify(report.byStatus)).toEqual([]);
}

/** Nothing in the process picked up a key from a `__proto__` / `constructor.prototype` body. */
export function expectNoPrototypePollution(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(probe.isAdmin).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
}

/** Requests per write route: each carries a generated body. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);
/** Requests per read route (no body: query strings, path parameters and headers vary). */
export const FUZZ_READ_RUNS = Number(process.env.FUZZ_READ_RUNS ?? 200);
export const FUZZ_HTTP_RUNS = Number(process.env.FUZZ_HTTP_RUNS ?? 100);

/**
 * A whole fuzz file: a fresh API with a small seeded world, FUZZ_RUNS (FUZZ_READ_RUNS for
 * reads) in-process and FUZZ_HTTP_RUNS HTTP requests per route, then the table compared with
 * its state before.
 */
export function fuzzSuite(title: string, routes: readonly RouteDef[], seedBase: number): { api: () => TestApi; seeds: () => FuzzSeeds & { world: Awaited<ReturnType<typeof seedWorld>> }; before: () => string[] } {
  let api: TestApi;
  let seeds: FuzzSeeds & { world: Awaited<ReturnType<typeof seedWorld>> };
  let before: string[];
  beforeAll(async () => {
    api = await startTestApi();
    const world = await seedWorld(api);
    seeds = {
      world,
      ids: [world.acme.advertiserId, world.acme.contractId, world.acme.invoiceId, world.globex.contractId, 'run-acme'],
      claims: world.claims,
      tokens: world.tokens,
    };
    before = await tableSnapshot(api.tableName);
  });
  afterAll(() => api?.stop());

  describe(title, () => {
    routes.forEach((route, i) => {
      it(`${route.method} ${route.path}`, { timeout: 240_000 }, async () => {
        const runs = route.method === 'GET' ? FUZZ_READ_RUNS : FUZZ_RUNS;
        expectClean(await fuzzInProcess(route, seeds, runs, seedBase + i), runs);
        expectClean(await fuzzOverHttp(api, route, seeds, FUZZ_HTTP_RUNS, seedBase + 500 + i), FUZZ_HTTP_RUNS);
        expectNoPrototypePollution();
      });
    });

    it('left the table exactly as it was', async () => {
      expect(await tableSnapshot(api.tableName)).toEqual(before);
    });
  });
  return { api: () => api, seeds: () => seeds, before: () => before };
}
