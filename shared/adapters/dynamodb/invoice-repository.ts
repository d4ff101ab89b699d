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
/**
 * Invoices, credit notes and partner payout records on the one table: the InvoiceStore of the
 * invoice use cases (shared/domain/invoices), which decide everything; this adapter translates
 * their commits into conditional transactions and their reads into Gets and Queries.
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
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, TooLargeError, ValidationError } from '../../domain/kernel/errors';
import { isPeriod } from '../../domain/kernel/calendar';
import type { PriorRuns } from '../../domain/billing/types';
import { InvoiceStatus, INVOICE_TRANSITIONS, lineFigures, type Invoice, type InvoiceLine } from '../../domain/invoices/invoice';
import type { NumberSequence } from '../../domain/invoices/numbering';
import { toPriorRuns } from '../../domain/invoices/prior-runs';
import { partnerStatement, type PartnerStatement } from '../../domain/invoices/partner-statement';
import { TRANSITION_FIELDS, type InvoiceChange, type InvoiceStore, type NumberTaken, type PayoutLookup, type PayoutRecord, type RunRecord } from '../../domain/invoices/store';
import { decodeCursor, encodeCursor } from './cursor';
import { queryAll } from './query-all';
import { queryAllShards, queryShardsPage, type ShardedQuery } from './sharded-index';
import { INDEXES, invoiceKeys } from './table';

export const INVOICE_ENTITY = 'invoice';
const aggregateOf = (invoiceId: string) => `invoice#${invoiceId}`;

/** Stay clear of DynamoDB's 400 KB item limit (attribute names and list overhead included). */
const MAX_ITEM_JSON_CHARS = 350_000;
/** A filtered list page reads at most this many index pages before returning its cursor. */
const MAX_FILTERED_PAGES = 10;

export type InvoiceSummary = Omit<Invoice, 'lines' | 'partnerPayouts'> & { lineCount: number };

export interface ListInvoicesInput {
  advertiserId?: string;
  period?: string;
  status?: InvoiceStatus;
  limit: number;
  cursor?: string;
}

const INVOICE_ITEM_KEYS = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'entityType', 'aggregate'] as const;

function indexKeys(inv: Pick<Invoice, 'advertiserId' | 'period' | 'status' | 'createdAt' | 'id'>) {
  return {
    ...invoiceKeys.invoiceByAdvertiser(inv.advertiserId, inv.period, inv.status, inv.createdAt, inv.id),
    ...invoiceKeys.invoiceByPeriod(inv.period, inv.status, inv.createdAt, inv.id),
  };
}

/** Lines up to this much JSON stay inside the invoice item; more go to line items of their own. */
const INLINE_LINES_MAX_CHARS = 100_000;
/** JSON per line item: well inside an item, and inside an audit entry holding one image. */
const LINE_CHUNK_MAX_CHARS = 100_000;
const LINE_CHUNK_PREFIX = 'LINES#';
const LINE_CHUNK_ENTITY = 'invoiceLines';

/** Where an invoice's lines are when they are not inside its item. */
interface LineChunksRef {
  chunks: number;
  count: number;
}

/** The lines in chunks of bounded JSON size, in line order. */
function chunkLines(lines: readonly InvoiceLine[]): InvoiceLine[][] {
  const chunks: InvoiceLine[][] = [];
  let current: InvoiceLine[] = [];
  let size = 0;
  for (const line of lines) {
    const chars = JSON.stringify(line).length + 1;
    if (current.length > 0 && size + chars > LINE_CHUNK_MAX_CHARS) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(line);
    size += chars;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * The invoice item, and the line items when its lines are too large to sit inside it: any
 * number of lines is stored, each item stays far from the 400 KB limit. Line items are written
 * once, before the item that names them, and never change (a credit note has its own).
 */
function invoiceItems(inv: Invoice): { item: Record<string, unknown>; lineItems: Record<string, unknown>[] } {
  const base = { ...invoiceKeys.invoice(inv.id), ...indexKeys(inv), entityType: INVOICE_ENTITY, aggregate: aggregateOf(inv.id) };
  if (JSON.stringify(inv.lines).length <= INLINE_LINES_MAX_CHARS) {
    const item = { ...base, ...inv };
    if (JSON.stringify(item).length > MAX_ITEM_JSON_CHARS) throw new TooLargeError(`invoice ${inv.id} does not fit one item`);
    return { item, lineItems: [] };
  }
  const chunks = chunkLines(inv.lines);
  const { lines: _lines, ...header } = inv;
  const ref: LineChunksRef = { chunks: chunks.length, count: inv.lines.length };
  const lineItems = chunks.map((lines, i) => ({
    pk: invoiceKeys.invoice(inv.id).pk,
    sk: `${LINE_CHUNK_PREFIX}${String(i + 1).padStart(5, '0')}`,
    entityType: LINE_CHUNK_ENTITY,
    aggregate: aggregateOf(inv.id),
    actor: inv.actor,
    updatedAt: inv.updatedAt,
    version: 1,
    lines,
  }));
  return { item: { ...base, ...header, lineChunks: ref }, lineItems };
}

/** The invoice without its lines (they are inside the item, or in line items named by `lineChunks`). */
function toInvoice(item: Record<string, unknown>): Invoice {
  const copy: Record<string, unknown> = { ...item };
  for (const key of INVOICE_ITEM_KEYS) delete copy[key];
  delete copy.lineChunks;
  if (!Array.isArray(copy.lines)) copy.lines = [];
  // Documents written before tax and bill-to existed: untaxed, their total is their taxable total.
  copy.taxableTotal ??= copy.total;
  copy.tax ??= null;
  copy.billTo ??= null;
  return copy as unknown as Invoice;
}

const lineChunksOf = (item: Record<string, unknown>) => item.lineChunks as LineChunksRef | undefined;

/** The run record; lines too large for it are read back from the run's invoice (`linesInInvoice`). */
function runRecordItem(run: RunRecord, stamp: { actor: string; updatedAt: string }): Record<string, unknown> {
  const inline = JSON.stringify(run.lines).length <= INLINE_LINES_MAX_CHARS;
  return {
    ...invoiceKeys.contractRun(run.contractId, run.period, run.runSeq),
    entityType: 'invoiceRun',
    aggregate: aggregateOf(run.invoiceId),
    ...stamp,
    version: 1,
    ...run,
    ...(inline ? {} : { lines: [], linesInInvoice: true }),
  };
}

function payoutItem(p: PayoutRecord, stamp: { actor: string; updatedAt: string }): Record<string, unknown> {
  return {
    ...invoiceKeys.partnerPayout(p.contractId, p.period, p.runSeq, p.partnerId, p.chargeId),
    ...invoiceKeys.partnerPayoutByPartner(p.partnerId, p.period, p.contractId, p.chargeId, p.runSeq),
    entityType: 'partnerPayout',
    aggregate: aggregateOf(p.invoiceId),
    ...stamp,
    version: 1,
    ...p,
  };
}

const RUN_RECORD_KEYS = ['pk', 'sk', 'entityType', 'aggregate', 'actor', 'updatedAt', 'version', 'linesInInvoice'] as const;

/** Where an invoice's run record is: the run's, or a reissued draft's own. */
function runRecordKeyOf(invoice: Pick<Invoice, 'id' | 'contractId' | 'period' | 'runSeq' | 'reissueOf'>) {
  return invoice.reissueOf
    ? invoiceKeys.reissueRun(invoice.contractId, invoice.period, invoice.runSeq, invoice.id)
    : invoiceKeys.contractRun(invoice.contractId, invoice.period, invoice.runSeq);
}

function toRunRecord(item: Record<string, unknown>): RunRecord {
  const copy: Record<string, unknown> = { ...item };
  for (const key of RUN_RECORD_KEYS) delete copy[key];
  return copy as unknown as RunRecord;
}

/** A commit whose conditions no longer held: the domain re-reads and decides (replay, 409, 412, retry). */
function isConditionFailure(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
  return codes.includes('ConditionalCheckFailed') || codes.includes('TransactionConflict');
}

export class InvoiceRepository implements InvoiceStore, PayoutLookup {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  // --- The store port --------------------------------------------------------------------

  async getRunRecord(contractId: string, period: string, runSeq: number): Promise<RunRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: invoiceKeys.contractRun(contractId, period, runSeq), ConsistentRead: true }));
    return Item ? toRunRecord(Item) : undefined;
  }

  async getRunRecordOf(invoice: Pick<Invoice, 'id' | 'contractId' | 'period' | 'runSeq' | 'reissueOf'>): Promise<RunRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: runRecordKeyOf(invoice), ConsistentRead: true }));
    return Item ? toRunRecord(Item) : undefined;
  }

  async readCounter(sequence: NumberSequence, year: number): Promise<number> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: invoiceKeys.documentCounter(sequence, year), ConsistentRead: true }));
    return typeof Item?.value === 'number' ? Item.value : 0;
  }

  async commit(change: InvoiceChange): Promise<void> {
    const notExists = { ConditionExpression: 'attribute_not_exists(pk)' };
    const put = (Item: Record<string, unknown>) => ({ Put: { TableName: this.tableName, Item, ...notExists } });
    let items: Record<string, unknown>[];
    switch (change.kind) {
      case 'RUN_INVOICED': {
        const stamp = { actor: change.invoice.actor, updatedAt: change.invoice.updatedAt };
        const { item, lineItems } = invoiceItems(change.invoice);
        await this.putLineItems(lineItems);
        items = [put(runRecordItem(change.run, stamp)), put(item), ...change.payouts.map((p) => put(payoutItem(p, stamp)))];
        break;
      }
      case 'TRANSITION': {
        const credit = change.creditNote ? invoiceItems(change.creditNote) : undefined;
        if (credit) await this.putLineItems(credit.lineItems);
        items = [
          { Update: this.transitionUpdate(change.from, change.next) },
          ...(credit ? [put(credit.item)] : []),
          { Update: this.counterUpdate(change.numberTaken) },
        ];
        break;
      }
      case 'ANNOTATION':
        items = [{ Update: this.annotationUpdate(change.from, change.next, change.fields) }];
        break;
      case 'DISCARD':
        items = await this.discardItems(change.from, change.next);
        break;
      case 'PAYMENT':
        items = [
          {
            Update: {
              TableName: this.tableName,
              Key: invoiceKeys.invoice(change.from.id),
              UpdateExpression: 'SET payments = :payments, amountPaid = :paid, #version = :next, updatedAt = :at, actor = :actor',
              ConditionExpression: '#status = :finalized AND #version = :expected',
              ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
              ExpressionAttributeValues: {
                ':payments': change.next.payments ?? [],
                ':paid': change.next.amountPaid ?? '0',
                ':next': change.next.version,
                ':at': change.next.updatedAt,
                ':actor': change.next.actor,
                ':finalized': InvoiceStatus.FINALIZED,
                ':expected': change.from.version,
              },
            },
          },
        ];
        break;
      case 'REISSUE': {
        const stamp = { actor: change.invoice.actor, updatedAt: change.invoice.updatedAt };
        const { item, lineItems } = invoiceItems(change.invoice);
        await this.putLineItems(lineItems);
        items = [
          put(item),
          { Put: { TableName: this.tableName, Item: { ...runRecordItem(change.run, stamp), ...runRecordKeyOf(change.invoice) }, ...notExists } },
          {
            Update: {
              TableName: this.tableName,
              Key: runRecordKeyOf(change.voided),
              UpdateExpression: 'SET replacedBy = :by, actor = :actor, updatedAt = :at ADD #version :one',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(replacedBy)',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':by': change.invoice.id, ':actor': stamp.actor, ':at': stamp.updatedAt, ':one': 1 },
            },
          },
          {
            ConditionCheck: {
              TableName: this.tableName,
              Key: invoiceKeys.invoice(change.voided.id),
              ConditionExpression: '#status = :void',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':void': InvoiceStatus.VOID },
            },
          },
        ];
        break;
      }
    }
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items as never }));
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError('the invoice or its document counter changed since it was read', 'concurrent_update', { cause: error });
      throw error;
    }
  }

  /**
   * Discarding a DRAFT: the invoice (still a DRAFT at the version read), its run record and its
   * payout records marked discarded, so neither re-runs nor partner statements count them; a
   * discarded reissue hands the voided invoice's record its place back.
   */
  private async discardItems(from: Invoice, next: Invoice): Promise<Record<string, unknown>[]> {
    const stamp = { ':actor': next.actor, ':at': next.updatedAt, ':one': 1, ':yes': true };
    const mark = (Key: Record<string, string>) => ({
      Update: {
        TableName: this.tableName,
        Key,
        UpdateExpression: 'SET discarded = :yes, actor = :actor, updatedAt = :at ADD #version :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: stamp,
      },
    });
    const payouts = from.reissueOf
      ? []
      : from.partnerPayouts.map((p) => mark(invoiceKeys.partnerPayout(from.contractId, from.period, from.runSeq, p.partnerId, p.chargeId)));
    const restore = from.reissueOf
      ? [
          {
            Update: {
              TableName: this.tableName,
              Key: runRecordKeyOf({ ...from, id: from.reissueOf, reissueOf: (await this.getInvoice(from.reissueOf))?.reissueOf }),
              UpdateExpression: 'REMOVE replacedBy SET actor = :actor, updatedAt = :at ADD #version :one',
              ConditionExpression: 'replacedBy = :self',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':actor': next.actor, ':at': next.updatedAt, ':one': 1, ':self': from.id },
            },
          },
        ]
      : [];
    return [{ Update: this.transitionUpdate(from, next) }, mark(runRecordKeyOf(from)), ...payouts, ...restore];
  }

  /**
   * Line items are written before the transaction that creates the invoice naming them; their
   * content is fixed by the invoice id (the run's result, or the voided invoice's lines negated),
   * so a repeated write finds them already there and changes nothing.
   */
  private async putLineItems(lineItems: readonly Record<string, unknown>[]): Promise<void> {
    for (const Item of lineItems) {
      try {
        await this.client.send(new PutCommand({ TableName: this.tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' }));
      } catch (error) {
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      }
    }
  }

  /** The invoice item's lines: inside it, or read from its line items. */
  private async withLines(item: Record<string, unknown>): Promise<Invoice> {
    const invoice = toInvoice(item);
    const ref = lineChunksOf(item);
    if (!ref) return invoice;
    const chunks = await queryAll<Record<string, unknown>>(this.client, this.tableName, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': invoiceKeys.invoice(invoice.id).pk, ':prefix': LINE_CHUNK_PREFIX },
      ConsistentRead: true,
    });
    const lines = chunks.slice(0, ref.chunks).flatMap((c) => c.lines as InvoiceLine[]);
    if (chunks.length < ref.chunks || lines.length !== ref.count) throw new Error(`invoice ${invoice.id}: ${lines.length} of its ${ref.count} lines were found`);
    return { ...invoice, lines };
  }

  /** Everything earlier runs invoiced for the contract, every period, for the engine (see prior-runs.ts for the void rule). */
  async loadPriorRuns(contractId: string, options: { excludeInvoiceId?: string } = {}): Promise<PriorRuns> {
    const all = await this.contractRunItems(contractId);
    // Discarded and replaced runs are left out by toPriorRuns; a reissue also leaves out the run it corrects.
    return this.priorRunsOf(options.excludeInvoiceId === undefined ? all : all.filter((r) => r.invoiceId !== options.excludeInvoiceId));
  }

  /**
   * What a billing run's step needs of the contract's runs, in one Query: every earlier run
   * (PriorRuns, as loadPriorRuns) and the record of run `runSeq` of `period` if a previous
   * attempt of the step already wrote it (getRunRecord).
   */
  async loadRunHistory(contractId: string, period: string, runSeq: number): Promise<{ prior: PriorRuns; recorded: RunRecord | undefined }> {
    const all = await this.contractRunItems(contractId);
    const { sk } = invoiceKeys.contractRun(contractId, period, runSeq);
    const recorded = all.find((item) => item.sk === sk);
    return { prior: await this.priorRunsOf(all), recorded: recorded ? toRunRecord(recorded) : undefined };
  }

  private contractRunItems(contractId: string): Promise<Record<string, unknown>[]> {
    return queryAll<Record<string, unknown>>(this.client, this.tableName, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': invoiceKeys.contractRunsPk(contractId), ':prefix': invoiceKeys.contractRunPrefix },
      ConsistentRead: true,
    });
  }

  private async priorRunsOf(records: readonly Record<string, unknown>[]): Promise<PriorRuns> {
    const runs = await Promise.all(
      records.map(async (record) => {
        const run = toRunRecord(record);
        if (record.linesInInvoice !== true) return run;
        const invoice = await this.getInvoice(run.invoiceId);
        if (!invoice) throw new Error(`run record of ${run.contractId} ${run.period} run ${run.runSeq} names invoice ${run.invoiceId}, which is missing`);
        return { ...run, lines: invoice.lines.map(lineFigures) };
      }),
    );
    return toPriorRuns(runs);
  }

  // --- Reading ---------------------------------------------------------------------------

  async getInvoice(id: string): Promise<Invoice | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: invoiceKeys.invoice(id), ConsistentRead: true }));
    return Item && Item.entityType === INVOICE_ENTITY ? this.withLines(Item) : undefined;
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
    let prefix = byAdvertiser ? 'INVOICE#' : '';
    if (input.period) prefix += `${input.period}#${input.status ? `${input.status}#` : ''}`;
    const filterStatus = input.status !== undefined && input.period === undefined;

    const query = {
      KeyConditionExpression: prefix ? '#ipk = :ipk AND begins_with(#isk, :prefix)' : '#ipk = :ipk',
      ExpressionAttributeNames: {
        '#ipk': index.partitionKey,
        ...(prefix ? { '#isk': index.sortKey } : {}),
        ...(filterStatus ? { '#status': 'status' } : {}),
      },
      ExpressionAttributeValues: {
        ...(prefix ? { ':prefix': prefix } : {}),
        ...(filterStatus ? { ':status': input.status } : {}),
        ':invoice': INVOICE_ENTITY,
      },
      FilterExpression: filterStatus ? 'entityType = :invoice AND #status = :status' : 'entityType = :invoice',
    };
    const summary = (item: Record<string, unknown>): InvoiceSummary => {
      const { lines, partnerPayouts: _payouts, ...rest } = toInvoice(item);
      return { ...rest, lineCount: lineChunksOf(item)?.count ?? lines.length };
    };
    if (!byAdvertiser) {
      // Across advertisers: the invoice index's shards, merged newest period first.
      const page = await queryShardsPage<Record<string, unknown>>(
        { client: this.client, tableName: this.tableName, index, partitions: invoiceKeys.allInvoicePartitions, query, descending: true },
        { limit: input.limit, cursor: input.cursor, maxRounds: MAX_FILTERED_PAGES },
      );
      return { items: page.items.map(summary), nextCursor: page.nextCursor };
    }
    const partition = invoiceKeys.invoicesOfAdvertiser(input.advertiserId!).gsi1pk;
    const base: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: index.name,
      ...query,
      ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ':ipk': partition },
      ScanIndexForward: false,
    };
    let startKey = decodeCursor(input.cursor, { [index.partitionKey]: partition });
    const items: InvoiceSummary[] = [];
    for (let page = 0; page < MAX_FILTERED_PAGES && items.length < input.limit; page++) {
      const out = await this.client.send(new QueryCommand({ ...base, Limit: input.limit - items.length, ExclusiveStartKey: startKey }));
      for (const item of out.Items ?? []) items.push(summary(item));
      startKey = out.LastEvaluatedKey as Record<string, string> | undefined;
      if (!startKey) break;
    }
    return { items, nextCursor: encodeCursor(startKey) };
  }

  /**
   * Every FINALIZED document, every period, without lines (receivables aging): the invoice
   * index read whole with a filter, so its cost grows with the number of invoices ever issued.
   */
  async listFinalizedDocuments(): Promise<InvoiceSummary[]> {
    const items = await queryAllShards<Record<string, unknown>>({
      client: this.client,
      tableName: this.tableName,
      index: INDEXES.byCollection,
      partitions: invoiceKeys.allInvoicePartitions,
      query: {
        KeyConditionExpression: '#ipk = :ipk',
        ExpressionAttributeNames: { '#ipk': INDEXES.byCollection.partitionKey, '#status': 'status' },
        ExpressionAttributeValues: { ':invoice': INVOICE_ENTITY, ':finalized': InvoiceStatus.FINALIZED },
        FilterExpression: 'entityType = :invoice AND #status = :finalized',
      },
    });
    return items.map((item) => {
      const { lines, partnerPayouts: _payouts, ...rest } = toInvoice(item);
      return { ...rest, lineCount: lineChunksOf(item)?.count ?? lines.length };
    });
  }

  /**
   * The period's documents with their lines, `pageSize` at a time (the finance export), in the
   * invoice index's order (status, creation, id) merged across its shards.
   */
  async *pagePeriodInvoices(period: string, pageSize = 100): AsyncIterable<Invoice[]> {
    const spec = this.periodInvoicesQuery(period);
    let cursor: string | undefined;
    do {
      const page = await queryShardsPage<Record<string, unknown>>(spec, { limit: pageSize, cursor });
      if (page.items.length > 0) yield await Promise.all(page.items.map((item) => this.withLines(item)));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** Every document of a period with its lines (the finance export), in index order. */
  async listPeriodInvoices(period: string): Promise<Invoice[]> {
    const items = await queryAllShards<Record<string, unknown>>(this.periodInvoicesQuery(period));
    return Promise.all(items.map((item) => this.withLines(item)));
  }

  /** The period's documents on the sharded invoice index (credit notes included, lines not). */
  private periodInvoicesQuery(period: string): ShardedQuery {
    if (!isPeriod(period)) throw new ValidationError('period must be YYYY-MM', [{ path: 'period', message: 'expected YYYY-MM' }]);
    return {
      client: this.client,
      tableName: this.tableName,
      index: INDEXES.byCollection,
      partitions: invoiceKeys.allInvoicePartitions,
      query: {
        KeyConditionExpression: '#ipk = :ipk AND begins_with(#isk, :prefix)',
        ExpressionAttributeNames: { '#ipk': INDEXES.byCollection.partitionKey, '#isk': INDEXES.byCollection.sortKey },
        ExpressionAttributeValues: { ':prefix': `${period}#`, ':invoice': INVOICE_ENTITY },
        FilterExpression: 'entityType = :invoice',
      },
    };
  }

  // --- Translating status changes ------------------------------------------------------

  /** The status change as an UpdateItem: only TRANSITION_FIELDS move; lines, totals and (once taken) the number are never in a SET. */
  private transitionUpdate(from: Invoice, to: Invoice) {
    const rule = Object.values(INVOICE_TRANSITIONS).find((r) => r.from === from.status && r.to === to.status);
    if (!rule) throw new ConflictError(`no transition ${from.status} -> ${to.status}`, 'illegal_transition');
    const idx = indexKeys(to);
    const names: Record<string, string> = { '#status': 'status', '#version': 'version' };
    const values: Record<string, unknown> = { ':from': rule.from, ':expected': from.version, ':gsi1sk': idx.gsi1sk, ':gsi2sk': idx.gsi2sk };
    const sets = ['gsi1sk = :gsi1sk', 'gsi2sk = :gsi2sk'];
    for (const field of TRANSITION_FIELDS) {
      const value = to[field];
      if (value === undefined || value === from[field]) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    let condition = '#status = :from AND #version = :expected';
    if (rule.from === InvoiceStatus.DRAFT) {
      // The number may only be set once: a DRAFT has none.
      names['#number'] = 'number';
      values[':nullType'] = 'NULL';
      condition += ' AND (attribute_not_exists(#number) OR attribute_type(#number, :nullType))';
    }
    return {
      TableName: this.tableName,
      Key: invoiceKeys.invoice(from.id),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  private annotationUpdate(from: Invoice, to: Invoice, fields: readonly string[]) {
    const names: Record<string, string> = { '#status': 'status', '#version': 'version' };
    const values: Record<string, unknown> = { ':draft': InvoiceStatus.DRAFT, ':expected': from.version, ':next': to.version, ':at': to.updatedAt, ':actor': to.actor };
    const sets = ['#version = :next', 'updatedAt = :at', 'actor = :actor'];
    fields.forEach((name, i) => {
      names[`#f${i}`] = name;
      values[`:f${i}`] = (to as unknown as Record<string, unknown>)[name] ?? null;
      sets.push(`#f${i} = :f${i}`);
    });
    return {
      TableName: this.tableName,
      Key: invoiceKeys.invoice(from.id),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_exists(pk) AND #status = :draft AND #version = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  private counterUpdate(taken: NumberTaken) {
    const first = taken.previous === 0;
    return {
      TableName: this.tableName,
      Key: invoiceKeys.documentCounter(taken.sequence, taken.year),
      UpdateExpression: 'SET #value = :next, lastNumber = :number, lastDocumentId = :doc, actor = :actor, updatedAt = :at, #version = :next, entityType = :type, #aggregate = :aggregate',
      ConditionExpression: first ? 'attribute_not_exists(pk)' : '#value = :current',
      ExpressionAttributeNames: { '#value': 'value', '#version': 'version', '#aggregate': 'aggregate' },
      ExpressionAttributeValues: {
        ':next': taken.previous + 1,
        ...(first ? {} : { ':current': taken.previous }),
        ':number': taken.number,
        ':doc': taken.documentId,
        ':actor': taken.actor,
        ':at': taken.at,
        ':type': 'documentCounter',
        ':aggregate': `documentNumbers#${taken.sequence}-${taken.year}`,
      },
    };
  }

  // --- Partner payouts -------------------------------------------------------------------

  async listPartnerPayouts(partnerId: string, period: string): Promise<PayoutRecord[]> {
    const items = await queryAll<Record<string, unknown>>(this.client, this.tableName, {
      IndexName: INDEXES.byOwner.name,
      KeyConditionExpression: '#ipk = :ipk AND begins_with(#isk, :prefix)',
      ExpressionAttributeNames: { '#ipk': INDEXES.byOwner.partitionKey, '#isk': INDEXES.byOwner.sortKey },
      ExpressionAttributeValues: { ':ipk': invoiceKeys.partnerPayoutsPk(partnerId), ':prefix': `${period}#` },
    });
    // A discarded draft's payouts were never owed.
    return items.filter((i) => i.discarded !== true).map((i) => ({
      partnerId: i.partnerId as string,
      contractId: i.contractId as string,
      advertiserId: i.advertiserId as string,
      chargeId: i.chargeId as string,
      period: i.period as string,
      runId: i.runId as string,
      runSeq: i.runSeq as number,
      invoiceId: i.invoiceId as string,
      currency: i.currency as string,
      amount: i.amount as string,
    }));
  }

  /** A partner's payouts for a period, summed by the domain (partner-statement.ts). */
  async listPartnerStatement(partnerId: string, period: string): Promise<PartnerStatement> {
    if (!isPeriod(period)) throw new ValidationError('period must be YYYY-MM', [{ path: 'period', message: 'expected YYYY-MM' }]);
    return partnerStatement({ payouts: this }, partnerId, period);
  }
}

export type { Invoice, InvoiceLine };
