/**
 * What the handlers write to stdout, captured as CloudWatch would receive it: structured log
 * lines with correlation ids, EMF metric lines in the CtvBilling namespace, and no amount of
 * the request (or of the invoices a billing run writes) in any info line.
 *
 * Runs one HTTP request through the real kit (POST /v1/quotes, a body full of amounts) and one
 * billing run of the synthesized workflow with the real task handlers, on DynamoDB Local and s3rver.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

// Before any handler module builds its logger and metrics: EMF lines on stdout, info logs on.
vi.hoisted(() => {
  Object.assign(process.env, { POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_LOG_LEVEL: 'INFO', STAGE: 'test' });
  delete process.env.POWERTOOLS_SERVICE_NAME;
});

import { marshall } from '@aws-sdk/util-dynamodb';
import { makeAuditHandler } from '../../../functions/audit/handler';
import { DynamoAuditRepository } from '../../../shared/adapters/dynamodb/audit-repository';
import { S3AuditArchive } from '../../../shared/adapters/s3/audit-archive';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createUsageFileHandler } from '../../../functions/usage-file/handler';
import { DirectoryRepository } from '../../../shared/adapters/dynamodb/directory-repository';
import { DynamoUsageRepository } from '../../../shared/adapters/dynamodb/usage-repository';
import { UsageFileStore } from '../../../shared/adapters/s3/usage-files';
import { objectCreatedEvent } from '../../../scripts/lib/s3-event';
import { usageContract } from '../../unit/usage/fixtures';
import { documentClient, s3Client } from '../../support/aws';
import { startBillingRun } from '../../../functions/billing-run/tasks';
import { startPorts } from '../../../functions/billing-run/ports';
import { METRICS_NAMESPACE, MetricName } from '../../../functions/runtime/metric-names';
import { seedContract, seedDailyImpressions, workflowEnvironment, type WorkflowEnvironment } from '../../workflow/support';
import { loadCase, withoutExpect } from '../../support/cases';

type Line = Record<string, any>;
type HttpHandler = (event: APIGatewayProxyEventV2, context: unknown) => Promise<{ statusCode: number; headers: Record<string, string>; body?: string }>;

let env: WorkflowEnvironment;
let billing: HttpHandler;

beforeAll(async () => {
  env = await workflowEnvironment();
  await seedContract(env, 'ctr-obs', { rate: '12.34' });
  await seedDailyImpressions(env, 'ctr-obs', '2026-10', 1000);
  billing = (await import('../../../functions/billing/handler')).handler as unknown as HttpHandler;
}, 240_000);

afterEach(() => {
  vi.restoreAllMocks();
});

/** Everything written to stdout while `work` runs, as parsed JSON lines. */
async function captured<T>(work: () => Promise<T>): Promise<{ result: T; lines: Line[] }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    const result = await work();
    return { result, lines: chunks.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line) };
  } finally {
    spy.mockRestore();
  }
}

const logLines = (lines: Line[]) => lines.filter((l) => typeof l.level === 'string');
const infoLines = (lines: Line[]) => logLines(lines).filter((l) => l.level === 'INFO' || l.level === 'DEBUG');
const emfLines = (lines: Line[]) => lines.filter((l) => l._aws?.CloudWatchMetrics);
const metricNames = (line: Line): string[] => line._aws.CloudWatchMetrics.flatMap((m: any) => m.Metrics.map((x: any) => x.Name));

/** Every decimal string of a JSON value ("12.34", "-20.00"): money is a string at every boundary. */
function decimalsIn(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string' && /^-?\d+\.\d+$/.test(value)) out.add(value.replace(/^-/, ''));
  else if (Array.isArray(value)) for (const v of value) decimalsIn(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) decimalsIn(v, out);
  return out;
}

/** The decimals that appear in a log line as a whole number token (the timestamp left out). */
function leakedDecimals(line: Line, decimals: Set<string>): string[] {
  const { timestamp: _t, ...rest } = line;
  const text = JSON.stringify(rest);
  return [...decimals].filter((d) => new RegExp(`(?<![\\d.])${d.replace('.', '\\.')}(?![\\d])`).test(text));
}

function quoteEvent(body: unknown, ids: { requestId: string; correlationId: string }): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /v1/quotes',
    rawPath: '/v1/quotes',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'x-correlation-id': ids.correlationId },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      requestId: ids.requestId,
      http: { method: 'POST', path: '/v1/quotes', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      authorizer: { jwt: { claims: { sub: 'fin-obs', roles: '[finance]' }, scopes: [] } },
    },
  } as unknown as APIGatewayProxyEventV2;
}

describe('an API request', () => {
  it('answers, logs with its ids, counts itself in EMF, and keeps the amounts out of info lines', async () => {
    const kase = withoutExpect(loadCase('agency-commission'));
    const { result, lines } = await captured(() => billing(quoteEvent(kase, { requestId: 'gw-obs-1', correlationId: 'corr-obs-1' }), {}));
    expect(result.statusCode, result.body).toBe(200);
    expect(result.headers['x-correlation-id']).toBe('corr-obs-1');

    const [emf, ...more] = emfLines(lines);
    expect(more).toEqual([]);
    expect(emf!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: METRICS_NAMESPACE, Dimensions: [['service', 'stage']] });
    expect(metricNames(emf!).sort()).toEqual([MetricName.API_5XX, MetricName.API_REQUESTS].sort());
    expect(emf).toMatchObject({ service: 'ctv-billing-local', stage: 'test', [MetricName.API_REQUESTS]: 1, [MetricName.API_5XX]: 0, requestId: 'gw-obs-1', correlationId: 'corr-obs-1' });

    // The request and its answer are full of amounts; none reaches an info line.
    const amounts = new Set([...decimalsIn(kase), ...decimalsIn(JSON.parse(result.body!))]);
    expect(amounts.size).toBeGreaterThan(3);
    for (const line of infoLines(lines)) expect(leakedDecimals(line, amounts), JSON.stringify(line)).toEqual([]);
  });

  it('logs a rejected request at info with its request and correlation ids, without the amounts of its body', async () => {
    const kase = withoutExpect(loadCase('invalid-unknown-currency'));
    const { result, lines } = await captured(() => billing(quoteEvent(kase, { requestId: 'gw-obs-2', correlationId: 'corr-obs-2' }), {}));
    expect(result.statusCode).toBe(400);
    const rejected = logLines(lines).find((l) => l.message === 'request rejected');
    expect(rejected).toMatchObject({ level: 'INFO', requestId: 'gw-obs-2', correlationId: 'corr-obs-2', routeKey: 'POST /v1/quotes', actor: 'fin-obs', status: 400, code: expect.any(String) });
    const amounts = decimalsIn(kase);
    expect(amounts.size).toBeGreaterThan(0);
    for (const line of infoLines(lines)) expect(leakedDecimals(line, amounts), JSON.stringify(line)).toEqual([]);
    expect(emfLines(lines).map((l) => [l[MetricName.API_REQUESTS], l[MetricName.API_5XX]])).toEqual([[1, 0]]);
  });

  it('counts and flushes a replayed Idempotency-Key answer too (an early response skips the after phase)', async () => {
    const kase = withoutExpect(loadCase('agency-commission'));
    const send = (requestId: string) => {
      const event = quoteEvent(kase, { requestId, correlationId: `corr-${requestId}` });
      (event.headers as Record<string, string>)['idempotency-key'] = 'obs-replay-1';
      return billing(event, {});
    };
    const { result, lines } = await captured(async () => [await send('gw-first'), await send('gw-replay')]);
    expect(result.map((r) => [r.statusCode, r.headers['idempotency-replayed']])).toEqual([[200, undefined], [200, 'true']]);
    expect(emfLines(lines).map((l) => [l.correlationId, l[MetricName.API_REQUESTS], l[MetricName.API_5XX]])).toEqual([
      ['corr-gw-first', 1, 0],
      ['corr-gw-replay', 1, 0],
    ]);
  });

  it('without a correlation header, correlates by the API Gateway request id', async () => {
    const event = quoteEvent({}, { requestId: 'gw-obs-3', correlationId: 'x' });
    delete (event.headers as Record<string, string>)['x-correlation-id'];
    const { lines } = await captured(() => billing(event, {}));
    expect(logLines(lines).find((l) => l.message === 'request rejected')).toMatchObject({ requestId: 'gw-obs-3', correlationId: 'gw-obs-3' });
  });
});

describe('a billing run', () => {
  it('correlates every task line by the run id, emits its metrics, and logs no invoice amount at info', { timeout: 120_000 }, async () => {
    const { result, lines } = await captured(async () => {
      const run = await startBillingRun(startPorts(), { period: '2026-10' }, 'fin-1');
      const execution = await env.workflow.waitFor(run.id);
      return { run, execution, invoices: await env.runs.listRunInvoices(run.id) };
    });
    const { run, execution, invoices } = result;
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    // 31 days x 1,000 impressions at 12.34 CPM.
    expect(invoices.map((i) => i.total)).toEqual(['382.54']);

    const steps = logLines(lines).filter((l) => typeof l.message === 'string' && l.message.endsWith(' done'));
    expect(steps.map((l) => l.step)).toEqual(['Plan', 'RateContract', 'Summarize', 'Export', 'Complete']);
    for (const line of steps) expect(line).toMatchObject({ level: 'INFO', correlationId: run.id, service: 'ctv-billing-local' });

    const emitted = emfLines(lines);
    const values = (name: string) => emitted.filter((l) => name in l).map((l) => l[name]);
    expect(values(MetricName.INVOICES_WRITTEN)).toEqual([1]);
    const [duration] = values(MetricName.BILLING_RUN_DURATION);
    expect(duration).toBeGreaterThanOrEqual(0);
    expect(duration).toBeLessThan(120_000);
    const durationLine = emitted.find((l) => MetricName.BILLING_RUN_DURATION in l)!;
    expect(durationLine._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [['service', 'stage']],
      Metrics: [{ Name: MetricName.BILLING_RUN_DURATION, Unit: 'Milliseconds' }],
    });

    const invoice = await env.invoices.getInvoice(invoices[0]!.invoiceId);
    const amounts = new Set([...decimalsIn(invoice), '12.34']);
    for (const line of infoLines(lines)) expect(leakedDecimals(line, amounts), JSON.stringify(line)).toEqual([]);
  });
});

describe('the audit consumer', () => {
  it('emits each recorded record\'s lag behind the stream and correlates its lines by the stream event id', async () => {
    const handler = makeAuditHandler({
      repository: new DynamoAuditRepository(documentClient(), env.table),
      archive: new S3AuditArchive(s3Client(), env.bucket),
      // 90 s after the record was written to the stream.
      clock: fixedClock('2027-04-01T00:01:30.000Z'),
    });
    const keys = { pk: 'INVOICE#obs1', sk: 'INVOICE' };
    const image = { ...keys, entityType: 'invoice', aggregate: 'invoice#obs1', actor: 'fin-9', status: 'FINALIZED', total: '98765.43', version: 1, updatedAt: '2027-04-01T00:00:00.000Z' };
    const { result, lines } = await captured(() =>
      handler({
        Records: [
          {
            eventID: 'stream-ev-obs1',
            eventName: 'INSERT',
            eventSource: 'aws:dynamodb',
            dynamodb: {
              Keys: marshall(keys) as never,
              NewImage: marshall(image) as never,
              SequenceNumber: '1',
              ApproximateCreationDateTime: Date.parse('2027-04-01T00:00:00.000Z') / 1000,
              StreamViewType: 'NEW_AND_OLD_IMAGES',
            },
          },
        ],
      }),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(logLines(lines).find((l) => l.message === 'audit entry recorded')).toMatchObject({ level: 'INFO', correlationId: 'stream-ev-obs1', aggregate: 'invoice#obs1' });
    const emf = emfLines(lines);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ [MetricName.AUDIT_LAG]: 90_000, stage: 'test' });
    expect(emf[0]!._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: MetricName.AUDIT_LAG, Unit: 'Milliseconds' }]);
    for (const line of infoLines(lines)) expect(leakedDecimals(line, new Set(['98765.43'])), JSON.stringify(line)).toEqual([]);
  });
});

describe('a bulk usage file', () => {
  it('counts accepted and rejected rows in EMF and correlates its lines by the object', async () => {
    const s3 = s3Client();
    const contract = usageContract({ id: 'obs-file-c1' });
    const handler = createUsageFileHandler(() => ({
      files: (name) => new UsageFileStore(s3, name),
      store: new DynamoUsageRepository(documentClient(), env.table),
      contracts: async (id) => (id === contract.id ? contract : null),
      partners: new DirectoryRepository(documentClient(), env.table),
      clock: fixedClock('2027-02-02T12:00:00.000Z'),
    }));
    const key = `usage/${contract.id}/impressions/obs.csv`;
    const body = ['date,chargeId,count,source,partnerId', '2027-01-01,ctv-premium,100,FIRST_PARTY,', '2027-01-02,ctv-premium,many,FIRST_PARTY,'].join('\n');
    const put = await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: body }));
    const { lines } = await captured(() => handler(objectCreatedEvent({ bucket: env.bucket, key, eTag: put.ETag!, size: body.length, principalId: 'loader' })));
    expect(logLines(lines).find((l) => l.message === 'usage file ingested')).toMatchObject({ correlationId: `s3://${env.bucket}/${key}`, accepted: 1, rejected: 1 });
    const emf = emfLines(lines);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ [MetricName.INGEST_ROWS_ACCEPTED]: 1, [MetricName.INGEST_ROWS_REJECTED]: 1 });
  });
});
