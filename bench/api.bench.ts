/**
 * `npm run bench -- --only api [--quick]`: the local API under load against the same
 * DynamoDB Local called raw, in one run.
 *
 * The local stack starts in this process (DynamoDB Local's JVM beside it, audit poller off:
 * in AWS the stream consumer is another Lambda, here it would take CPU from the requests),
 * an advertiser and a contract are created through the API, then four phases run, each at
 * CONCURRENCY requests in flight for the same time:
 *
 *   raw GetItem         the contract item, DynamoDB client in this process
 *   GET /v1/contracts/{id}                  autocannon in a worker thread, CONCURRENCY connections
 *   raw BatchWriteItem  the items of a 100-record impression batch (4 requests of 25, in parallel,
 *                       as the usage repository sends them), new keys on every call
 *   POST /v1/usage/impressions             the same 100 records, new identities (partner id) and
 *                                           a new Idempotency-Key on every request
 *
 * API latency is autocannon's response time (request written to response read); raw latency is
 * the SDK call's time. Every path is warmed up first (handler imports, JIT); then the four phases
 * run in alternating rounds (3 of 6 s each; --quick: 1 of 3 s) and each side's latencies are pooled.
 */
import { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys, usageKeys } from '../shared/adapters/dynamodb/table';
import { usageAggregate } from '../shared/adapters/dynamodb/usage-repository';
import { LOCAL_AWS } from '../scripts/lib/dynamodb-local';
import { mintDevToken } from '../scripts/lib/dev-auth';
import { startLocalStack } from '../scripts/lib/local-stack';
import { figure, type Benchmark } from './lib/benchmark';
import { runIsolated } from './lib/isolated';
import { closedLoop, fmt, pooled, summarize, type LatencySummary, type LoadSample } from './lib/load';

const CONCURRENCY = 32;
const RECORDS_PER_BATCH = 100;
const BATCH_WRITE_LIMIT = 25;
/** Goal: GET contract through the API at most this many times the raw GetItem's p50. */
const GET_P50_GOAL = 1.3;

/** 100 distinct days of the contract's term: one batch's records differ by day. */
const DAYS = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => new Date(Date.UTC(2027, 0, 1 + i)).toISOString().slice(0, 10));

interface LoadResult {
  latenciesMs: Float64Array;
  statusCodes: Record<string, number>;
  errors: number;
  durationMs: number;
}

function httpLoad(options: { url: string; durationSeconds: number; method: string; path: string; headers: Record<string, string>; body?: object }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./lib/http-load.mjs', import.meta.url), {
      workerData: { connections: CONCURRENCY, ...options },
    });
    worker.once('message', (result: LoadResult) => {
      void worker.terminate();
      resolve(result);
    });
    worker.once('error', reject);
  });
}

function checkedSample(name: string, result: LoadResult, expectedStatus: number): LoadSample {
  const unexpected = Object.entries(result.statusCodes).filter(([code]) => Number(code) !== expectedStatus);
  if (unexpected.length > 0 || result.errors > 0) {
    throw new Error(`${name}: unexpected answers ${JSON.stringify(result.statusCodes)}, ${result.errors} connection errors`);
  }
  return { latenciesMs: result.latenciesMs, elapsedMs: result.durationMs };
}

async function post(url: string, token: string, body: unknown): Promise<{ id: string }> {
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await response.json()) as { id: string };
  if (response.status !== 201) throw new Error(`POST ${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** The items the usage repository writes for these impression records (usage-repository.ts, impressionItem). */
function impressionItems(contractId: string, seq: number, at: string): Record<string, unknown>[] {
  return DAYS.map((date, i) => {
    const partnerId = `raw-${seq}`;
    const key = usageKeys.impression(contractId, date.slice(0, 7), { date, chargeId: 'ctv', source: 'FIRST_PARTY', partnerId });
    return {
      ...key,
      entityType: 'usage',
      usageKind: 'IMPRESSION',
      aggregate: usageAggregate(key.pk),
      contractId,
      period: date.slice(0, 7),
      date,
      chargeId: 'ctv',
      count: 1000 + i,
      source: 'FIRST_PARTY',
      partnerId,
      receivedAt: at,
      actor: 'bench',
      origin: `api:raw-${seq}`,
      ingestedAt: at,
    };
  });
}

export async function runInProcess({ quick }: { quick: boolean }) {
  const rounds = quick ? 1 : 3;
  const seconds = quick ? 3 : 6;
  const warmupSeconds = quick ? 1 : 3;
  const stack = await startLocalStack({ port: 0, audit: false, tableName: 'bench-api' });
  const raw = DynamoDBDocumentClient.from(new DynamoDBClient({ ...LOCAL_AWS, endpoint: stack.endpoints.dynamodb }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  try {
    const token = await mintDevToken({ sub: 'bench', roles: ['ops'] });
    const advertiser = await post(`${stack.apiUrl}/v1/advertisers`, token, { name: 'Bench', currency: 'USD', timezone: 'America/New_York' });
    const contract = await post(`${stack.apiUrl}/v1/contracts`, token, {
      advertiserId: advertiser.id,
      name: 'Bench CTV 2027',
      currency: 'USD',
      timezone: 'America/New_York',
      startDate: '2027-01-01',
      endDate: '2027-12-31',
      terms: {
        charges: [
          { id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '12.50' } },
          { id: 'purchase', kind: 'CPA', event: 'PURCHASE', payout: { flat: '25.00' }, attributionWindowDays: 7 },
        ],
      },
    });
    const auth = { authorization: `Bearer ${token}` };
    const getPath = `/v1/contracts/${contract.id}`;
    const postHeaders = { ...auth, 'content-type': 'application/json' };
    const batchBody = { kind: 'impressions', contractId: contract.id, days: DAYS, chargeId: 'ctv', records: RECORDS_PER_BATCH };

    console.log(`contract ${contract.id}; ${CONCURRENCY} in flight; ${rounds} round(s) of ${seconds} s per phase`);

    const getItem = async () => {
      const out = await raw.send(new GetCommand({ TableName: stack.tableName, Key: keys.contract(contract.id), ConsistentRead: true }));
      if (!out.Item) throw new Error('the contract item is missing');
    };
    const at = new Date().toISOString();
    let rawSeq = 0;
    const writeBatch = async () => {
      const items = impressionItems(contract.id, rawSeq++, at);
      await Promise.all(
        Array.from({ length: items.length / BATCH_WRITE_LIMIT }, async (_, i) => {
          const out = await raw.send(
            new BatchWriteCommand({ RequestItems: { [stack.tableName]: items.slice(i * BATCH_WRITE_LIMIT, (i + 1) * BATCH_WRITE_LIMIT).map((Item) => ({ PutRequest: { Item } })) } }),
          );
          if (Object.keys(out.UnprocessedItems ?? {}).length > 0) throw new Error('DynamoDB Local left items unprocessed');
        }),
      );
    };
    const apiGetLoad = (durationSeconds: number) => httpLoad({ url: stack.apiUrl, durationSeconds, method: 'GET', path: getPath, headers: auth });
    const apiPostLoad = (durationSeconds: number) =>
      httpLoad({ url: stack.apiUrl, durationSeconds, method: 'POST', path: '/v1/usage/impressions', headers: postHeaders, body: batchBody });

    // Warm every path (handler imports, JIT, sockets) before measuring.
    await closedLoop(CONCURRENCY, warmupSeconds * 1000, getItem);
    await apiGetLoad(warmupSeconds);
    await closedLoop(CONCURRENCY, warmupSeconds * 1000, writeBatch);
    await apiPostLoad(warmupSeconds);

    // The machine is shared: rounds alternate the four phases so a burst of outside load does
    // not land on one side of a comparison only; each side's latencies are pooled over rounds.
    const samples = { rawGet: [] as LoadSample[], apiGet: [] as LoadSample[], rawBatch: [] as LoadSample[], apiPost: [] as LoadSample[] };
    let lastPostP99Ms = 0;
    for (let round = 0; round < rounds; round++) {
      samples.rawGet.push(await closedLoop(CONCURRENCY, seconds * 1000, getItem));
      samples.apiGet.push(checkedSample('GET contract', await apiGetLoad(seconds), 200));
      samples.rawBatch.push(await closedLoop(CONCURRENCY, seconds * 1000, writeBatch));
      const post = checkedSample('POST impressions', await apiPostLoad(seconds), 202);
      samples.apiPost.push(post);
      lastPostP99Ms = summarize(post.latenciesMs, post.elapsedMs).p99Ms;
      // autocannon stops sending at its deadline; let the requests still being served finish.
      await new Promise((r) => setTimeout(r, lastPostP99Ms + 500));
    }
    const rawGet = pooled(samples.rawGet);
    const apiGet = pooled(samples.apiGet);
    const rawBatch = pooled(samples.rawBatch);
    const apiPost = pooled(samples.apiPost);

    const rows: [string, LatencySummary][] = [
      ['raw GetItem (contract item)', rawGet],
      ['GET /v1/contracts/{id}', apiGet],
      [`raw BatchWriteItem (${RECORDS_PER_BATCH} items, ${RECORDS_PER_BATCH / BATCH_WRITE_LIMIT} x 25)`, rawBatch],
      [`POST /v1/usage/impressions (${RECORDS_PER_BATCH} records)`, apiPost],
    ];
    console.log('\n| | requests | req/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|');
    for (const [name, s] of rows) console.log(`| ${name} | ${s.requests.toLocaleString('en-US')} | ${fmt(s.perSecond, 0)} | ${fmt(s.p50Ms)} | ${fmt(s.p99Ms)} |`);
    const ratio = (a: number, b: number) => a / b;
    const getP50 = ratio(apiGet.p50Ms, rawGet.p50Ms);
    console.log(`\nAPI / raw: GET p50 ${fmt(getP50)}x, p99 ${fmt(ratio(apiGet.p99Ms, rawGet.p99Ms))}x, req/s ${fmt(ratio(apiGet.perSecond, rawGet.perSecond))}x`);
    console.log(`API / raw: POST p50 ${fmt(ratio(apiPost.p50Ms, rawBatch.p50Ms))}x, p99 ${fmt(ratio(apiPost.p99Ms, rawBatch.p99Ms))}x, req/s ${fmt(ratio(apiPost.perSecond, rawBatch.perSecond))}x`);
    console.log(`goal GET p50 <= ${GET_P50_GOAL}x raw: ${getP50 <= GET_P50_GOAL ? 'met' : 'NOT met'}`);
    return [
      figure('rawGetP50Ms', rawGet.p50Ms, 'ms'),
      figure('apiGetP50Ms', apiGet.p50Ms, 'ms'),
      figure('getP50Ratio', getP50, 'x', `<= ${GET_P50_GOAL}`),
      figure('rawBatchP50Ms', rawBatch.p50Ms, 'ms'),
      figure('apiPostP50Ms', apiPost.p50Ms, 'ms'),
      figure('postP50Ratio', ratio(apiPost.p50Ms, rawBatch.p50Ms), 'x'),
    ];
  } finally {
    raw.destroy();
    await stack.stop();
  }
}

export const benchmark: Benchmark = {
  name: 'api',
  description: `local API under autocannon (${CONCURRENCY} connections) beside raw DynamoDB calls at the same concurrency`,
  // The handlers keep the first local stack's configuration: a process of its own.
  run: (options) => runIsolated(import.meta.url, options),
};
