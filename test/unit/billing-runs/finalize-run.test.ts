/** Finalizing a run's drafts against in-memory stores: numbering order, idempotence, per-invoice failures, the time budget. */
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { ValidationError } from '../../../shared/domain/kernel/errors';
import { finalizeRun, type FinalizationStore, type RunFinalization } from '../../../shared/domain/billing-runs/finalize-run';
import { newRun, RunStatus, type BillingRun, type RunInvoice } from '../../../shared/domain/billing-runs/run';
import { writeRunInvoice } from '../../../shared/domain/invoices/write-run-invoice';
import { finalizeInvoice } from '../../../shared/domain/invoices/finalize-invoice';
import { MemoryInvoiceStore } from '../invoices/memory-store';
import { january } from '../invoices/fixtures';

const clock = fixedClock('2027-02-05T09:00:00.000Z');

class MemoryRuns implements FinalizationStore {
  run: BillingRun = { ...newRun({ id: 'run-1', period: '2027-01', runSeq: 1, contractIds: null, startedAt: '2027-02-03T00:00:00.000Z', actor: 'fiona' }), status: RunStatus.SUCCEEDED };
  invoices: RunInvoice[] = [];
  saved: RunFinalization[] = [];
  async getRun(id: string) {
    return id === this.run.id ? this.run : null;
  }
  async listRunInvoices() {
    return this.invoices;
  }
  async getFinalization() {
    return this.saved.at(-1) ?? null;
  }
  async saveFinalization(f: RunFinalization) {
    this.saved.push(structuredClone(f));
  }
}

let store: MemoryInvoiceStore;
let runs: MemoryRuns;
const deps = () => ({ runs, invoices: { store, clock, backoff: async () => undefined }, clock });

async function seed(count: number) {
  for (let i = 1; i <= count; i++) {
    const contract = { id: `c-${String(i).padStart(2, '0')}`, advertiserId: 'adv-1', currency: 'USD' };
    const written = await writeRunInvoice({ store }, { runId: 'run-1', runSeq: 1, contract, rated: january, actor: 'system:billing-run', at: '2027-02-03T01:00:00.000Z' });
    runs.invoices.push({ contractId: contract.id, invoiceId: written.invoiceId, currency: 'USD', total: written.total });
  }
}

beforeEach(() => {
  store = new MemoryInvoiceStore();
  runs = new MemoryRuns();
});

describe('finalizeRun', () => {
  it('finalizes every draft in contract order with consecutive numbers, and a second pass changes nothing', async () => {
    await seed(12);
    const result = await finalizeRun(deps(), { runId: 'run-1', actor: 'fiona' });
    expect(result).toMatchObject({ status: 'SUCCEEDED', progress: { done: 12, total: 12 }, finalized: 12, failures: [], passes: 1 });
    const numbers = await Promise.all(runs.invoices.map(async (i) => (await store.getInvoice(i.invoiceId))!.number));
    expect(numbers).toEqual(Array.from({ length: 12 }, (_, i) => `INV-2027-${String(i + 1).padStart(6, '0')}`));
    // Progress was written as it went (start, every 10th invoice, end), not only at the end.
    expect(runs.saved.map((s) => s.progress.done)).toEqual([0, 10, 12]);
    const commits = store.commits;
    const again = await finalizeRun(deps(), { runId: 'run-1', actor: 'fiona' });
    expect(again).toMatchObject({ status: 'SUCCEEDED', progress: { done: 12, total: 12 }, finalized: 12, passes: 2 });
    expect(store.commits).toBe(commits);
  });

  it('leaves invoices finalized by hand alone, and one failing invoice does not stop the others', async () => {
    await seed(3);
    await finalizeInvoice({ store, clock }, { id: runs.invoices[0]!.invoiceId, actor: 'fiona' });
    const failing = runs.invoices[1]!.invoiceId;
    const getInvoice = store.getInvoice.bind(store);
    store.getInvoice = async (id) => {
      if (id === failing) throw new ValidationError('the invoice cannot be read as a document', [], 'broken_invoice');
      return getInvoice(id);
    };
    const result = await finalizeRun(deps(), { runId: 'run-1', actor: 'fiona' });
    expect(result).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', progress: { done: 2, total: 3 }, finalized: 1 });
    expect(result.failures).toEqual([{ invoiceId: failing, contractId: 'c-02', reason: 'broken_invoice: the invoice cannot be read as a document' }]);
    // Fixed: the next pass finalizes it and clears the failure.
    store.getInvoice = getInvoice;
    const retried = await finalizeRun(deps(), { runId: 'run-1', actor: 'fiona' });
    expect(retried).toMatchObject({ status: 'SUCCEEDED', progress: { done: 3, total: 3 }, finalized: 2, failures: [] });
    expect((await store.getInvoice(failing))!.number).toBe('INV-2027-000003');
  });

  it('stops when its budget is spent, stays RUNNING, and the next pass carries on', async () => {
    await seed(5);
    let calls = 0;
    const first = await finalizeRun(deps(), { runId: 'run-1', actor: 'fiona', keepGoing: () => ++calls <= 2 });
    expect(first).toMatchObject({ status: 'RUNNING', progress: { done: 2, total: 5 }, finalized: 2, endedAt: null });
    const second = await finalizeRun(deps(), { runId: 'run-1', actor: 'fiona' });
    expect(second).toMatchObject({ status: 'SUCCEEDED', progress: { done: 5, total: 5 }, finalized: 5, passes: 2, endedAt: '2027-02-05T09:00:00.000Z' });
  });

  it('refuses a run still rating or failed (409) and an unknown run (404)', async () => {
    runs.run = { ...runs.run, status: RunStatus.RUNNING };
    await expect(finalizeRun(deps(), { runId: 'run-1', actor: 'fiona' })).rejects.toMatchObject({ code: 'billing_run_not_finalizable' });
    runs.run = { ...runs.run, status: RunStatus.FAILED };
    await expect(finalizeRun(deps(), { runId: 'run-1', actor: 'fiona' })).rejects.toMatchObject({ code: 'billing_run_not_finalizable' });
    await expect(finalizeRun(deps(), { runId: 'run-x', actor: 'fiona' })).rejects.toMatchObject({ code: 'not_found' });
    expect(runs.saved).toEqual([]);
  });
});
