/**
 * The HTTP load generator of the api benchmark, run in a worker thread so autocannon's event
 * loop is not the one serving the requests (the local API runs on the benchmark's main thread).
 * Plain JavaScript: a worker starts without the TypeScript loader.
 *
 * workerData: { url, connections, durationSeconds, method, path, headers, body }
 * body: undefined, or { kind: 'impressions', contractId, days, chargeId, records } for a batch
 * of `records` impression day-records whose identities are new on every request (the partner id
 * carries the request's sequence number), each request with its own Idempotency-Key.
 * Posts back: { latenciesMs: Float64Array, statusCodes, errors, durationMs }.
 */
import { parentPort, workerData, threadId } from 'node:worker_threads';
import autocannon from 'autocannon';

const { url, connections, durationSeconds, method, path, headers, body } = workerData;

let sequence = 0;
function impressionBatch() {
  const n = sequence++;
  const records = [];
  for (let i = 0; i < body.records; i++) {
    records.push({ date: body.days[i % body.days.length], chargeId: body.chargeId, count: 1000 + i, source: 'FIRST_PARTY', partnerId: `load-${threadId}-${n}-${Math.floor(i / body.days.length)}` });
  }
  return JSON.stringify({ contractId: body.contractId, records });
}

const latencies = [];
const statusCodes = {};
const started = performance.now();
const instance = autocannon({
  url,
  connections,
  duration: durationSeconds,
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
  parentPort.postMessage({ latenciesMs: Float64Array.from(latencies), statusCodes, errors: result.errors + result.timeouts, durationMs: performance.now() - started });
});
