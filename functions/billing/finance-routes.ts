/**
 * The billing group's finance routes: quotes (a case rated with the real engine, nothing
 * stored), the period's finance exports and a partner's statement. Combined with the billing
 * run routes in handler.ts.
 */
import { route, type RouteSpec } from '../http/group';
import { rateCase } from '../../shared/domain/billing/rate';
import { DomainError } from '../../shared/domain/kernel/errors';
import { InvoiceKind } from '../../shared/domain/invoices/invoice';
import { FINANCE_OPERATIONS as ops } from '../../shared/schemas/api/finance';
import { financeDeps } from '../invoices/dependencies';

export const financeRoutes: Record<string, RouteSpec> = {
  'POST /v1/quotes': route(ops['POST /v1/quotes'], async ({ body }) => {
    const results = rateCase({ contract: body.contract, usage: body.usage, runs: body.runs.map(({ period, asOf }) => ({ period, asOf })) });
    const failed = results.find((r) => !r.ok);
    // Invalid inputs fail the first run already (VALIDATION -> 400 with the engine's paths).
    if (failed && !failed.ok) throw new DomainError(failed.error.kind, failed.error.code, failed.error.message, failed.error.details);
    const invoices = results.flatMap((r) =>
      r.ok ? [{ ...r.rated, asOf: r.asOf, kind: r.rated.isRerun ? InvoiceKind.ADJUSTMENT : InvoiceKind.INVOICE }] : [],
    );
    return { status: 200, body: { invoices } };
  }),

  'GET /v1/exports': route(ops['GET /v1/exports'], async ({ query }) => {
    const { exports } = financeDeps();
    // Only reads: the billing workflow's Export step writes a period's files, never a GET.
    return { status: 200, body: await exports.listExports(query.period) };
  }),

  'GET /v1/partners/{id}/statements': route(ops['GET /v1/partners/{id}/statements'], async ({ params, query }) => {
    return { status: 200, body: await financeDeps().invoices.listPartnerStatement(params.id, query.period) };
  }),
};
