/**
 * `npm run bench -- --only e2e [--quick]`: one billing run of a period on the local
 * stack, against the time it takes merely to read the same usage back from DynamoDB Local.
 *
 * Book: CONTRACTS contracts, ACTIVE with an approved first version (written through the
 * contract repository, as approval leaves them); even ones CPM only, odd ones CPM + CPA. Every
 * contract has 31 impression day-aggregates in October 2026 (the usage repository's
 * putImpressions); the conversions are spread over the CPA contracts and stored as the
 * repository stores them (its conversionItem: bench/lib/seed.ts) with BatchWriteItem, without
 * the id and touch markers its conditional transactions add: neither the run nor the read
 * reads them, and DynamoDB Local on two cores stores about 1,000 items/s, so they would triple
 * a load that takes a quarter of an hour at the specified size. Loading is timed and reported,
 * not compared.
 *
 * Compared, in the same process against the same DynamoDB Local:
 *   run   POST /v1/billing-runs through the local API (finance token) until the local executor
 *         ends the execution: plan, the Distributed Map (run inline, MaxConcurrency of the
 *         synthesized state machine) rating every contract and writing its draft invoice,
 *         summarize, export to s3rver, complete;
 *   read  every planned contract's usage read as the run reads it (streamPeriodUsage, every page
 *         drained) with the same concurrency as the Map.
 * The read runs before and after the run; the run is compared with their mean. The whole-period
 * read (loadPeriodUsage: the shards in parallel, every record decoded and sorted in memory) runs
 * once after and is reported beside it.
 *
 * Sizes: by default the specified 1,000 contracts and 1,000,000 conversions (1M conversion
 * items to load, about a quarter of an hour), so that one `npm run bench` measures the goal as
 * stated; --quick 1,000 contracts and 50,000 conversions.
 */
import { mintDevToken } from '../scripts/lib/dev-auth';
import { startLocalStack } from '../scripts/lib/local-stack';
import { attachLocalBillingWorkflow, type LocalBillingWorkflow } from '../scripts/lib/local-workflow';
import { billingWorkflow } from '../functions/runtime/workflow';
import { dynamo } from '../functions/runtime/clients';
import { ContractRepository } from '../shared/adapters/dynamodb/contract-repository';
import { DynamoUsageRepository } from '../shared/adapters/dynamodb/usage-repository';
import type { Contract, ContractVersion } from '../shared/domain/contracts/model';
import type { PlannedConversion, PlannedImpression } from '../shared/domain/usage/types';
import { approvedInitialVersion, bulkPutConversions } from './lib/seed';
import { DEFAULT_MAX_CONCURRENCY } from '../infra/constructs/billing-workflow';
import type { Benchmark, BenchOptions, Figure } from './lib/benchmark';
import { figure, prng } from './lib/benchmark';
import { runIsolated } from './lib/isolated';
import { fmt } from './lib/load';

/** A month before today (a run's asOf is its start): every record was received before it. */
const PERIOD = '2026-10';
const DAYS_IN_PERIOD = 31;
const AT = '2026-01-01T00:00:00Z';
const RECEIVED_AT = '2026-11-02T00:00:00Z';
/** Goal: the run at most this many times the bare read of the same usage. */
const RUN_GOAL_RATIO = 1.5;
/** Contracts loaded at the same time, and BatchWriteItem requests in flight for each one's conversions. */
const LOAD_CONCURRENCY = 8;
const WRITES_PER_CONTRACT = 3;

function sizes(options: BenchOptions): { contracts: number; conversions: number } {
  return options.quick ? { contracts: 1_000, conversions: 50_000 } : { contracts: 1_000, conversions: 1_000_000 };
}

const CPM = { id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '12.50' } };
const CPA = { id: 'purchase', kind: 'CPA', event: 'PURCHASE', payout: { flat: '25.00' }, attributionWindowDays: 7 };

function contractOf(i: number): { contract: Contract; version: ContractVersion } {
  const id = `ctr-bench-${String(i).padStart(5, '0')}`;
  const contract: Contract = {
    id,
    advertiserId: `adv-bench-${i % 50}`,
    name: `bench contract ${i}`,
    currency: 'USD',
    timezone: 'UTC',
    startDate: '2026-01-01',
    endDate: '2026-12-31',
    rounding: 'HALF_EVEN',
    autoRenew: false,
    status: 'ACTIVE',
    terminatedOn: null,
    createdBy: 'bench',
    createdAt: AT,
    updatedAt: AT,
    actor: 'bench',
    version: 1,
  };
  const version = approvedInitialVersion(id, contract.startDate, i % 2 === 0 ? [CPM] : [CPM, CPA], AT);
  return { contract, version };
}

function impressionsOf(random: () => number): PlannedImpression[] {
  return Array.from({ length: DAYS_IN_PERIOD }, (_, d) => ({
    date: `${PERIOD}-${String(d + 1).padStart(2, '0')}`,
    chargeId: 'ctv',
    count: 10_000 + Math.floor(random() * 90_000),
    source: 'FIRST_PARTY',
    partnerId: null,
    period: PERIOD,
    receivedAt: RECEIVED_AT,
  }));
}

function conversionsOf(contractIndex: number, count: number, random: () => number): PlannedConversion[] {
  return Array.from({ length: count }, (_, n) => {
    const occurred = Date.UTC(2026, 9, 1) + Math.floor(random() * DAYS_IN_PERIOD * 86_400) * 1000;
    return {
      id: `cnv-${contractIndex}-${n}`,
      event: 'PURCHASE',
      occurredAt: new Date(occurred).toISOString().replace('.000', ''),
      exposureAt: new Date(occurred - Math.floor(random() * 5 * 86_400) * 1000).toISOString().replace('.000', ''),
      value: `${10 + Math.floor(random() * 190)}.${String(Math.floor(random() * 100)).padStart(2, '0')}`,
      geo: 'US',
      newCustomer: random() < 0.5,
      partnerId: null,
      reversedAt: null,
      period: PERIOD,
      receivedAt: RECEIVED_AT,
      arrival: `${RECEIVED_AT}#${String(n).padStart(4, '0')}`,
    };
  });
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export async function runInProcess(options: BenchOptions): Promise<Figure[]> {
  const { contracts: contractCount, conversions: conversionCount } = sizes(options);
  const stack = await startLocalStack({ port: 0, audit: false, tableName: 'bench-e2e', attach: [attachLocalBillingWorkflow] });
  try {
    const contracts = new ContractRepository(dynamo(), stack.tableName);
    const usage = new DynamoUsageRepository(dynamo(), stack.tableName);
    const indexes = Array.from({ length: contractCount }, (_, i) => i);
    const cpaIndexes = indexes.filter((i) => i % 2 === 1);
    const perCpaContract = Math.ceil(conversionCount / cpaIndexes.length);
    console.log(`${contractCount.toLocaleString('en-US')} contracts (${cpaIndexes.length} with a CPA charge), ${(perCpaContract * cpaIndexes.length).toLocaleString('en-US')} conversions, ${(contractCount * DAYS_IN_PERIOD).toLocaleString('en-US')} impression day-records, period ${PERIOD}`);

    // --- Load (reported, not compared) -------------------------------------------------------
    const loadStarted = performance.now();
    const meta = { actor: 'bench', origin: 'bench', ingestedAt: RECEIVED_AT };
    let loaded = 0;
    let lastReport = loadStarted;
    await inParallel(indexes, LOAD_CONCURRENCY, async (i) => {
      const random = prng(1_000 + i);
      const { contract, version } = contractOf(i);
      await contracts.commit({ contract: { next: contract, expectedVersion: null }, versions: [{ next: version, expectedVersion: null }], approvals: [] });
      await usage.putImpressions(contract.id, impressionsOf(random), meta);
      if (i % 2 === 1) {
        await bulkPutConversions(dynamo(), stack.tableName, contract.id, conversionsOf(i, perCpaContract, random), { meta, markers: false, concurrency: WRITES_PER_CONTRACT });
        loaded += perCpaContract;
      }
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        console.log(`  loading: ${loaded.toLocaleString('en-US')} conversions after ${fmt((lastReport - loadStarted) / 1000, 0)} s`);
      }
    });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const items = contractCount * (2 + DAYS_IN_PERIOD) + loaded;
    console.log(`loaded in ${fmt(loadSeconds, 1)} s: ${items.toLocaleString('en-US')} items, ${fmt(items / loadSeconds, 0)} items/s`);

    // --- Read: the usage of every contract, with the Map's concurrency ------------------------
    // The run's own read (streamPeriodUsage, page by page, every page drained) is the baseline;
    // the whole-period read (loadPeriodUsage: shards in parallel, decoded and sorted in memory)
    // is reported beside it.
    const contractIds = indexes.map((i) => contractOf(i).contract.id);
    const read = async (how: 'pages' | 'whole') => {
      let records = 0;
      const started = performance.now();
      await inParallel(contractIds, DEFAULT_MAX_CONCURRENCY, async (id) => {
        if (how === 'whole') {
          const u = await usage.loadPeriodUsage(id, PERIOD);
          records += u.impressions.length + u.conversions.length;
          return;
        }
        for await (const page of usage.streamPeriodUsage(id, PERIOD)) records += page.impressions.length + page.conversions.length;
      });
      return { seconds: (performance.now() - started) / 1000, records };
    };
    const expected = contractCount * DAYS_IN_PERIOD + loaded;
    const readBefore = await read('pages');
    if (readBefore.records !== expected) throw new Error(`read ${readBefore.records} records, expected ${expected}`);

    // --- Run: through the API, until the local executor ends it -------------------------------
    const token = await mintDevToken({ sub: 'bench-finance', roles: ['finance'] });
    const runStarted = performance.now();
    const response = await fetch(`${stack.apiUrl}/v1/billing-runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `bench-${Date.now()}` },
      body: JSON.stringify({ period: PERIOD }),
    });
    const started = (await response.json()) as { id: string };
    if (response.status !== 202) throw new Error(`POST /v1/billing-runs answered ${response.status}: ${JSON.stringify(started)}`);
    const execution = await (billingWorkflow() as LocalBillingWorkflow).waitFor(started.id);
    const runSeconds = (performance.now() - runStarted) / 1000;
    if (execution.status !== 'SUCCEEDED') throw new Error(`the run ended ${execution.status}: ${JSON.stringify(execution.error)}`);
    const view = (await (await fetch(`${stack.apiUrl}/v1/billing-runs/${started.id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      progress: { done: number; total: number };
      totals: { currency: string; total: string; invoices: number }[];
    };
    if (view.progress.done !== contractCount || view.progress.total !== contractCount) throw new Error(`the run rated ${JSON.stringify(view.progress)}, expected ${contractCount}`);

    const readAfter = await read('pages');
    const wholeRead = await read('whole');
    if (wholeRead.records !== expected) throw new Error(`the whole-period read returned ${wholeRead.records} records, expected ${expected}`);
    const readSeconds = (readBefore.seconds + readAfter.seconds) / 2;
    const ratio = runSeconds / readSeconds;
    console.log(`\n| | seconds | contracts/s | records/s |\n|---|---:|---:|---:|`);
    const row = (name: string, s: number) => console.log(`| ${name} | ${fmt(s)} | ${fmt(contractCount / s, 0)} | ${fmt(readBefore.records / s, 0)} |`);
    row('read page by page, as the run reads (before the run)', readBefore.seconds);
    row('billing run (POST to SUCCEEDED)', runSeconds);
    row('read page by page, as the run reads (after the run)', readAfter.seconds);
    row('whole-period read, loadPeriodUsage (after, reported only)', wholeRead.seconds);
    console.log(`\n${readBefore.records.toLocaleString('en-US')} usage records, concurrency ${DEFAULT_MAX_CONCURRENCY}; totals ${view.totals.map((t) => `${t.total} ${t.currency} on ${t.invoices} invoices`).join(', ')}`);
    console.log(`run / read page by page: ${fmt(ratio)}x; goal <= ${RUN_GOAL_RATIO}x: ${ratio <= RUN_GOAL_RATIO ? 'met' : 'NOT met'}`);
    return [
      figure('contracts', contractCount, 'count'),
      figure('conversions', loaded, 'count'),
      figure('loadSeconds', loadSeconds, 's'),
      figure('readSeconds', readSeconds, 's'),
      figure('wholeReadSeconds', wholeRead.seconds, 's'),
      figure('runSeconds', runSeconds, 's'),
      figure('runToReadRatio', ratio, 'x', `<= ${RUN_GOAL_RATIO}`),
    ];
  } finally {
    await stack.stop();
  }
}

export const benchmark: Benchmark = {
  name: 'e2e',
  description: 'one billing run on the local stack beside a bare read of the same usage',
  run: (options) => runIsolated(import.meta.url, options),
};
