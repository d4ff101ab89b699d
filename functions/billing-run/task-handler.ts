/**
 * The shape every billing-run task Lambda shares: validate the state's payload (a malformed
 * payload is a definition bug, so it fails the step instead of guessing), run the step, log,
 * and flush the step's metrics.
 * Thrown errors keep their `name`: Step Functions matches Retry/Catch on it.
 *
 * Log lines of a step carry `correlationId` = the run id, which is also the execution's name,
 * so one filter finds every step of one execution. Results hold amounts and are not logged.
 */
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { MetricName } from '../runtime/metric-names';
import { flushMetrics, logger, metrics, MetricUnit, withLogKeys } from '../runtime/observability';

export class InvalidTaskInputError extends Error {
  override readonly name = 'InvalidTaskInputError';
}

/** What a step's success says about the run, as metrics (by state name). */
const STEP_METRICS: Record<string, (input: { asOf?: unknown }, finishedAt: number) => void> = {
  RateContract: () => metrics.addMetric(MetricName.INVOICES_WRITTEN, MetricUnit.Count, 1),
  // `asOf` is the run's start instant.
  Complete: (input, finishedAt) => {
    const started = typeof input.asOf === 'string' ? Date.parse(input.asOf) : Number.NaN;
    if (Number.isFinite(started)) metrics.addMetric(MetricName.BILLING_RUN_DURATION, MetricUnit.Milliseconds, Math.max(0, finishedAt - started));
  },
  MarkFailed: () => metrics.addMetric(MetricName.BILLING_RUNS_FAILED, MetricUnit.Count, 1),
};

const correlationOf = (input: unknown): string | undefined => {
  const { runId, scheduledTime } = (input ?? {}) as { runId?: unknown; scheduledTime?: unknown };
  if (typeof runId === 'string') return runId;
  return typeof scheduledTime === 'string' ? `scheduled:${scheduledTime}` : undefined;
};

export function taskHandler<S extends z.ZodType, R>(step: string, schema: S, run: (input: z.output<S>) => Promise<R>) {
  return async (event: unknown, context?: Context): Promise<R> => {
    if (context && typeof context === 'object' && 'functionName' in context) logger.addContext(context);
    return withLogKeys({ correlationId: correlationOf(event), step }, async () => {
      try {
        const parsed = schema.safeParse(event);
        if (!parsed.success) {
          throw new InvalidTaskInputError(`${step}: invalid input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        }
        const started = Date.now();
        try {
          const result = await run(parsed.data);
          const finished = Date.now();
          STEP_METRICS[step]?.(parsed.data as { asOf?: unknown }, finished);
          logger.info(`${step} done`, { step, ms: finished - started });
          return result;
        } catch (error) {
          logger.warn(`${step} failed`, { step, error: error as Error });
          throw error;
        }
      } finally {
        flushMetrics();
      }
    });
  };
}
