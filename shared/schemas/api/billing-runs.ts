/** Billing run operations: start a run of a period, and watch it. */
import '../zod-openapi';
import * as z from 'zod';
import { isPeriod } from '../../domain/kernel/calendar';
import { Id } from '../terms';
import { MAX_FAILURES_SHOWN } from '../../domain/billing-runs/run';
import { EmptyBody } from './common';
import { FunctionGroup, operation, Role, type Operations } from './operation';

const { FINANCE } = Role;

export const Period = z.string().refine(isPeriod, 'must be a period YYYY-MM').openapi({ example: '2027-01' });

export const StartBillingRunBody = z
  .strictObject({
    period: Period,
    contractIds: z.array(Id).min(1).max(1000).optional().openapi({ description: 'Only these contracts; default every contract billed in the period.' }),
  })
  .openapi('StartBillingRun');

export const BillingRunStatusSchema = z.enum(['RUNNING', 'SUCCEEDED', 'COMPLETED_WITH_ERRORS', 'FAILED']);

export const ContractFailureSchema = z
  .object({ contractId: z.string(), reason: z.string() })
  .openapi('BillingRunContractFailure', { description: 'A contract the run could not invoice, and the error of its latest attempt.' });

export const StartedBillingRunSchema = z.object({ id: z.string(), status: z.literal('RUNNING'), period: z.string(), runSeq: z.number().int() });

export const RunFinalizationSchema = z
  .object({
    status: z.enum(['RUNNING', 'SUCCEEDED', 'COMPLETED_WITH_ERRORS']),
    progress: z.object({ done: z.number().int(), total: z.number().int() }).openapi({ description: 'Invoices of the run no longer DRAFT, of all the run\'s invoices.' }),
    finalized: z.number().int().openapi({ description: 'Invoices the finalization turned FINALIZED, over every request.' }),
    failures: z.array(z.object({ invoiceId: z.string(), contractId: z.string(), reason: z.string() })).openapi({ description: 'Invoices the latest pass could not finalize; they stay DRAFT and the next request tries again.' }),
    startedAt: z.string(),
    updatedAt: z.string(),
    endedAt: z.string().nullable(),
    passes: z.number().int(),
    actor: z.string(),
  })
  .openapi('BillingRunFinalization');

export const BillingRunSchema = z
  .object({
    id: z.string(),
    period: z.string(),
    runSeq: z.number().int().openapi({ description: '1 for the first run of the period; 2, 3, ... for re-runs (adjustment invoices).' }),
    status: BillingRunStatusSchema,
    progress: z.object({ done: z.number().int(), total: z.number().int() }),
    invoiceIds: z.array(z.string()),
    invoices: z.array(z.object({ contractId: z.string(), invoiceId: z.string(), currency: z.string(), total: z.string() })),
    totals: z.array(z.object({ currency: z.string(), total: z.string(), invoices: z.number().int() })),
    contractIds: z.array(z.string()).nullable(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    failureReason: z.string().nullable(),
    failures: z.array(ContractFailureSchema).openapi({
      description: `The contracts whose latest attempt failed (COMPLETED_WITH_ERRORS, or a retry still running); at most ${MAX_FAILURES_SHOWN}, failureCount says how many in all.`,
    }),
    failureCount: z.number().int(),
    retries: z.number().int().openapi({ description: 'Retries of the failed contracts started so far.' }),
    startedBy: z.string(),
    finalization: RunFinalizationSchema.nullable().openapi({ description: 'Where finalizing the run\'s drafts stands (POST .../finalize); null until asked.' }),
  })
  .openapi('BillingRun');

export const RetriedBillingRunSchema = z
  .object({
    id: z.string(),
    status: BillingRunStatusSchema,
    period: z.string(),
    runSeq: z.number().int(),
    retry: z.number().int().openapi({ description: 'The retry this request started, or the one already running or done.' }),
    contractIds: z.array(z.string()).openapi({ description: 'The contracts the retry rates again (empty when there is nothing to retry).' }),
  })
  .openapi('RetriedBillingRun');

export const BILLING_RUN_OPERATIONS = {
  'POST /v1/billing-runs': operation({
    group: FunctionGroup.BILLING,
    roles: [FINANCE],
    summary: 'Start a billing run',
    body: StartBillingRunBody,
    responses: { 202: StartedBillingRunSchema },
    errors: [409],
    description: 'Starts the billing run of a period. One run per period at a time (409 while one is RUNNING). A later run of a period invoices only the differences (ADJUSTMENT lines).',
  }),
  'GET /v1/billing-runs/{id}': operation({
    group: FunctionGroup.BILLING,
    roles: [FINANCE],
    summary: 'Billing run status and progress',
    params: z.object({ id: Id }),
    responses: { 200: BillingRunSchema },
    errors: [404],
  }),
  'POST /v1/billing-runs/{id}/retry': operation({
    group: FunctionGroup.BILLING,
    roles: [FINANCE],
    summary: "Re-rate a run's failed contracts in the same run",
    params: z.object({ id: Id }),
    body: EmptyBody,
    responses: { 202: RetriedBillingRunSchema, 200: RetriedBillingRunSchema },
    errors: [404, 409],
    description:
      'Rates again, in the same run and as of the same instant, only the contracts the run recorded as failed (202). Idempotent: while that retry runs, ' +
      'or once nothing is left to retry, the same request starts nothing and answers 202 (running) or 200 (done). 409 when the run FAILED as a whole, ' +
      'is still in its first execution, or a later run of the period exists.',
  }),
  'POST /v1/billing-runs/{id}/finalize': operation({
    group: FunctionGroup.BILLING,
    roles: [FINANCE],
    summary: "Finalize every draft invoice of a run",
    params: z.object({ id: Id }),
    body: EmptyBody,
    responses: { 202: BillingRunSchema },
    errors: [404, 409],
    description:
      'Finalizes every DRAFT invoice the run wrote, each in its own transaction taking its own gapless number, in contract order. Idempotent: invoices already ' +
      'finalized, voided or discarded are left alone. An invoice that cannot be finalized is listed in finalization.failures and the others go on. One request works ' +
      'for a bounded time: while finalization.status is RUNNING, drafts remain and the same request carries on (npm run billing -- --finalize does). ' +
      'Progress is on GET of the run. 409 while the run is RUNNING or when it FAILED.',
  }),
} as const satisfies Operations;

/** The payloads the workflow's tasks receive (validated at each task's entry). */
export const RunExecutionInputSchema = z.object({
  runId: z.string().min(1),
  period: Period,
  runSeq: z.number().int().min(1),
  asOf: z.string(),
  contractIds: z.array(z.string()).nullable(),
  actor: z.string().min(1),
  retry: z.number().int().min(0).default(0),
  /** Set by the Plan state (Summarize reads the plan to find contracts left without a result). */
  plan: z.object({ total: z.number().int().min(0), planKey: z.string().min(1) }).optional(),
});

export const RateContractInputSchema = z.object({
  runId: z.string().min(1),
  period: Period,
  runSeq: z.number().int().min(1),
  asOf: z.string(),
  actor: z.string().min(1),
  contractId: z.string().min(1),
});

export const MarkFailedInputSchema = z.object({
  runId: z.string().min(1),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).nullable().optional(),
});

export const ScheduledStartInputSchema = z.object({ scheduledTime: z.string(), job: z.string().optional() });
