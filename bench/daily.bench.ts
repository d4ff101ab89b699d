/**
 * `npm run bench -- --only daily [--quick]`: the amendment impact preview and spend to date of
 * one contract with 100,000 conversions in a period, against the time of merely reading that
 * period's usage from DynamoDB Local (the repository read both routes themselves do).
 *
 * Setup, once (timed and reported, not compared), on the local stack in this process (DynamoDB
 * Local, s3rver, the local API; audit poller off):
 *   - one ACTIVE contract (UTC, a CPM and a CPA charge) written through the contract repository
 *     as approval leaves it, its term covering last month (PERIOD);
 *   - 100,000 conversions (--quick: 10,000) spread over PERIOD, the items the usage repository
 *     writes (its conversionItem), put with BatchWriteItem: the id and touch markers that its
 *     conditional transactions add are left out, as neither route reads them, and they would
 *     triple a load DynamoDB Local takes minutes for; and PERIOD's impression day-aggregates
 *     through the repository's putImpressions;
 *   - PERIOD invoiced as a billing run's RateContract step does it (read the usage, ratePeriod,
 *     writeRunInvoice: the draft invoice and the run record loadPriorRuns reads), in this
 *     process: through the API the step's 2-minute task timeout ends the run first, DynamoDB
 *     Local on this machine taking longer than that to read 100,000 conversions;
 *   - an amendment drafted through the API (ops), effective on PERIOD's first day, raising the
 *     CPA payout: it touches the invoiced period.
 *
 * Compared, in rounds that alternate the three phases (a burst of outside load on the shared
 * machine then hits every side), each answer checked:
 *   read    DynamoUsageRepository.loadPeriodUsage(contract, PERIOD) in this process (8 shard
 *           Queries in parallel, paged, strongly consistent, items decoded and sorted);
 *   impact  GET /v1/contracts/{id}/versions/2/impact (ops token) through the local API;
 *   spend   GET /v1/contracts/{id}/spend?period=PERIOD (ops token) through the local API.
 * Each phase's median over the rounds is reported; the goal is each route within 2x the read.
 */
import { dynamo } from '../functions/runtime/clients';
import { mintDevToken } from '../scripts/lib/dev-auth';
import { startLocalStack } from '../scripts/lib/local-stack';
import { ContractRepository } from '../shared/adapters/dynamodb/contract-repository';
import { request } from 'node:http';
import { DynamoUsageRepository } from '../shared/adapters/dynamodb/usage-repository';
import { InvoiceRepository } from '../shared/adapters/dynamodb/invoice-repository';
import { ratePeriod } from '../shared/domain/billing/rate';
import { toContractTerms } from '../shared/domain/contracts/terms';
import { writeRunInvoice } from '../shared/domain/invoices/write-run-invoice';
import type { Contract } from '../shared/domain/contracts/model';
import type { PlannedConversion, PlannedImpression } from '../shared/domain/usage/types';
import { approvedInitialVersion, bulkPutConversions } from './lib/seed';
import type { Benchmark, BenchOptions, Figure } from './lib/benchmark';
import { figure, prng } from './lib/benchmark';
import { runIsolated } from './lib/isolated';
import { fmt } from './lib/load';

/** Each route at most this many times the bare read (median against median). */
const GOAL_RATIO = 2;
/**
 * DynamoDB Local on two shared cores reads 100,000 items far slower than DynamoDB does, so the
 * routes may take longer than API Gateway's 30 s here: the local API waits for them.
 */
const INTEGRATION_TIMEOUT_MS = 30 * 60_000;
/** BatchWriteItem requests in flight while loading. */
const LOAD_CONCURRENCY = 8;

const CPM = { id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '12.50' } };
const CPA = (flat: string) => ({ id: 'purchase', kind: 'CPA', event: 'PURCHASE', payout: { flat }, attributionWindowDays: 7 });

const pad = (n: number) => String(n).padStart(2, '0');

/** Last month, in UTC: closed, so a billing run may invoice it and every record was received before. */
function lastMonth(now: Date): { period: string; days: number; year: number; month: number } {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const year = first.getUTCFullYear();
  const month = first.getUTCMonth();
  const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return { period: `${year}-${pad(month + 1)}`, days, year, month };
}

function sizes(options: BenchOptions): { conversions: number; rounds: number } {
  return options.quick ? { conversions: 10_000, rounds: 3 } : { conversions: 100_000, rounds: 3 };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/**
 * One request on a connection of its own: seconds apart, a kept-alive socket the server has
 * meanwhile closed would reset. A connection costs well under a millisecond beside the answers.
 */
function call(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'idempotency-key': `bench-${Date.now()}-${Math.random()}` }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> });
          } catch {
            reject(new Error(`${method} ${url} answered ${res.statusCode}: ${text.slice(0, 300)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export async function runInProcess(options: BenchOptions): Promise<Figure[]> {
  const { conversions: conversionCount, rounds } = sizes(options);
  const { period, days, year, month } = lastMonth(new Date());
  const startDate = `${period}-01`;
  const end = new Date(Date.UTC(year, month + 12, 0));
  const endDate = `${end.getUTCFullYear()}-${pad(end.getUTCMonth() + 1)}-${pad(end.getUTCDate())}`;
  const at = new Date(Date.UTC(year, month - 1, 1)).toISOString();
  const receivedAt = new Date(Date.UTC(year, month + 1, 1)).toISOString();

  const stack = await startLocalStack({ port: 0, audit: false, tableName: 'bench-daily', integrationTimeoutMs: INTEGRATION_TIMEOUT_MS });
  try {
    const contracts = new ContractRepository(dynamo(), stack.tableName);
    const usage = new DynamoUsageRepository(dynamo(), stack.tableName);
    const contractId = 'ctr-bench-daily';
    console.log(`contract ${contractId}: ${conversionCount.toLocaleString('en-US')} conversions and ${days} impression day-aggregates in ${period}; ${rounds} rounds`);

    // --- Setup (reported, not compared) --------------------------------------------------------
    const contract: Contract = {
      id: contractId,
      advertiserId: 'adv-bench-daily',
      name: 'bench daily work',
      currency: 'USD',
      timezone: 'UTC',
      startDate,
      endDate,
      rounding: 'HALF_EVEN',
      autoRenew: false,
      status: 'ACTIVE',
      terminatedOn: null,
      createdBy: 'bench',
      createdAt: at,
      updatedAt: at,
      actor: 'bench',
      version: 1,
    };
    const version = approvedInitialVersion(contractId, startDate, [CPM, CPA('25.00')], at);
    await contracts.commit({ contract: { next: contract, expectedVersion: null }, versions: [{ next: version, expectedVersion: null }], approvals: [] });

    const random = prng(2_026);
    const meta = { actor: 'bench', origin: 'bench', ingestedAt: receivedAt };
    const impressions: PlannedImpression[] = Array.from({ length: days }, (_, d) => ({
      date: `${period}-${pad(d + 1)}`,
      chargeId: 'ctv',
      count: 100_000 + Math.floor(random() * 900_000),
      source: 'FIRST_PARTY',
      partnerId: null,
      period,
      receivedAt,
    }));
    const loadStarted = performance.now();
    await usage.putImpressions(contractId, impressions, meta);
    const conversions: PlannedConversion[] = Array.from({ length: conversionCount }, (_, n) => {
        const occurred = Date.UTC(year, month, 1) + Math.floor(random() * days * 86_400) * 1000;
        return {
          id: `cnv-${n}`,
          event: 'PURCHASE',
          occurredAt: new Date(occurred).toISOString().replace('.000', ''),
          exposureAt: new Date(occurred - Math.floor(random() * 5 * 86_400) * 1000).toISOString().replace('.000', ''),
          value: `${10 + Math.floor(random() * 190)}.${pad(Math.floor(random() * 100))}`,
          geo: 'US',
          newCustomer: random() < 0.5,
          partnerId: null,
          reversedAt: null,
          period,
          receivedAt,
          arrival: `${receivedAt}#${String(n).padStart(6, '0')}`,
        };
    });
    let lastReport = loadStarted;
    await bulkPutConversions(dynamo(), stack.tableName, contractId, conversions, {
      meta,
      markers: false,
      concurrency: LOAD_CONCURRENCY,
      progress: (written) => {
        if (performance.now() - lastReport < 30_000) return;
        lastReport = performance.now();
        console.log(`  loading: ${written.toLocaleString('en-US')} conversions after ${fmt((lastReport - loadStarted) / 1000, 0)} s`);
      },
    });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    console.log(`loaded in ${fmt(loadSeconds, 1)} s (${fmt((conversionCount + days) / loadSeconds, 0)} items/s)`);

    const ops = await mintDevToken({ sub: 'bench-ops', roles: ['ops'] });
    const invoiceStarted = performance.now();
    const periodUsage = await usage.loadPeriodUsage(contractId, period);
    const firstReadMs = performance.now() - invoiceStarted;
    const rated = ratePeriod({ contract: toContractTerms(contract, [version]), usage: periodUsage, period, asOf: new Date().toISOString(), prior: { lines: [], payouts: [], periods: [] } });
    const invoice = await writeRunInvoice(
      { store: new InvoiceRepository(dynamo(), stack.tableName) },
      { runId: 'run-bench-daily', runSeq: 1, contract, rated, actor: 'bench', at: new Date().toISOString() },
    );
    console.log(`${period} invoiced (${invoice.total} ${invoice.currency}) in ${fmt((performance.now() - invoiceStarted) / 1000, 1)} s, of which the usage read ${fmt(firstReadMs / 1000, 1)} s`);

    const amendment = await call('POST', `${stack.apiUrl}/v1/contracts/${contractId}/amendments`, ops, {
      effectiveFrom: startDate,
      terms: { charges: [CPM, CPA('26.00')] },
    });
    if (amendment.status !== 201) throw new Error(`POST amendments answered ${amendment.status}: ${JSON.stringify(amendment.json)}`);
    const versionNumber = amendment.json.number as number;

    // --- The three phases ----------------------------------------------------------------------
    const read = async () => {
      const u = await usage.loadPeriodUsage(contractId, period);
      if (u.conversions.length !== conversionCount || u.impressions.length !== days) throw new Error(`read ${u.conversions.length} conversions, ${u.impressions.length} impressions`);
    };
    const impact = async () => {
      const out = await call('GET', `${stack.apiUrl}/v1/contracts/${contractId}/versions/${versionNumber}/impact`, ops);
      const periods = out.json.periods as { period: string; total: string }[] | undefined;
      if (out.status !== 200 || periods?.[0]?.period !== period) throw new Error(`impact answered ${out.status}: ${JSON.stringify(out.json).slice(0, 500)}`);
      return periods[0].total;
    };
    const spend = async () => {
      const out = await call('GET', `${stack.apiUrl}/v1/contracts/${contractId}/spend?period=${period}`, ops);
      const listed = out.json.days as unknown[] | undefined;
      if (out.status !== 200 || listed?.length !== days) throw new Error(`spend answered ${out.status}: ${JSON.stringify(out.json).slice(0, 500)}`);
      return out.json.total as string;
    };

    // The read was warmed by the invoicing above; the routes' first-call costs (handler imports,
    // JIT: about a second) are left in their first run, which the median passes over.
    const times = { read: [] as number[], impact: [] as number[], spend: [] as number[] };
    let impactTotal = '';
    let spendTotal = '';
    for (let round = 0; round < rounds; round++) {
      times.read.push((await timed(read)).ms);
      const i = await timed(impact);
      times.impact.push(i.ms);
      impactTotal = i.value;
      times.read.push((await timed(read)).ms);
      const s = await timed(spend);
      times.spend.push(s.ms);
      spendTotal = s.value;
      console.log(`  round ${round + 1}: read ${fmt(times.read.at(-2)!, 0)} ms, impact ${fmt(i.ms, 0)} ms, read ${fmt(times.read.at(-1)!, 0)} ms, spend ${fmt(s.ms, 0)} ms`);
    }
    console.log(`impact of version ${versionNumber} on ${period}: ${impactTotal} USD; spend to date of ${period}: ${spendTotal} USD`);
    const readMs = median(times.read);
    const impactMs = median(times.impact);
    const spendMs = median(times.spend);
    const list = (values: number[]) => values.map((v) => fmt(v, 0)).join(', ');
    console.log('\n| | runs | median ms | runs (ms) | / read |\n|---|---:|---:|---|---:|');
    console.log(`| read: loadPeriodUsage (${period}) | ${times.read.length} | ${fmt(readMs, 0)} | ${list(times.read)} | 1.00x |`);
    console.log(`| GET .../versions/${versionNumber}/impact | ${times.impact.length} | ${fmt(impactMs, 0)} | ${list(times.impact)} | ${fmt(impactMs / readMs)}x |`);
    console.log(`| GET .../spend?period=${period} | ${times.spend.length} | ${fmt(spendMs, 0)} | ${list(times.spend)} | ${fmt(spendMs / readMs)}x |`);
    const verdict = (ratio: number) => (ratio <= GOAL_RATIO ? 'met' : 'NOT met');
    console.log(`\ngoal each route <= ${GOAL_RATIO}x the read: impact ${verdict(impactMs / readMs)}, spend ${verdict(spendMs / readMs)}`);
    return [
      figure('conversions', conversionCount, 'count'),
      figure('loadSeconds', loadSeconds, 's'),
      figure('readMs', readMs, 'ms'),
      figure('impactMs', impactMs, 'ms'),
      figure('spendMs', spendMs, 'ms'),
      figure('impactRatio', impactMs / readMs, 'x', `<= ${GOAL_RATIO}`),
      figure('spendRatio', spendMs / readMs, 'x', `<= ${GOAL_RATIO}`),
    ];
  } finally {
    await stack.stop();
  }
}

export const benchmark: Benchmark = {
  name: 'daily',
  description: 'impact preview and spend to date of a contract with 100,000 conversions in a period beside a bare read of that usage',
  // The handlers keep the first local stack's configuration: a process of its own.
  run: (options) => runIsolated(import.meta.url, options),
};
