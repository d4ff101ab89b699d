/**
 * The engine reading its history from the table: every valid conformance case, run by run,
 * with each run's result persisted through writeRunInvoice and the next run's prior read back
 * with loadPriorRuns, gives exactly what `rateCase` gives with its history kept in memory.
 * Then the void rule with the real engine: voiding an invoice changes nothing for a re-run.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CASES_DIR, loadCaseFiles } from '../../../scripts/lib/conformance';
import { InvoicesOnTable } from '../../support/invoices';
import { rateCase, ratePeriod } from '../../../shared/domain/billing/rate';
import { fixedClock } from '../../../shared/domain/kernel/clock';
import { parseCase } from '../../../shared/schemas/case';
import { documentClient, freshTable } from '../../support/aws';

const PROJECT_CASES = join(import.meta.dirname, '..', '..', 'conformance', 'cases');
const cases = [...loadCaseFiles(DEFAULT_CASES_DIR), ...loadCaseFiles(PROJECT_CASES)]
  .map((file) => {
    try {
      return parseCase(file.raw);
    } catch {
      return undefined; // invalid by schema: nothing is ever invoiced for it
    }
  })
  .filter((c): c is NonNullable<typeof c> => c !== undefined)
  .filter((c) => rateCase(c).every((r) => r.ok));

const db = documentClient();
let repo: InvoicesOnTable;

beforeAll(async () => {
  repo = new InvoicesOnTable(db, await freshTable(), fixedClock('2028-01-15T00:00:00Z'));
});

describe('prior runs read back from the table', () => {
  it('covers the conformance cases', () => {
    expect(cases.length).toBeGreaterThan(15);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s: stored history rates like in-memory history', async (id, kase) => {
    const expected = rateCase(kase);
    const contractId = `case-${id}`;
    const seqByPeriod = new Map<string, number>();
    for (const [i, run] of kase.runs.entries()) {
      const prior = await repo.loadPriorRuns(contractId);
      const rated = ratePeriod({ contract: kase.contract, usage: kase.usage, period: run.period, asOf: run.asOf, prior });
      const want = expected[i]!;
      if (!want.ok) throw new Error(`case ${id} run ${i} was expected to rate`);
      expect(rated).toEqual(want.rated);
      const runSeq = (seqByPeriod.get(run.period) ?? 0) + 1;
      seqByPeriod.set(run.period, runSeq);
      const written = await repo.writeRunInvoice({
        runId: `run-${i}`, runSeq, contract: { id: contractId, advertiserId: 'adv', currency: kase.contract.currency }, rated, actor: 'sys', at: run.asOf,
      });
      const invoice = await repo.getInvoice(written.invoiceId);
      expect(invoice).toMatchObject({ kind: rated.isRerun ? 'ADJUSTMENT' : 'INVOICE', subtotal: rated.subtotal, total: rated.total, currency: rated.currency });
      expect(invoice!.lines.map(({ lineNo: _n, ...l }) => l)).toEqual(rated.lines);
    }
  });

  it('a voided and credited invoice still counts: the re-run of the period invoices nothing new', async () => {
    const kase = cases.find((c) => c.id === 'partner-shares')!;
    const contract = { id: 'void-rule', advertiserId: 'adv', currency: kase.contract.currency };
    const run = kase.runs[0]!;
    const first = ratePeriod({ contract: kase.contract, usage: kase.usage, period: run.period, asOf: run.asOf, prior: { lines: [], payouts: [] } });
    const { invoiceId } = await repo.writeRunInvoice({ runId: 'r1', runSeq: 1, contract, rated: first, actor: 'sys', at: run.asOf });
    await repo.finalizeInvoice(invoiceId, 'fin');
    const { creditNote } = await repo.voidInvoice(invoiceId, 'fin', 'reissue requested');
    expect(creditNote.total).toBe('-15532.09');
    const rerun = ratePeriod({ contract: kase.contract, usage: kase.usage, period: run.period, asOf: '2027-03-01T00:00:00Z', prior: await repo.loadPriorRuns('void-rule') });
    expect(rerun).toMatchObject({ isRerun: true, lines: [], total: '0.00', partnerPayouts: [] });
  });
});
