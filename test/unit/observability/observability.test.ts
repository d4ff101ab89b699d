/**
 * functions/runtime/observability.ts: where EMF lines go (in Lambda, or on request), that the
 * tracer stays off (and unloaded) outside Lambda and instruments SDK clients in it, and the HTTP
 * kit's 5xx count. Each case loads the module
 * afresh, since logger, metrics and tracer read their variables once, at construction.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRICS_NAMESPACE, MetricName } from '../../../functions/runtime/metric-names';

const VARIABLES = [
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_EXECUTION_ENV',
  'POWERTOOLS_METRICS_DISABLED',
  'POWERTOOLS_TRACE_ENABLED',
  'POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS',
  'POWERTOOLS_SERVICE_NAME',
  'STAGE',
  'POWERTOOLS_LOG_LEVEL',
] as const;
const saved = Object.fromEntries(VARIABLES.map((k) => [k, process.env[k]]));

afterEach(() => {
  for (const k of VARIABLES) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  vi.restoreAllMocks();
  vi.resetModules();
});

async function load(variables: Partial<Record<(typeof VARIABLES)[number], string>>) {
  for (const k of VARIABLES) delete process.env[k];
  Object.assign(process.env, variables);
  vi.resetModules();
  return import('../../../functions/runtime/observability');
}

/** Lines written to stdout (and stderr, where warnings and errors go) from now on. */
function stdoutLines(): { lines: () => Record<string, any>[] } {
  const chunks: string[] = [];
  const keep = (chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  return { lines: () => chunks.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)) };
}

describe('metrics', () => {
  it('are written as EMF in Lambda, with the namespace and the service and stage dimensions', async () => {
    const o = await load({ AWS_LAMBDA_FUNCTION_NAME: 'fn', POWERTOOLS_SERVICE_NAME: 'ctv-billing-audit', STAGE: 'prod' });
    const out = stdoutLines();
    o.metrics.addMetric(MetricName.AUDIT_LAG, o.MetricUnit.Milliseconds, 1500);
    o.metrics.addMetric(MetricName.AUDIT_LAG, o.MetricUnit.Milliseconds, 20);
    o.flushMetrics();
    const [line, ...rest] = out.lines();
    expect(rest).toEqual([]);
    expect(line!._aws.CloudWatchMetrics).toEqual([
      { Namespace: METRICS_NAMESPACE, Dimensions: [['service', 'stage']], Metrics: [{ Name: 'AuditLagMs', Unit: 'Milliseconds' }] },
    ]);
    expect(line).toMatchObject({ service: 'ctv-billing-audit', stage: 'prod', AuditLagMs: [1500, 20] });
  });

  it('are not written outside Lambda unless asked for, and a flush with nothing recorded writes nothing', async () => {
    const quiet = await load({});
    let out = stdoutLines();
    quiet.metrics.addMetric(MetricName.INVOICES_WRITTEN, quiet.MetricUnit.Count, 1);
    quiet.flushMetrics();
    expect(out.lines()).toEqual([]);
    expect(quiet.metrics.hasStoredMetrics()).toBe(false);
    vi.restoreAllMocks();

    const asked = await load({ POWERTOOLS_METRICS_DISABLED: 'false' });
    out = stdoutLines();
    asked.flushMetrics();
    expect(out.lines()).toEqual([]);
    asked.metrics.addMetric(MetricName.INVOICES_WRITTEN, asked.MetricUnit.Count, 1);
    asked.flushMetrics();
    expect(out.lines()).toMatchObject([{ InvoicesWritten: 1, service: 'ctv-billing-local', stage: 'local' }]);
  });

  it('POWERTOOLS_METRICS_DISABLED=true silences them in Lambda too', async () => {
    const o = await load({ AWS_LAMBDA_FUNCTION_NAME: 'fn', POWERTOOLS_METRICS_DISABLED: 'true' });
    const out = stdoutLines();
    o.metrics.addMetric(MetricName.API_REQUESTS, o.MetricUnit.Count, 1);
    o.flushMetrics();
    expect(out.lines()).toEqual([]);
  });
});

/** The X-Ray SDK's middleware on an instrumented client (aws-xray-sdk-core's patcher for SDK v3). */
const XRAY_MIDDLEWARE = 'XRaySDKInstrumentation';
const hasXRay = (client: S3Client) => client.middlewareStack.identify().some((entry) => entry.startsWith(XRAY_MIDDLEWARE));

describe('tracer', () => {
  it('is not even loaded outside Lambda and with POWERTOOLS_TRACE_ENABLED=false, leaving SDK clients as they are', async () => {
    for (const variables of [{}, { AWS_LAMBDA_FUNCTION_NAME: 'fn', POWERTOOLS_TRACE_ENABLED: 'false' }]) {
      const o = await load(variables);
      expect(o.tracer).toBeUndefined();
      const client = new S3Client({ region: 'us-east-1' });
      expect(o.traced(client)).toBe(client);
      expect(hasXRay(client)).toBe(false);
      client.destroy();
    }
  });

  it('is on in Lambda by default and instruments SDK clients with X-Ray', async () => {
    // The tracer itself also requires Lambda's AWS_EXECUTION_ENV. Node's http module is not
    // patched in the test process: the SDK clients are what is checked.
    const o = await load({ AWS_LAMBDA_FUNCTION_NAME: 'fn', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false' });
    expect(o.tracer?.isTracingEnabled()).toBe(true);
    const client = new S3Client({ region: 'us-east-1' });
    expect(o.traced(client)).toBe(client);
    expect(hasXRay(client)).toBe(true);
    client.destroy();
  });
});

describe('log keys', () => {
  it('withLogKeys puts the correlation id on the lines written inside, and takes it off after', async () => {
    const o = await load({ POWERTOOLS_LOG_LEVEL: 'INFO' });
    const out = stdoutLines();
    await o.withLogKeys({ correlationId: 'run-1', step: 'Plan' }, async () => o.logger.info('inside'));
    o.logger.info('after');
    const [inside, after] = out.lines();
    expect(inside).toMatchObject({ message: 'inside', correlationId: 'run-1', step: 'Plan', service: 'ctv-billing-local' });
    expect(after!.correlationId).toBeUndefined();
  });
});

describe('the HTTP kit', () => {
  it('counts a 5xx answer as Api5xx 1, with the request ids as metadata, and logs the error with them', async () => {
    await load({ POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_LOG_LEVEL: 'INFO' });
    const { defineGroup, route } = await import('../../../functions/http/group');
    const { FunctionGroup } = await import('../../../functions/http/routes');
    const { PUBLIC_OPERATIONS: ops } = await import('../../../shared/schemas/api/public');
    const handler = defineGroup(
      FunctionGroup.PUBLIC,
      {
        'GET /v1/health': route(ops['GET /v1/health'], async () => {
          throw new Error('the health check broke');
        }),
        'GET /v1/openapi.json': route(ops['GET /v1/openapi.json'], async () => ({ status: 200, body: {} })),
      },
      { idempotencyStore: null },
    );
    const out = stdoutLines();
    const event = {
      version: '2.0',
      routeKey: 'GET /v1/health',
      rawPath: '/v1/health',
      headers: { 'x-correlation-id': 'corr-5xx' },
      requestContext: { requestId: 'gw-5xx', http: { method: 'GET', path: '/v1/health' } },
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    const response = await handler(event, {} as never);
    expect(response.statusCode).toBe(500);
    const lines = out.lines();
    expect(lines.find((l) => l.message === 'request failed')).toMatchObject({ level: 'ERROR', requestId: 'gw-5xx', correlationId: 'corr-5xx' });
    const emf = lines.filter((l) => l._aws);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ ApiRequests: 1, Api5xx: 1, requestId: 'gw-5xx', correlationId: 'corr-5xx' });
  });
});
