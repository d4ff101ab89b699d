/**
 * The HTTP load generator of the api benchmark, run in a worker thread so autocannon's event
 * loop is not the one serving the requests (the local API runs on the benchmark's main thread).
 * Plain JavaScript: a worker starts without the TypeScript loader.
 *
 * workerData: { url, connections, durationSeconds, method, path, headers, body }
 * body: undefined, or { kind: 'impressions', contractId, days, chargeId, records, partners } for
 * a batch of `records` impression day-records: record i is day `days[i % days.length]` of partner
 * `partners[(request + floor(i / days.length)) % partners.length]`, so no two records of a
 * request share an identity and consecutive requests start at another partner. Every request
 * carries its own Idempotency-Key, so each is executed, never replayed.
 * Posts back: { latenciesMs: Float64Array, statusCodes, errors, durationMs }. Like the raw side
 * (bench/lib/load.ts closedLoop), only requests answered by the deadline are counted (autocannon
 * drops the ones still unanswered), over the phase's duration.
 */
import { parentPort, workerData, threadId } from 'node:worker_threads';
import autocannon from 'autocannon';

const { url, connections, durationSeconds, method, path, headers, body } = workerData;

let sequence = 0;
function impressionBatch() {
  const n = sequence++;
  const records = [];
  for (let i = 0; i < body.records; i++) {
    const partnerId = body.partners[(n + Math.floor(i / body.days.length)) % body.partners.length];
    records.push({ date: body.days[i % body.days.length], chargeId: body.chargeId, count: 1000 + i, source: 'FIRST_PARTY', partnerId });
  }
  return JSON.stringify({ contractId: body.contractId, records });
}

const latencies = [];
const statusCodes = {};
const instance = autocannon({
  url,
  connections,
  duration: durationSeconds,
  // A 1,000-record batch at 32 in flight on a busy machine takes well over autocannon's default 10 s.
  timeout: 300,
  requests: [
    {
      method,
      path,
      headers,
      setupRequest: (request) => {
        if (!body) return request;
        return { ...request, body: impressionBatch(), headers: { ...request.headers, 'idempotency-key': `load-${threadId}-${sequence}` } };
      },
    },
  ],
});
instance.on('response', (_client, statusCode, _bytes, responseTime) => {
  latencies.push(responseTime);
  statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
});
instance.on('done', (result) => {
  parentPort.postMessage({ latenciesMs: Float64Array.from(latencies), statusCodes, errors: result.errors + result.timeouts, durationMs: durationSeconds * 1000 });
});
