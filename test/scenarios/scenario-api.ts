/**
 * The moves of a billing scenario, through the public API only: approve a version as the
 * approval policy asks, run a period and wait for it, read its invoices, finalize them; and the
 * line and invoice shapes the scenario writes its expectations in.
 */
import { expect } from 'vitest';
import type { TestApi } from '../support/api';
import type { LocalBillingWorkflow } from '../../scripts/lib/local-workflow';
import { pdfStrings } from '../support/pdf-text';

export interface Tokens {
  ops: string;
  approver: string;
  finance: string;
}

/** An invoice line as the scenario states it: no line number or explanation. */
export interface ExpectedLine {
  type: string;
  adjusts?: string;
  chargeId?: string;
  version?: number;
  quantity: string;
  amount: string;
}

export interface ExpectedInvoice {
  kind: 'INVOICE' | 'ADJUSTMENT';
  lines: ExpectedLine[];
  subtotal: string;
  total: string;
  /** Per partner and charge; a re-run's are the changes. */
  payouts?: { partnerId: string; chargeId: string; amount: string }[];
}

// Line builders, in the order the engine writes lines: USAGE per charge and version, then
// CAP_ADJUSTMENT, MINIMUM_TRUE_UP, AGENCY_COMMISSION (period-level lines: quantity "0").
export const usage = (chargeId: string, version: number, quantity: string, amount: string): ExpectedLine => ({ type: 'USAGE', chargeId, version, quantity, amount });
export const cap = (amount: string): ExpectedLine => ({ type: 'CAP_ADJUSTMENT', quantity: '0', amount });
export const trueUp = (amount: string): ExpectedLine => ({ type: 'MINIMUM_TRUE_UP', quantity: '0', amount });
export const commission = (amount: string): ExpectedLine => ({ type: 'AGENCY_COMMISSION', quantity: '0', amount });
// v2 period-level lines: GUARANTEE_CREDIT right after the USAGE lines, CREDIT after MINIMUM_TRUE_UP.
export const guaranteeCredit = (amount: string): ExpectedLine => ({ type: 'GUARANTEE_CREDIT', quantity: '0', amount });
export const credit = (amount: string): ExpectedLine => ({ type: 'CREDIT', quantity: '0', amount });
export const adjustUsage = (chargeId: string, version: number, quantity: string, amount: string): ExpectedLine => ({
  type: 'ADJUSTMENT', adjusts: 'USAGE', chargeId, version, quantity, amount,
});
export const adjustPeriodLine = (adjusts: string, amount: string): ExpectedLine => ({ type: 'ADJUSTMENT', adjusts, quantity: '0', amount });

const lineShape = (line: Record<string, unknown>): ExpectedLine => {
  const out: Record<string, unknown> = { type: line.type };
  for (const key of ['adjusts', 'chargeId', 'version'] as const) if (line[key] !== undefined && line[key] !== null) out[key] = line[key];
  out.quantity = line.quantity;
  out.amount = line.amount;
  return out as unknown as ExpectedLine;
};

/** Every line (in order), subtotal, total and payout exactly; the explanation is the engine's own. */
export function expectInvoice(invoice: any, expected: ExpectedInvoice): void {
  expect({
    kind: invoice.kind,
    lines: invoice.lines.map(lineShape),
    subtotal: invoice.subtotal,
    total: invoice.total,
    payouts: invoice.partnerPayouts.map(({ partnerId, chargeId, amount }: any) => ({ partnerId, chargeId, amount })),
  }).toEqual({ ...expected, payouts: expected.payouts ?? [] });
}

export class ScenarioApi {
  constructor(
    private readonly api: TestApi,
    private readonly workflow: LocalBillingWorkflow,
    readonly tokens: Tokens,
    /** The scenario's clock: each approval step is taken a minute after the one before. */
    private readonly clock: { advanceMs(ms: number): void },
  ) {}

  async call(method: string, path: string, token: string, body?: unknown, status = 200): Promise<any> {
    const res = await this.api.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
    expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
    return res.json;
  }

  /**
   * Submits (ops) and approves: the approver a minute later, then finance another minute later
   * when the policy asks for two. The version's recordedAt is the last approval's instant.
   */
  async approve(contractId: string, number: number): Promise<any> {
    const base = `/v1/contracts/${contractId}/versions/${number}`;
    await this.call('POST', `${base}/submit`, this.tokens.ops, {});
    this.clock.advanceMs(60_000);
    let version = await this.call('POST', `${base}/approve`, this.tokens.approver, { comment: 'terms checked' });
    if (version.status === 'PENDING_APPROVAL') {
      this.clock.advanceMs(60_000);
      version = await this.call('POST', `${base}/approve`, this.tokens.finance, {});
    }
    expect(version.status).toBe('APPROVED');
    return version;
  }

  async impressions(contractId: string, records: object[]): Promise<void> {
    const res = await this.call('POST', '/v1/usage/impressions', this.tokens.ops, { contractId, records }, 202);
    expect(res).toEqual({ accepted: records.length, duplicates: 0 });
  }

  async conversions(contractId: string, records: object[]): Promise<void> {
    const res = await this.call('POST', '/v1/usage/conversions', this.tokens.ops, { contractId, records }, 202);
    expect(res).toEqual({ accepted: records.length, duplicates: 0 });
  }

  /**
   * POST /v1/billing-runs, wait for the execution, and read the run: SUCCEEDED, with one invoice
   * per contract planned. Returns the run and each contract's invoice (full, with lines).
   */
  async run(period: string, runSeq: number, contractIds: string[]): Promise<{ run: any; invoices: Record<string, any> }> {
    const started = await this.call('POST', '/v1/billing-runs', this.tokens.finance, { period }, 202);
    expect(started).toMatchObject({ status: 'RUNNING', period, runSeq });
    const execution = await this.workflow.waitFor(started.id);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    const run = await this.call('GET', `/v1/billing-runs/${started.id}`, this.tokens.finance);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.invoices.map((i: any) => i.contractId).sort()).toEqual([...contractIds].sort());
    const invoices: Record<string, any> = {};
    for (const { contractId, invoiceId } of run.invoices) {
      const invoice = await this.call('GET', `/v1/invoices/${invoiceId}`, this.tokens.finance);
      expect(invoice).toMatchObject({ contractId, period, runSeq, status: 'DRAFT', number: null });
      invoices[contractId] = invoice;
    }
    return { run, invoices };
  }

  /**
   * Finalizes the whole run as finance closes a month (POST /v1/billing-runs/{id}/finalize,
   * repeated while it reports RUNNING): every draft finalized, none failed. Returns each
   * contract's invoice as finalized (numbered), read back through GET /v1/invoices/{id}.
   */
  async finalizeRun(run: { id: string }, invoices: Record<string, any>): Promise<Record<string, any>> {
    let finalization: any;
    do {
      finalization = (await this.call('POST', `/v1/billing-runs/${run.id}/finalize`, this.tokens.finance, {}, 202)).finalization;
    } while (finalization.status === 'RUNNING');
    expect(finalization).toMatchObject({ status: 'SUCCEEDED', failures: [], progress: { done: Object.keys(invoices).length, total: Object.keys(invoices).length } });
    const out: Record<string, any> = {};
    for (const [contractId, invoice] of Object.entries(invoices)) {
      const finalized = await this.call('GET', `/v1/invoices/${invoice.id}`, this.tokens.finance);
      expect(finalized.status).toBe('FINALIZED');
      out[contractId] = finalized;
    }
    return out;
  }

  /** Records a payment with its reference as the Idempotency-Key; returns the invoice as it then is. */
  async pay(invoiceId: string, payment: { amount: string; date: string; reference: string }): Promise<any> {
    const res = await this.api.request('POST', `/v1/invoices/${invoiceId}/payments`, { token: this.tokens.finance, body: payment, headers: { 'idempotency-key': payment.reference } });
    expect(res.status, `payment ${payment.reference}: ${res.text}`).toBe(201);
    return res.json;
  }

  /**
   * The document's PDF as finance sends it: presigned URL from GET /v1/invoices/{id}/pdf, the
   * bytes from the exports bucket, and every figure the invoice holds found in its text.
   */
  async expectPdfOf(invoice: any): Promise<void> {
    const { url } = await this.call('GET', `/v1/invoices/${invoice.id}/pdf`, this.tokens.finance);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const text = pdfStrings(new Uint8Array(await res.arrayBuffer()));
    for (const figure of [invoice.number, invoice.issueDate, invoice.dueDate, invoice.currency, invoice.total, ...(invoice.billTo ? [invoice.billTo.legalName] : [])]) {
      expect(text, `${invoice.number}: ${figure}`).toContain(figure);
    }
    for (const line of invoice.lines) expect(text, `${invoice.number} line ${line.lineNo}`).toContain(line.amount);
  }
}
