/**
 * `npm run bench -- --only api [--quick]`: each measured route of the local API under load
 * against the very DynamoDB calls that route makes, sent raw to the same DynamoDB Local from
 * the same process, in one run.
 *
 * The local stack starts in this process (DynamoDB Local's JVM beside it, audit poller off:
 * in AWS the stream consumer is another Lambda, here it would take CPU from the requests). An
 * advertiser, ten partners and a draft contract are created through the API, and an ACTIVE
 * contract's invoice is written as a billing run writes it. Then each route is called once
 * with the handlers' DynamoDB client recording what it sends (the commands and their inputs):
 * that record is what the raw side replays.
 *
 *   raw GetItem (contract item)     the old baseline: one GetItem of the contract item
 *   raw: GET contract's calls       the Query of the contract's partition the route issues
 *   GET /v1/contracts/{id}
 *   raw: GET invoice's calls        the route's calls, in its order: GetItem of the invoice,
 *                                   then GetItem of its advertiser (payment terms)
 *   GET /v1/invoices/{id}
 *   raw: POST usage's writes        the BatchWriteItem requests the usage route sends for the
 *                                   batch, 8 in flight as the usage repository sends them
 *   POST /v1/usage/impressions      with 100 and with 1,000 records
 *   bare HTTP server (GETs)          a node:http server making a GET's recorded calls and
 *                                   answering JSON: the extra hop alone, the floor of any API
 *
 * Every phase holds CONCURRENCY requests in flight for the same time: raw phases from promise
 * loops on this thread, API phases from autocannon in a worker thread. Counted alike on both
 * sides: only requests answered by the phase's deadline, over the phase's duration (autocannon
 * drops the requests unanswered at its deadline; the raw loops' drain after the deadline is
 * awaited but not counted). Before the next phase starts, the server's requests still in flight
 * are awaited. Phases run in alternating rounds (3 of 6 s each; --quick: 1 of 3 s) and each
 * side's latencies are pooled. API latency is autocannon's response time; raw latency is the
 * time of the SDK calls of one request.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../functions/runtime/clients';
import { keys } from '../shared/adapters/dynamodb/table';
import { ContractRepository } from '../shared/adapters/dynamodb/contract-repository';
import { InvoiceRepository } from '../shared/adapters/dynamodb/invoice-repository';
import { ratePeriod } from '../shared/domain/billing/rate';
import { toContractTerms } from '../shared/domain/contracts/terms';
import type { Contract } from '../shared/domain/contracts/model';
import { writeRunInvoice } from '../shared/domain/invoices/write-run-invoice';
import { approvedInitialVersion } from './lib/seed';
import { LOCAL_AWS } from '../scripts/lib/dynamodb-local';
import { mintDevToken } from '../scripts/lib/dev-auth';
import { startLocalStack } from '../scripts/lib/local-stack';
import { figure, type Benchmark, type Figure } from './lib/benchmark';
import { meets } from './lib/figures';
import { runIsolated } from './lib/isolated';
import { closedLoop, fmt, pooled, type LatencySummary, type LoadSample } from './lib/load';

const CONCURRENCY = 32;
/** Goals: each route's p50 and p99 at most these multiples of its raw calls' (same run). */
const P50_GOAL = 1.3;
const P99_GOAL = 1.5;
/** The usage repository's requests in flight per batch (DynamoUsageRepository, `concurrency`). */
const REPOSITORY_CONCURRENCY = 8;
const PARTNERS = 10;
/** 100 distinct days of the contract's term; with 10 partners, up to 1,000 distinct identities per batch. */
const DAYS = Array.from({ length: 100 }, (_, i) => new Date(Date.UTC(2027, 0, 1 + i)).toISOString().slice(0, 10));
const BATCH_SIZES = [100, 1000] as const;
/** Phases of 1,000-record batches last this many times as long as the others. */
const LONG_PHASE = 5;
const scaleOf = (records: number) => (records >= 1000 ? LONG_PHASE : 1);


interface LoadResult {
  latenciesMs: Float64Array;
  statusCodes: Record<string, number>;
  errors: number;
  durationMs: number;
}

interface RecordedCall {
  command: string;
  input: Record<string, unknown>;
  /** The request's Idempotency-Key, which a replay replaces with its own. */
  idempotencyKey?: string;
}

const COMMANDS = { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } as const;
const WRITES = new Set(['BatchWriteCommand', 'TransactWriteCommand']);
const READS = new Set(['GetCommand', 'QueryCommand', 'BatchGetCommand']);

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

async function call(method: string, url: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function created(url: string, token: string, body: unknown): Promise<{ id: string }> {
  const out = await call('POST', url, token, body);
  if (out.status !== 201) throw new Error(`POST ${url}: ${out.status} ${JSON.stringify(out.json)}`);
  return out.json as { id: string };
}

/** Runs `work` while recording every command the handlers' DynamoDB client sends. */
async function recording(work: () => Promise<void>, idempotencyKey?: string): Promise<RecordedCall[]> {
  const client = dynamo();
  const calls: RecordedCall[] = [];
  const send = client.send.bind(client);
  (client as { send: unknown }).send = (command: { constructor: { name: string }; input: Record<string, unknown> }, ...rest: unknown[]) => {
    calls.push({ command: command.constructor.name, input: structuredClone(command.input), ...(idempotencyKey ? { idempotencyKey } : {}) });
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  };
  try {
    await work();
  } finally {
    delete (client as { send?: unknown }).send;
  }
  return calls;
}

function replayable(calls: readonly RecordedCall[]) {
  return calls.map(({ command, input }) => {
    const Command = COMMANDS[command as keyof typeof COMMANDS];
    if (!Command) throw new Error(`recorded a ${command}, which the raw side cannot replay`);
    // One signature for all: each command is sent with the input it was recorded with.
    return () => new Command(input as never) as unknown as GetCommand;
  });
}

const describe = (calls: readonly RecordedCall[]) => {
  const counts = new Map<string, number>();
  for (const c of calls) counts.set(c.command.replace(/Command$/, ''), (counts.get(c.command.replace(/Command$/, '')) ?? 0) + 1);
  return [...counts].map(([name, n]) => `${name} x${n}`).join(', ');
};

/** An ACTIVE contract of the advertiser with one month invoiced as a billing run writes it; returns the invoice id. */
async function writeInvoice(tableName: string, advertiserId: string): Promise<string> {
  const at = new Date().toISOString();
  const contract: Contract = {
    id: `ctr_bench-api-invoice`,
    advertiserId,
    name: 'Bench invoiced',
    currency: 'USD',
    timezone: 'America/New_York',
    startDate: '2027-01-01',
    endDate: '2027-12-31',
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
  const version = approvedInitialVersion(contract.id, contract.startDate, [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '12.50' } }], at);
  await new ContractRepository(dynamo(), tableName).commit({ contract: { next: contract, expectedVersion: null }, versions: [{ next: version, expectedVersion: null }], approvals: [] });
  const period = '2027-01';
  const impressions = Array.from({ length: 31 }, (_, d) => ({
    date: `${period}-${String(d + 1).padStart(2, '0')}`,
    chargeId: 'ctv',
    count: 100_000 + d * 1_000,
    source: 'FIRST_PARTY' as const,
    partnerId: null,
    receivedAt: at,
  }));
  const rated = ratePeriod({ contract: toContractTerms(contract, [version]), usage: { impressions, conversions: [] }, period, asOf: at, prior: { lines: [], payouts: [], periods: [] } });
  const invoice = await writeRunInvoice({ store: new InvoiceRepository(dynamo(), tableName) }, { runId: 'run-bench-api', runSeq: 1, contract, rated, actor: 'bench', at });
  return invoice.invoiceId;
}

export async function runInProcess({ quick }: { quick: boolean }) {
  const rounds = quick ? 1 : 3;
  const seconds = quick ? 3 : 6;
  const warmupSeconds = quick ? 1 : 3;
  // Requests the server is handling, so a phase starts only once the previous one's are done.
  let inFlight = 0;
  const aroundRequest = async <T>(_req: IncomingMessage, handle: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await handle();
    } finally {
      inFlight--;
    }
  };
  const idle = async () => {
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  };
  // 1,000-record batches at 32 in flight take longer than API Gateway's 30 s on this shared
  // DynamoDB Local: the local API waits for them (as in bench/daily.bench.ts).
  const stack = await startLocalStack({ port: 0, audit: false, tableName: 'bench-api', aroundRequest, integrationTimeoutMs: 30 * 60_000 });
  const raw = DynamoDBDocumentClient.from(new DynamoDBClient({ ...LOCAL_AWS, endpoint: stack.endpoints.dynamodb }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  try {
    const ops = await mintDevToken({ sub: 'bench', roles: ['ops', 'finance'] });
    const advertiser = await created(`${stack.apiUrl}/v1/advertisers`, ops, { name: 'Bench', currency: 'USD', timezone: 'America/New_York' });
    const partners: string[] = [];
    for (let i = 0; i < PARTNERS; i++) partners.push((await created(`${stack.apiUrl}/v1/partners`, ops, { name: `Bench partner ${i}` })).id);
    const contract = await created(`${stack.apiUrl}/v1/contracts`, ops, {
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
    const invoiceId = await writeInvoice(stack.tableName, advertiser.id);

    const auth = { authorization: `Bearer ${ops}` };
    const postHeaders = { ...auth, 'content-type': 'application/json' };
    const contractPath = `/v1/contracts/${contract.id}`;
    const invoicePath = `/v1/invoices/${invoiceId}`;
    const batchBody = (records: number) => ({ kind: 'impressions', contractId: contract.id, days: DAYS, chargeId: 'ctv', records, partners });
    const batchRecords = (records: number) =>
      Array.from({ length: records }, (_, i) => ({ date: DAYS[i % DAYS.length]!, chargeId: 'ctv', count: 1000 + i, source: 'FIRST_PARTY', partnerId: partners[Math.floor(i / DAYS.length) % PARTNERS]! }));

    // What each route sends to DynamoDB, recorded from the handlers' own client.
    const expect = async (method: string, path: string, status: number, body?: unknown, headers: Record<string, string> = {}) => {
      const out = await call(method, `${stack.apiUrl}${path}`, ops, body, headers);
      if (out.status !== status) throw new Error(`${method} ${path}: ${out.status} ${JSON.stringify(out.json).slice(0, 500)}`);
    };
    const contractCalls = await recording(() => expect('GET', contractPath, 200));
    const invoiceCalls = await recording(() => expect('GET', invoicePath, 200));
    const usageCalls = new Map<number, RecordedCall[]>();
    // POSTs carry an Idempotency-Key as the loaded requests do, so its calls are recorded too.
    for (const size of BATCH_SIZES) {
      const key = `recorded-${size}`;
      usageCalls.set(size, await recording(() => expect('POST', '/v1/usage/impressions', 202, { contractId: contract.id, records: batchRecords(size) }, { 'idempotency-key': key }), key));
    }
    console.log(`contract ${contract.id}, invoice ${invoiceId}; ${CONCURRENCY} in flight; ${rounds} round(s) of ${seconds} s per phase`);
    console.log(`GET contract sends: ${describe(contractCalls)}`);
    console.log(`GET invoice sends: ${describe(invoiceCalls)}`);
    for (const size of BATCH_SIZES) console.log(`POST usage (${size} records) sends: ${describe(usageCalls.get(size)!)}; the raw side replays its writes`);

    const sequential = (calls: readonly RecordedCall[]) => {
      const commands = replayable(calls);
      return async () => {
        let out: unknown;
        for (const command of commands) out = await raw.send(command());
        return out;
      };
    };
    // The floor of any HTTP API in front of these calls: a bare node:http server in this
    // process that makes a GET's recorded calls with the raw client and answers the last
    // result as JSON. No routing, auth, validation, middleware or event: only the second HTTP
    // exchange that every route adds to its raw calls.
    const bareRoutes = new Map<string, () => Promise<unknown>>([
      [`/contract`, sequential(contractCalls)],
      [`/invoice`, sequential(invoiceCalls)],
    ]);
    const bare = createServer((req, res) => {
      inFlight++;
      const route = bareRoutes.get(req.url ?? '');
      if (!route) {
        inFlight--;
        res.writeHead(404).end();
        return;
      }
      route().then(
        (out) => {
          const body = JSON.stringify(out);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
        },
        (error: unknown) => res.writeHead(500).end(String(error)),
      ).finally(() => inFlight--);
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    // Each replayed request writes new versions of the items, as each API request does: its own
    // origin and ingestion time on every usage item, its own Idempotency-Key record.
    const renewed = (call: RecordedCall, seq: number) => {
      if (call.command === 'BatchWriteCommand') {
        const at = new Date().toISOString();
        const requests = call.input.RequestItems as Record<string, { PutRequest?: { Item: Record<string, unknown> } }[]>;
        const RequestItems = Object.fromEntries(
          Object.entries(requests).map(([table, list]) => [table, list.map((r) => (r.PutRequest ? { PutRequest: { Item: { ...r.PutRequest.Item, origin: `raw:${seq}`, ingestedAt: at, receivedAt: at } } } : r))]),
        );
        return { ...call, input: { ...call.input, RequestItems } };
      }
      if (call.command === 'PutCommand' || call.command === 'UpdateCommand') {
        return { ...call, input: JSON.parse(JSON.stringify(call.input).replaceAll(call.idempotencyKey ?? '\u0000', `raw-${seq}`)) as Record<string, unknown> };
      }
      return call;
    };
    const sendAll = async (calls: readonly RecordedCall[], seq: number, inFlight: number) => {
      let next = 0;
      const worker = async () => {
        while (next < calls.length) {
          const out = (await raw.send(replayable([renewed(calls[next++]!, seq)])[0]!())) as { UnprocessedItems?: Record<string, unknown[]> };
          if (Object.values(out.UnprocessedItems ?? {}).some((items) => items.length > 0)) throw new Error('DynamoDB Local left items unprocessed');
        }
      };
      await Promise.all(Array.from({ length: Math.min(inFlight, calls.length) }, worker));
    };
    /** The route's writes only: its BatchWriteItem requests, as many in flight as the repository sends. */
    const writesOf = (size: number) => {
      const writes = usageCalls.get(size)!.filter((c) => WRITES.has(c.command));
      if (writes.length === 0) throw new Error(`POST usage (${size} records) sent no BatchWriteItem or TransactWriteItems`);
      return (seq: number) => sendAll(writes, seq, REPOSITORY_CONCURRENCY);
    };
    /**
     * Every call of the route, in its order: the idempotency record's put, the reads (contract
     * Query, partner BatchGet) together, the writes as above, the idempotency record's update.
     */
    const everyCallOf = (size: number) => {
      const calls = usageCalls.get(size)!;
      const stages: { calls: RecordedCall[]; inFlight: number }[] = [];
      for (const c of calls) {
        const kind = WRITES.has(c.command) ? 'write' : READS.has(c.command) ? 'read' : 'single';
        const last = stages[stages.length - 1];
        if (last && kind !== 'single' && last.calls[0] && (WRITES.has(last.calls[0].command) ? 'write' : READS.has(last.calls[0].command) ? 'read' : 'single') === kind) last.calls.push(c);
        else stages.push({ calls: [c], inFlight: kind === 'write' ? REPOSITORY_CONCURRENCY : kind === 'read' ? Number.MAX_SAFE_INTEGER : 1 });
      }
      return async (seq: number) => {
        for (const stage of stages) await sendAll(stage.calls, seq, stage.inFlight);
      };
    };
    const getItem = async () => {
      const out = await raw.send(new GetCommand({ TableName: stack.tableName, Key: keys.contract(contract.id), ConsistentRead: true }));
      if (!out.Item) throw new Error('the contract item is missing');
    };

    interface Phase {
      name: string;
      run: (durationSeconds: number) => Promise<LoadSample>;
    }
    // A 1,000-record request at 32 in flight takes seconds: those phases last LONG_PHASE times
    // as long, so each still counts several waves of requests.
    // Replays are numbered across phases and rounds, so each one's identities are new.
    let replays = 0;
    const rawPhase = (name: string, work: (seq: number) => Promise<unknown>, scale = 1): Phase => ({ name, run: (s) => closedLoop(CONCURRENCY, s * scale * 1000, () => work(replays++)) });
    const apiPhase = (name: string, method: string, path: string, status: number, body?: object, scale = 1, url = stack.apiUrl): Phase => ({
      name,
      run: async (s) => {
        const result = await httpLoad({ url, durationSeconds: s * scale, method, path, headers: body ? postHeaders : auth, ...(body ? { body } : {}) });
        await idle();
        return checkedSample(name, result, status);
      },
    });
    const comparisons = [
      {
        key: 'getContract', label: 'GET contract',
        raw: rawPhase('raw: GET contract calls (Query of its partition)', sequential(contractCalls)),
        api: apiPhase('GET /v1/contracts/{id}', 'GET', contractPath, 200),
        bare: apiPhase('bare HTTP server: the same Query, answered as JSON', 'GET', '/contract', 200, undefined, 1, bareUrl),
      },
      {
        key: 'getInvoice', label: 'GET invoice',
        raw: rawPhase(`raw: GET invoice calls (${describe(invoiceCalls)}, in turn)`, sequential(invoiceCalls)),
        api: apiPhase('GET /v1/invoices/{id}', 'GET', invoicePath, 200),
        bare: apiPhase('bare HTTP server: the same two GetItems, answered as JSON', 'GET', '/invoice', 200, undefined, 1, bareUrl),
      },
      ...BATCH_SIZES.map((size) => ({
        key: `postUsage${size}`,
        label: `POST usage ${size.toLocaleString('en-US')}`,
        raw: rawPhase(`raw: POST usage writes, ${size.toLocaleString('en-US')} records (${describe(usageCalls.get(size)!.filter((c) => WRITES.has(c.command)))}, ${REPOSITORY_CONCURRENCY} in flight)`, writesOf(size), scaleOf(size)),
        api: apiPhase(`POST /v1/usage/impressions (${size.toLocaleString('en-US')} records)`, 'POST', '/v1/usage/impressions', 202, batchBody(size), scaleOf(size)),
        every: rawPhase(`raw: every call of POST usage, ${size.toLocaleString('en-US')} records (${describe(usageCalls.get(size)!)})`, everyCallOf(size), scaleOf(size)),
      })),
    ];
    const baseline = rawPhase('raw GetItem (contract item)', getItem);
    const extra = (c: (typeof comparisons)[number]): Phase[] => ('every' in c && c.every ? [c.every] : 'bare' in c && c.bare ? [c.bare] : []);
    const phases: Phase[] = [baseline, ...comparisons.flatMap((c) => [c.raw, c.api, ...extra(c)])];

    // Warm every path (handler imports, JIT, sockets) before measuring.
    for (const phase of phases) await phase.run(warmupSeconds);

    // The machine is shared: rounds alternate the phases so a burst of outside load does not
    // land on one side of a comparison only; each phase's latencies are pooled over rounds.
    const samples = new Map<Phase, LoadSample[]>(phases.map((p) => [p, []]));
    for (let round = 0; round < rounds; round++) {
      // Odd rounds run each pair API first, so neither side always follows the other.
      const order = round % 2 === 0 ? phases : [baseline, ...comparisons.flatMap((c) => [...extra(c), c.api, c.raw])];
      for (const phase of order) samples.get(phase)!.push(await phase.run(seconds));
    }
    bare.close();
    const summary = new Map<Phase, LatencySummary>(phases.map((p) => [p, pooled(samples.get(p)!)]));

    console.log('\n| | requests | req/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|');
    for (const phase of phases) {
      const s = summary.get(phase)!;
      console.log(`| ${phase.name} | ${s.requests.toLocaleString('en-US')} | ${fmt(s.perSecond, 0)} | ${fmt(s.p50Ms)} | ${fmt(s.p99Ms)} |`);
    }
    const figures: Figure[] = [];
    const bareRows: string[] = [];
    const base = summary.get(baseline)!;
    figures.push(figure('rawGetItemP50Ms', base.p50Ms, 'ms'), figure('rawGetItemP99Ms', base.p99Ms, 'ms'));
    console.log('\n| route | p50 / raw | p99 / raw | req/s / raw | p50 / raw GetItem | p50 / every call raw | p99 / every call raw |\n|---|---:|---:|---:|---:|---:|---:|');
    for (const c of comparisons) {
      const r = summary.get(c.raw)!;
      const a = summary.get(c.api)!;
      if (a.requests === 0 || r.requests === 0) {
        // Nothing to compare: on a loaded machine a 1,000-record phase can end before a request is answered.
        console.log(`| ${c.label} | no request of ${a.requests === 0 ? 'the API' : 'the raw side'} answered within the phase: not measured | | | | | |`);
        continue;
      }
      const p50 = a.p50Ms / r.p50Ms;
      const p99 = a.p99Ms / r.p99Ms;
      const measured = 'every' in c && c.every ? summary.get(c.every) : undefined;
      const every = measured && measured.requests > 0 ? measured : undefined;
      const hop = 'bare' in c && c.bare ? summary.get(c.bare) : undefined;
      if (hop && hop.requests > 0) {
        bareRows.push(`| ${c.label} | ${fmt(hop.p50Ms)} | ${fmt(hop.p99Ms)} | ${fmt(hop.p50Ms / r.p50Ms)}x | ${fmt(hop.p99Ms / r.p99Ms)}x | ${fmt(a.p50Ms / hop.p50Ms)}x | ${fmt(a.p99Ms / hop.p99Ms)}x |`);
        figures.push(
          figure(`${c.key}BareHopP50Ms`, hop.p50Ms, 'ms'),
          figure(`${c.key}BareHopP99Ms`, hop.p99Ms, 'ms'),
          figure(`${c.key}BareHopP50Ratio`, hop.p50Ms / r.p50Ms, 'x'),
          figure(`${c.key}BareHopP99Ratio`, hop.p99Ms / r.p99Ms, 'x'),
          figure(`${c.key}P50ToBareHop`, a.p50Ms / hop.p50Ms, 'x'),
          figure(`${c.key}P99ToBareHop`, a.p99Ms / hop.p99Ms, 'x'),
        );
      }
      const vsEvery = every ? `${fmt(a.p50Ms / every.p50Ms)}x | ${fmt(a.p99Ms / every.p99Ms)}x` : '| ';
      console.log(`| ${c.label} | ${fmt(p50)}x | ${fmt(p99)}x | ${fmt(a.perSecond / r.perSecond)}x | ${fmt(a.p50Ms / base.p50Ms)}x | ${vsEvery} |`);
      if (every) {
        figures.push(
          figure(`${c.key}EveryCallRawP50Ms`, every.p50Ms, 'ms'),
          figure(`${c.key}EveryCallRawP99Ms`, every.p99Ms, 'ms'),
          figure(`${c.key}P50ToEveryCallRaw`, a.p50Ms / every.p50Ms, 'x'),
          figure(`${c.key}P99ToEveryCallRaw`, a.p99Ms / every.p99Ms, 'x'),
        );
      }
      figures.push(
        figure(`${c.key}RawP50Ms`, r.p50Ms, 'ms'),
        figure(`${c.key}RawP99Ms`, r.p99Ms, 'ms'),
        figure(`${c.key}RawPerSecond`, r.perSecond, 'req/s'),
        figure(`${c.key}ApiP50Ms`, a.p50Ms, 'ms'),
        figure(`${c.key}ApiP99Ms`, a.p99Ms, 'ms'),
        figure(`${c.key}ApiPerSecond`, a.perSecond, 'req/s'),
        figure(`${c.key}P50Ratio`, p50, 'x', `<= ${P50_GOAL}`),
        figure(`${c.key}P99Ratio`, p99, 'x', `<= ${P99_GOAL}`),
        figure(`${c.key}P50ToRawGetItem`, a.p50Ms / base.p50Ms, 'x'),
      );
    }
    if (bareRows.length > 0) {
      console.log('\nThe floor: a bare HTTP server making the same calls (the extra hop alone), and each route against it.');
      console.log('| route | bare p50 ms | bare p99 ms | bare p50 / raw | bare p99 / raw | route p50 / bare | route p99 / bare |\n|---|---:|---:|---:|---:|---:|---:|');
      for (const row of bareRows) console.log(row);
    }
    const missed = figures.filter((f) => f.goal !== undefined && !meets(f.value, f.goal));
    console.log(`\ngoal p50 <= ${P50_GOAL}x and p99 <= ${P99_GOAL}x the route's raw calls: ${missed.length === 0 ? 'met' : `NOT met (${missed.map((f) => f.name).join(', ')})`}`);
    return figures;
  } finally {
    raw.destroy();
    await stack.stop();
  }
}

export const benchmark: Benchmark = {
  name: 'api',
  description: `local API routes under autocannon (${CONCURRENCY} connections) beside the same DynamoDB calls sent raw at the same concurrency`,
  // The handlers keep the first local stack's configuration: a process of its own.
  run: (options) => runIsolated(import.meta.url, options),
};
