/**
 * The billing group's finance routes: quotes (a case rated with the real engine, nothing
 * stored), the period's finance exports, and a partner's statement with its issue and payments.
 * Combined with the billing run routes in handler.ts.
 */
import { randomUUID } from 'node:crypto';
import { route, type RouteSpec } from '../http/group';
import { etagOfVersion } from '../http/etag';
import { runtimeClock } from '../runtime/clock';
import { statementView } from '../../shared/domain/partner-statements/statement';
import { issueStatement } from '../../shared/domain/partner-statements/issue-statement';
import { recordStatementPayment } from '../../shared/domain/partner-statements/record-statement-payment';
import { rateCase } from '../../shared/domain/billing/rate';
import { DomainError } from '../../shared/domain/kernel/errors';
import { InvoiceKind } from '../../shared/domain/invoices/invoice';
import { FINANCE_OPERATIONS as ops } from '../../shared/schemas/api/finance';
import { financeDeps, financeExports, statementDeps } from '../invoices/dependencies';

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
    const exports = await financeExports();
    // Only reads: the billing workflow's Export step writes a period's files, never a GET.
    return { status: 200, body: await exports.listExports(query.period) };
  }),

  'GET /v1/partners/{id}/statements': route(ops['GET /v1/partners/{id}/statements'], async ({ params, query }) => {
    const [live, record] = await Promise.all([
      financeDeps().invoices.listPartnerStatement(params.id, query.period),
      statementDeps().getStatementRecord(params.id, query.period),
    ]);
    const statement = statementView(live, record);
    return { status: 200, body: statement, etag: etagOfVersion(statement.version) };
  }),

  'POST /v1/partners/{id}/statements/{period}/issue': route(ops['POST /v1/partners/{id}/statements/{period}/issue'], async ({ identity, params }) => {
    const statement = await issueStatement({ payouts: financeDeps().invoices, statements: statementDeps(), clock: runtimeClock }, { partnerId: params.id, period: params.period, actor: identity.sub });
    return { status: 200, body: statement, etag: etagOfVersion(statement.version) };
  }),

  'POST /v1/partners/{id}/statements/{period}/payments': route(ops['POST /v1/partners/{id}/statements/{period}/payments'], async ({ identity, params, body }) => {
    const { statement, payment } = await recordStatementPayment(
      { payouts: financeDeps().invoices, statements: statementDeps(), clock: runtimeClock, newId: () => `ppay_${randomUUID()}` },
      { partnerId: params.id, period: params.period, actor: identity.sub, ...body },
    );
    return { status: 201, body: { ...statement, payment }, etag: etagOfVersion(statement.version) };
  }),
};
