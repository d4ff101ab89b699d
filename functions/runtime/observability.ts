/**
 * Logger, metrics and tracer, built once per Lambda container and shared by every handler
 * (functions/http/logger.ts re-exports the logger for the HTTP kit).
 *
 * - Logs: structured JSON on stdout, in Lambda and locally alike. Correlation ids go in as
 *   `correlationId` (the HTTP kit: `x-correlation-id` or the API Gateway request id; billing
 *   tasks: the run id, which is also the execution's name; the audit consumer: the stream
 *   record's event id). Info lines carry identifiers and counts only: amounts, names and emails
 *   stay out of them (tested).
 * - Metrics: EMF lines in METRICS_NAMESPACE with the dimensions `service` and `stage`. CloudWatch
 *   turns them into metrics in Lambda; elsewhere (tests, the local stack) they are only written
 *   when POWERTOOLS_METRICS_DISABLED=false, so local runs are not flooded with them.
 * - Traces: X-Ray through the Powertools tracer, on only in Lambda with active tracing
 *   (`POWERTOOLS_TRACE_ENABLED=false` or running outside Lambda turns it off, so nothing looks
 *   for an X-Ray daemon locally). Where it is off the tracer is not even loaded (see `tracer`).
 *
 * These read their own POWERTOOLS_* variables at construction, and `STAGE` here rather than
 * through config(): building a logger must not require a table name.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE, MetricDimension } from './metric-names';

/** The function's name in logs, metrics and traces; the CDK factory sets `ctv-billing-<folder>`. */
export const SERVICE_NAME = process.env.POWERTOOLS_SERVICE_NAME || 'ctv-billing-local';
const STAGE = process.env.STAGE || 'local';
const IN_LAMBDA = Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);

export const logger = new Logger({ serviceName: SERVICE_NAME });

/**
 * Metrics that write EMF lines only where someone reads them: in Lambda, or when asked with
 * POWERTOOLS_METRICS_DISABLED=false. Otherwise a flush just empties the buffer.
 */
class AppMetrics extends Metrics {
  constructor(private readonly emit: boolean) {
    super({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, defaultDimensions: { [MetricDimension.STAGE]: STAGE } });
  }

  override publishStoredMetrics(): this {
    if (this.emit) return super.publishStoredMetrics() as this;
    this.clearMetrics();
    this.clearDimensions();
    this.clearMetadata();
    return this;
  }
}

function metricsWanted(): boolean {
  const setting = process.env.POWERTOOLS_METRICS_DISABLED;
  if (setting !== undefined) return setting.toLowerCase() !== 'true' && setting !== '1';
  return IN_LAMBDA;
}

export const metrics: Metrics = new AppMetrics(metricsWanted());

/**
 * Writes the buffered metrics, for handlers outside the middy kit. Nothing is written (and no
 * "no metrics" warning) when nothing was recorded.
 */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

const TRACING_WANTED = IN_LAMBDA && (process.env.POWERTOOLS_TRACE_ENABLED ?? 'true').toLowerCase() !== 'false';

/**
 * The tracer, or undefined where tracing is off. It is imported only when wanted: loading it
 * loads aws-xray-sdk-core, which installs an async hook on every promise of the process and
 * is a sixth of an API bundle. The bundler still inlines the module, but its code runs only
 * through this import, so a bundle with tracing off never evaluates it. Awaited at the top
 * level so the SDK clients, built synchronously, are instrumented from their first call.
 */
export const tracer: Tracer | undefined = TRACING_WANTED
  ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ serviceName: SERVICE_NAME, enabled: true })
  : undefined;

/** Instruments an AWS SDK v3 client with X-Ray subsegments when tracing is on; otherwise returns it as is. */
export function traced<T>(client: T): T {
  return tracer?.isTracingEnabled() ? tracer.captureAWSv3Client(client) : client;
}

/** Runs `work` with `correlationId` (and any other ids) on every log line, then removes them. */
export async function withLogKeys<R>(keys: Record<string, string | undefined>, work: () => Promise<R>, target: Logger = logger): Promise<R> {
  const present = Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined)) as Record<string, string>;
  target.appendKeys(present);
  try {
    return await work();
  } finally {
    target.removeKeys(Object.keys(present));
  }
}

export { MetricUnit };
