/**
 * Invoices, credit notes and partner payout records on the one table.
 *
 * Items (keys in table.ts, `invoiceKeys`):
 * - the invoice (`INVOICE#id`), lines inside, listed on gsi1 (advertiser) and gsi2 (all), both
 *   keyed by period then status; audited as `invoice#<id>`;
 * - the run record (`INVOICERUNS#contract` / `RUN#period#runSeq`): written with the invoice, on
 *   the condition that it does not exist, so a re-executed run step writes nothing twice;
 *   holds the compact lines and payouts that `loadPriorRuns` hands back to the engine;
 * - payout records, one per partner and charge per run, for partner statements (gsi1);
 * - document counters (`DOCNUMBER#INV#2027`): the next number is taken in the same
 *   transaction that finalizes the invoice, conditioned on the value read, so numbers are
 *   gapless and never reused whatever the concurrency.
 *
 * Immutability is enforced by DynamoDB, not by convention: every write of an invoice item is
 * conditioned on the status the transitions table allows (creation: the item must not exist;
 * draft changes and finalize: status = DRAFT; void: status = FINALIZED, touching only status
 * fields). A FINALIZED invoice's lines, totals and number can therefore never change.
 */
import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import Big from 'big.js';
import type { Clock } from '../../domain/kernel/clock';
import { ConflictError, NotFoundError, PreconditionFailedError, TooLargeError, ValidationError } from '../../domain/kernel/errors';
import { isPeriod } from '../../domain/kernel/calendar';
import { formatAmount, parseAmount } from '../../domain/invoices/amounts';
import type { PriorRuns } from '../../domain/billing/types';
import {
  buildCreditNote,
  buildRunInvoice,
  InvoiceAction,
  InvoiceKind,
  InvoiceStatus,
  INVOICE_TRANSITIONS,
  lineFigures,
  transition,
  type Invoice,
  type InvoiceLine,
  type RunInvoiceInput,
} from '../../domain/invoices/invoice';
import { formatDocumentNumber, numberingYear, sequenceOf, type NumberSequence } from '../../domain/invoices/numbering';
import { toPriorRuns, type RunDocument } from '../../domain/invoices/prior-runs';
import { decodeCursor, encodeCursor } from './cursor';
import { queryAll } from './query-all';
import { INDEXES, invoiceKeys } from './table';

export const INVOICE_ENTITY = 'invoice';
const aggregateOf = (invoiceId: string) => `invoice#${invoiceId}`;

/** Stay clear of DynamoDB's 400 KB item limit (attribute names and list overhead included). */
const MAX_ITEM_JSON_CHARS = 350_000;
/** Attempts at taking a number when other finalizations move the counter between read and write. */
const MAX_NUMBERING_ATTEMPTS = 60;
/** A filtered list page reads at most this many index pages before returning its cursor. */
const MAX_FILTERED_PAGES = 10;

/** Deterministic ids: the same contract, period and run always name the same invoice. */
export function runInvoiceId(contractId: string, period: string, runSeq: number): string {
  return `inv_${createHash('sha256').update(`${contractId}\n${period}\n${runSeq}`).digest('hex').slice(0, 24)}`;
}

export function creditNoteIdFor(invoiceId: string): string {
  return `cn_${createHash('sha256').update(`credit-note\n${invoiceId}`).digest('hex').slice(0, 24)}`;
}

/** The invoice's id is derived (runInvoiceId), never given. */
export type WriteRunInvoiceInput = Omit<RunInvoiceInput, 'id'>;

export interface WriteRunInvoiceResult {
  invoiceId: string;
  /** False when the run's invoice already existed: nothing was written. */
  created: boolean;
  kind: InvoiceKind;
  currency: string;
  total: string;
}

export type InvoiceSummary = Omit<Invoice, 'lines' | 'partnerPayouts'> & { lineCount: number };

export interface ListInvoicesInput {
  advertiserId?: string;
  period?: string;
  status?: InvoiceStatus;
  limit: number;
  cursor?: string;
}

export interface PartnerStatementLine {
  contractId: string;
  advertiserId: string;
  chargeId: string;
  currency: string;
  /** Net payout: the first run's payout plus every re-run's change. */
  amount: string;
  runs: { runId: string; runSeq: number; invoiceId: string; amount: string }[];
}

export interface PartnerStatement {
  partnerId: string;
  period: string;
  lines: PartnerStatementLine[];
  totals: { currency: string; amount: string }[];
}

/** Fields a DRAFT may still change; everything a run computed is fixed from creation. */
export interface DraftPatch {
  memo?: string | null;
  purchaseOrder?: string | null;
}

interface RunRecord extends RunDocument {
  invoiceId: string;
  runId: string;
  runSeq: number;
}

interface PayoutRecord {
  partnerId: string;
  contractId: string;
  advertiserId: string;
  chargeId: string;
  period: string;
  runId: string;
  runSeq: number;
  invoiceId: string;
  currency: string;
  amount: string;
}

const INVOICE_ITEM_KEYS = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'entityType', 'aggregate'] as const;

function indexKeys(inv: Pick<Invoice, 'advertiserId' | 'period' | 'status' | 'createdAt' | 'id'>) {
  return {
    ...invoiceKeys.invoiceByAdvertiser(inv.advertiserId, inv.period, inv.status, inv.createdAt, inv.id),
    ...invoiceKeys.invoiceByPeriod(inv.period, inv.status, inv.createdAt, inv.id),
  };
}

function invoiceItem(inv: Invoice): Record<string, unknown> {
  const item = { ...invoiceKeys.invoice(inv.id), ...indexKeys(inv), entityType: INVOICE_ENTITY, aggregate: aggregateOf(inv.id), ...inv };
  if (JSON.stringify(item).length > MAX_ITEM_JSON_CHARS) {
    throw new TooLargeError(`invoice ${inv.id} does not fit one item (${inv.lines.length} lines); explanations and line counts are capped to prevent this`);
  }
  return item;
}

function toInvoice(item: Record<string, unknown>): Invoice {
  const copy: Record<string, unknown> = { ...item };
  for (const key of INVOICE_ITEM_KEYS) delete copy[key];
  return copy as unknown as Invoice;
}

function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((r) => r.Code);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class InvoiceRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  // --- Writing a run's result --------------------------------------------------------------

  /**
   * Persists one contract's result of a run: its DRAFT invoice (INVOICE, or ADJUSTMENT for a
   * re-run), the run record and the partner payout records, in ONE transaction that requires
   * the run record not to exist. Idempotent on (contract, period, runSeq): a second call writes
   * nothing and returns the same invoice id. A re-run with no change still records its (empty)
   * ADJUSTMENT invoice, so every run of a period leaves a trace.
   */
  async writeRunInvoice(input: WriteRunInvoiceInput): Promise<WriteRunInvoiceResult> {
    const period = input.rated.period;
    const invoiceId = runInvoiceId(input.contract.id, period, input.runSeq);
    const runKey = invoiceKeys.contractRun(input.contract.id, period, input.runSeq);
    const existing = await this.readRunRecord(runKey);
    if (existing) return this.replayed(existing, input);

    const invoice = buildRunInvoice({ ...input, id: invoiceId });
    const audit = { entityType: 'invoiceRun', aggregate: aggregateOf(invoiceId), actor: input.actor, updatedAt: input.at, version: 1 };
    const runRecord = {
      ...runKey,
      ...audit,
      invoiceId,
      contractId: invoice.contractId,
      advertiserId: invoice.advertiserId,
      currency: invoice.currency,
      period,
      runId: input.runId,
      runSeq: input.runSeq,
      kind: invoice.kind,
      total: invoice.total,
      lines: invoice.lines.map(lineFigures),
      partnerPayouts: invoice.partnerPayouts,
    };
    const payoutItems = invoice.partnerPayouts.map((p) => ({
      ...invoiceKeys.partnerPayout(invoice.contractId, period, input.runSeq, p.partnerId, p.chargeId),
      ...invoiceKeys.partnerPayoutByPartner(p.partnerId, period, invoice.contractId, p.chargeId, input.runSeq),
      ...audit,
      entityType: 'partnerPayout',
      partnerId: p.partnerId,
      contractId: invoice.contractId,
      advertiserId: invoice.advertiserId,
      chargeId: p.chargeId,
      period,
      runId: input.runId,
      runSeq: input.runSeq,
      invoiceId,
      currency: invoice.currency,
      amount: p.amount,
    } satisfies PayoutRecord & Record<string, unknown>));

    const notExists = { ConditionExpression: 'attribute_not_exists(pk)' };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: runRecord, ...notExists } },
            { Put: { TableName: this.tableName, Item: invoiceItem(invoice), ...notExists } },
            ...payoutItems.map((Item) => ({ Put: { TableName: this.tableName, Item, ...notExists } })),
          ],
        }),
      );
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes?.includes('ConditionalCheckFailed') && !codes?.includes('TransactionConflict')) throw error;
      // A concurrent execution of the same step won: its record is the result.
      const winner = await this.readRunRecord(runKey);
      if (!winner) throw new ConflictError(`the invoice of contract ${input.contract.id} ${period} run ${input.runSeq} is being written concurrently`, 'concurrent_write', { cause: error });
      return this.replayed(winner, input);
    }
    return { invoiceId, created: true, kind: invoice.kind, currency: invoice.currency, total: invoice.total };
  }

  private replayed(record: Record<string, unknown>, input: WriteRunInvoiceInput): WriteRunInvoiceResult {
    if (record.runId !== input.runId) {
      throw new ConflictError(
        `run ${input.runSeq} of ${input.rated.period} for contract ${input.contract.id} was already invoiced by run ${String(record.runId)}`,
        'run_already_invoiced',
      );
    }
    return {
      invoiceId: record.invoiceId as string,
      created: false,
      kind: record.kind as InvoiceKind,
      currency: record.currency as string,
      total: record.total as string,
    };
  }

  private async readRunRecord(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return Item;
  }

  /** Everything earlier runs invoiced for the contract, every period, for the engine (see prior-runs.ts for the void rule). */
  async loadPriorRuns(contractId: string): Promise<PriorRuns> {
    const records = await queryAll<RunRecord>(this.client, this.tableName, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': invoiceKeys.contractRunsPk(contractId), ':prefix': invoiceKeys.contractRunPrefix },
      ConsistentRead: true,
    });
    return toPriorRuns(records);
  }

  // --- Reading ---------------------------------------------------------------------------

  async getInvoice(id: string): Promise<Invoice | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: invoiceKeys.invoice(id), ConsistentRead: true }));
    return Item && Item.entityType === INVOICE_ENTITY ? toInvoice(Item) : undefined;
  }

  private async mustGet(id: string): Promise<Invoice> {
    const invoice = await this.getInvoice(id);
    if (!invoice) throw new NotFoundError('invoice', id);
    return invoice;
  }

  /**
   * Invoices newest period first, by Query only: gsi1 when an advertiser is given, gsi2
   * otherwise; period and status narrow the key prefix. Status without period is the one
   * case that filters, reading at most a bounded number of index pages per call.
   * Items are summaries (no lines): a page of 200 full invoices could exceed a response.
   */
  async listInvoices(input: ListInvoicesInput): Promise<{ items: InvoiceSummary[]; nextCursor: string | null }> {
    if (input.period !== undefined && !isPeriod(input.period)) throw new ValidationError('period must be YYYY-MM', [{ path: 'period', message: 'expected YYYY-MM' }]);
    const byAdvertiser = input.advertiserId !== undefined;
    const index = byAdvertiser ? INDEXES.byOwner : INDEXES.byCollection;
    const partition = byAdvertiser ? invoiceKeys.invoicesOfAdvertiser(input.advertiserId!).gsi1pk : invoiceKeys.allInvoices.gsi2pk;
    let prefix = byAdvertiser ? 'INVOICE#' : '';
    if (input.period) prefix += `${input.period}#${input.status ? `${input.status}#` : ''}`;
    const filterStatus = input.status !== undefined && input.period === undefined;

    const base: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: index.name,
      KeyConditionExpression: prefix ? '#ipk = :ipk AND begins_with(#isk, :prefix)' : '#ipk = :ipk',
      ExpressionAttributeNames: {
        '#ipk': index.partitionKey,
        ...(prefix ? { '#isk': index.sortKey } : {}),
        ...(filterStatus ? { '#status': 'status' } : {}),
      },
      ExpressionAttributeValues: {
        ':ipk': partition,
        ...(prefix ? { ':prefix': prefix } : {}),
        ...(filterStatus ? { ':status': input.status } : {}),
        ':invoice': INVOICE_ENTITY,
      },
      FilterExpression: filterStatus ? 'entityType = :invoice AND #status = :status' : 'entityType = :invoice',
      ScanIndexForward: false,
    };
    let startKey = decodeCursor(input.cursor, { [index.partitionKey]: partition });
    const items: InvoiceSummary[] = [];
    for (let page = 0; page < MAX_FILTERED_PAGES && items.length < input.limit; page++) {
      const out = await this.client.send(new QueryCommand({ ...base, Limit: input.limit - items.length, ExclusiveStartKey: startKey }));
      for (const item of out.Items ?? []) {
        const { lines, partnerPayouts: _payouts, ...rest } = toInvoice(item);
        items.push({ ...rest, lineCount: lines.length });
      }
      startKey = out.LastEvaluatedKey as Record<string, string> | undefined;
      if (!startKey) break;
    }
    return { items, nextCursor: encodeCursor(startKey) };
  }

  /** Every document of a period with its lines (the finance export), in index order. */
  async listPeriodInvoices(period: string): Promise<Invoice[]> {
    if (!isPeriod(period)) throw new ValidationError('period must be YYYY-MM', [{ path: 'period', message: 'expected YYYY-MM' }]);
    const items = await queryAll<Record<string, unknown>>(this.client, this.tableName, {
      IndexName: INDEXES.byCollection.name,
      KeyConditionExpression: '#ipk = :ipk AND begins_with(#isk, :prefix)',
      ExpressionAttributeNames: { '#ipk': INDEXES.byCollection.partitionKey, '#isk': INDEXES.byCollection.sortKey },
      ExpressionAttributeValues: { ':ipk': invoiceKeys.allInvoices.gsi2pk, ':prefix': `${period}#`, ':invoice': INVOICE_ENTITY },
      FilterExpression: 'entityType = :invoice',
    });
    return items.map(toInvoice);
  }

  // --- Transitions -----------------------------------------------------------------------

  /**
   * DRAFT -> FINALIZED with the next gapless number of the year, in ONE transaction: the
   * invoice update (condition: still DRAFT at the version read) and the counter increment
   * (condition: still at the value read). Another finalization moving the counter first
   * cancels the transaction and this one retries with the new value; nothing is consumed.
   */
  async finalizeInvoice(id: string, actor: string, expectedVersion?: number): Promise<Invoice> {
    for (let attempt = 1; ; attempt++) {
      const invoice = await this.mustGet(id);
      if (expectedVersion !== undefined && invoice.version !== expectedVersion) throw new PreconditionFailedError();
      const to = transition(invoice, InvoiceAction.FINALIZE);
      const at = this.clock.now().toISOString();
      const counter = await this.readCounter(sequenceOf(invoice.kind), numberingYear(at));
      const number = formatDocumentNumber(counter.sequence, counter.year, counter.value + 1);
      const next: Invoice = { ...invoice, status: to, number, finalizedAt: at, version: invoice.version + 1, updatedAt: at, actor };
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: this.transitionUpdate(invoice, next, { number, finalizedAt: at }) },
              { Update: this.counterUpdate(counter, number, id, actor, at) },
            ],
          }),
        );
        return next;
      } catch (error) {
        await this.afterCancelledTransition(error, attempt, id);
      }
    }
  }

  /**
   * FINALIZED -> VOID and a FINALIZED credit note with the next credit-note number, in ONE
   * transaction (invoice condition: still FINALIZED at the version read; the credit note must
   * not exist; the counter still at the value read).
   */
  async voidInvoice(id: string, actor: string, reason: string, expectedVersion?: number): Promise<{ invoice: Invoice; creditNote: Invoice }> {
    const trimmed = reason.trim();
    if (trimmed.length === 0 || trimmed.length > 1_000) throw new ValidationError('a void needs a reason of 1 to 1000 characters', [{ path: 'reason', message: '1 to 1000 characters' }]);
    for (let attempt = 1; ; attempt++) {
      const invoice = await this.mustGet(id);
      if (expectedVersion !== undefined && invoice.version !== expectedVersion) throw new PreconditionFailedError();
      const to = transition(invoice, InvoiceAction.VOID);
      const at = this.clock.now().toISOString();
      const counter = await this.readCounter(sequenceOf(InvoiceKind.CREDIT_NOTE), numberingYear(at));
      const number = formatDocumentNumber(counter.sequence, counter.year, counter.value + 1);
      const creditNote = buildCreditNote(invoice, { id: creditNoteIdFor(id), number, reason: trimmed, actor, at });
      const next: Invoice = { ...invoice, status: to, creditNoteId: creditNote.id, voidReason: trimmed, voidedAt: at, version: invoice.version + 1, updatedAt: at, actor };
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: this.transitionUpdate(invoice, next, { creditNoteId: creditNote.id, voidReason: trimmed, voidedAt: at }) },
              { Put: { TableName: this.tableName, Item: invoiceItem(creditNote), ConditionExpression: 'attribute_not_exists(pk)' } },
              { Update: this.counterUpdate(counter, number, creditNote.id, actor, at) },
            ],
          }),
        );
        return { invoice: next, creditNote };
      } catch (error) {
        await this.afterCancelledTransition(error, attempt, id);
      }
    }
  }

  /**
   * Changes annotation fields of a DRAFT. The condition `status = DRAFT` is part of the
   * UpdateItem itself, so once an invoice is FINALIZED (or VOID) DynamoDB refuses the write,
   * whatever the caller read before.
   */
  async updateDraftInvoice(id: string, patch: DraftPatch, actor: string, expectedVersion?: number): Promise<Invoice> {
    const fields = Object.entries(patch).filter(([name]) => name === 'memo' || name === 'purchaseOrder');
    for (const [name, value] of fields) {
      if (value !== null && (typeof value !== 'string' || value.length > 1_000)) throw new ValidationError(`${name} is at most 1000 characters`, [{ path: name, message: 'at most 1000 characters' }]);
    }
    const at = this.clock.now().toISOString();
    const names: Record<string, string> = { '#status': 'status', '#version': 'version' };
    const values: Record<string, unknown> = { ':draft': InvoiceStatus.DRAFT, ':one': 1, ':at': at, ':actor': actor };
    const sets = ['#version = #version + :one', 'updatedAt = :at', 'actor = :actor'];
    fields.forEach(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    });
    let condition = 'attribute_exists(pk) AND #status = :draft';
    if (expectedVersion !== undefined) {
      condition += ' AND #version = :expected';
      values[':expected'] = expectedVersion;
    }
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: invoiceKeys.invoice(id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toInvoice(out.Attributes ?? {});
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const current = await this.mustGet(id);
      if (current.status !== InvoiceStatus.DRAFT) {
        throw new ConflictError(`invoice ${id} is ${current.status} and can no longer change`, 'invoice_immutable', { cause: error });
      }
      throw new PreconditionFailedError();
    }
  }

  private transitionUpdate(from: Invoice, to: Invoice, extra: Record<string, string>) {
    const rule = Object.values(INVOICE_TRANSITIONS).find((r) => r.from === from.status && r.to === to.status);
    if (!rule) throw new ConflictError(`no transition ${from.status} -> ${to.status}`, 'illegal_transition');
    const idx = indexKeys(to);
    const names: Record<string, string> = { '#status': 'status', '#version': 'version', '#number': 'number' };
    const values: Record<string, unknown> = {
      ':from': rule.from,
      ':to': rule.to,
      ':expected': from.version,
      ':next': to.version,
      ':at': to.updatedAt,
      ':actor': to.actor,
      ':gsi1sk': idx.gsi1sk,
      ':gsi2sk': idx.gsi2sk,
    };
    // Only status fields move; lines, totals and (once taken) the number are never in a SET.
    const sets = ['#status = :to', '#version = :next', 'updatedAt = :at', 'actor = :actor', 'gsi1sk = :gsi1sk', 'gsi2sk = :gsi2sk'];
    for (const [name, value] of Object.entries(extra)) {
      const placeholder = name === 'number' ? '#number' : name;
      sets.push(`${placeholder} = :x_${name}`);
      values[`:x_${name}`] = value;
    }
    return {
      TableName: this.tableName,
      Key: invoiceKeys.invoice(from.id),
      UpdateExpression: `SET ${sets.join(', ')}`,
      // The number may only be set once: a DRAFT has none.
      ConditionExpression:
        rule.from === InvoiceStatus.DRAFT
          ? '#status = :from AND #version = :expected AND (attribute_not_exists(#number) OR attribute_type(#number, :nullType))'
          : '#status = :from AND #version = :expected',
      ExpressionAttributeNames: rule.from === InvoiceStatus.DRAFT ? names : { '#status': 'status', '#version': 'version' },
      ExpressionAttributeValues: rule.from === InvoiceStatus.DRAFT ? { ...values, ':nullType': 'NULL' } : values,
    };
  }

  private async readCounter(sequence: NumberSequence, year: number): Promise<{ sequence: NumberSequence; year: number; value: number }> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: invoiceKeys.documentCounter(sequence, year), ConsistentRead: true }));
    return { sequence, year, value: typeof Item?.value === 'number' ? Item.value : 0 };
  }

  private counterUpdate(counter: { sequence: NumberSequence; year: number; value: number }, number: string, documentId: string, actor: string, at: string) {
    return {
      TableName: this.tableName,
      Key: invoiceKeys.documentCounter(counter.sequence, counter.year),
      UpdateExpression: 'SET #value = :next, lastNumber = :number, lastDocumentId = :doc, actor = :actor, updatedAt = :at, #version = :next, entityType = :type, #aggregate = :aggregate',
      ConditionExpression: counter.value === 0 ? 'attribute_not_exists(pk)' : '#value = :current',
      ExpressionAttributeNames: { '#value': 'value', '#version': 'version', '#aggregate': 'aggregate' },
      ExpressionAttributeValues: {
        ':next': counter.value + 1,
        ...(counter.value === 0 ? {} : { ':current': counter.value }),
        ':number': number,
        ':doc': documentId,
        ':actor': actor,
        ':at': at,
        ':type': 'documentCounter',
        ':aggregate': `documentNumbers#${counter.sequence}-${counter.year}`,
      },
    };
  }

  /**
   * A cancelled transition: the invoice moved (re-read: the next attempt reports the 409/412),
   * or another document took the number first (retry with jitter). Other errors propagate.
   */
  private async afterCancelledTransition(error: unknown, attempt: number, id: string): Promise<void> {
    const codes = cancellationCodes(error);
    if (!codes) throw error;
    if (attempt >= MAX_NUMBERING_ATTEMPTS) {
      throw new ConflictError(`invoice ${id}: could not take a document number after ${attempt} attempts; retry`, 'numbering_contention', { cause: error });
    }
    await pause(Math.floor(Math.random() * Math.min(200, 10 * attempt)));
  }

  // --- Partner statements ----------------------------------------------------------------

  /** A partner's payouts for a period: per contract and charge, the first run's payout plus every re-run's change. */
  async listPartnerStatement(partnerId: string, period: string): Promise<PartnerStatement> {
    if (!isPeriod(period)) throw new ValidationError('period must be YYYY-MM', [{ path: 'period', message: 'expected YYYY-MM' }]);
    const records = await queryAll<PayoutRecord>(this.client, this.tableName, {
      IndexName: INDEXES.byOwner.name,
      KeyConditionExpression: '#ipk = :ipk AND begins_with(#isk, :prefix)',
      ExpressionAttributeNames: { '#ipk': INDEXES.byOwner.partitionKey, '#isk': INDEXES.byOwner.sortKey },
      ExpressionAttributeValues: { ':ipk': invoiceKeys.partnerPayoutsPk(partnerId), ':prefix': `${period}#` },
    });
    const lines = new Map<string, PartnerStatementLine & { sum: Big }>();
    for (const r of records) {
      const key = `${r.contractId}\n${r.chargeId}`;
      const line = lines.get(key) ?? { contractId: r.contractId, advertiserId: r.advertiserId, chargeId: r.chargeId, currency: r.currency, amount: '', runs: [], sum: new Big(0) };
      line.sum = line.sum.plus(parseAmount(r.amount, r.currency));
      line.runs.push({ runId: r.runId, runSeq: r.runSeq, invoiceId: r.invoiceId, amount: r.amount });
      lines.set(key, line);
    }
    const totals = new Map<string, Big>();
    const out: PartnerStatementLine[] = [...lines.values()].map(({ sum, ...line }) => {
      totals.set(line.currency, (totals.get(line.currency) ?? new Big(0)).plus(sum));
      return { ...line, amount: formatAmount(sum, line.currency), runs: line.runs.sort((a, b) => a.runSeq - b.runSeq) };
    });
    return {
      partnerId,
      period,
      lines: out,
      totals: [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, sum]) => ({ currency, amount: formatAmount(sum, currency) })),
    };
  }
}

export type { Invoice, InvoiceLine };
