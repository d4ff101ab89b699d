/**
 * The application's CloudWatch metrics: namespace, names and dimensions. Handlers emit them as
 * EMF lines (functions/runtime/observability.ts); the alarms and the dashboard
 * (infra/constructs/observability.ts) read them back. This module has no side effects, so infra
 * can import it without building a logger.
 *
 * Every metric carries the same two dimensions, `service` (the function's
 * POWERTOOLS_SERVICE_NAME, `ctv-billing-<folder>`) and `stage`: an alarm names exactly the
 * series a function writes.
 */
export const METRICS_NAMESPACE = 'CtvBilling';

export const MetricName = {
  /** Wall time of a billing run, from its start (the run's `asOf`) to its completion. Milliseconds. */
  BILLING_RUN_DURATION: 'BillingRunDurationMs',
  /** Run invoices newly written by RateContract (a retried item that finds its invoice counts 0). */
  INVOICES_WRITTEN: 'InvoicesWritten',
  /** Billing runs that ended FAILED (MarkFailed). */
  BILLING_RUNS_FAILED: 'BillingRunsFailed',
  /** Usage rows stored by a bulk file or an API request (rows already stored count as duplicates, not here). */
  INGEST_ROWS_ACCEPTED: 'IngestRowsAccepted',
  /** Usage rows refused (validation, unknown contract or charge, out of term). */
  INGEST_ROWS_REJECTED: 'IngestRowsRejected',
  /** now - ApproximateCreationDateTime of each stream record the audit consumer recorded. Milliseconds. */
  AUDIT_LAG: 'AuditLagMs',
  /** Every API response, and those with a 5xx status (0 or 1 per request: the average is the 5xx rate). */
  API_REQUESTS: 'ApiRequests',
  API_5XX: 'Api5xx',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export const MetricDimension = { SERVICE: 'service', STAGE: 'stage' } as const;
