/**
 * Starts a billing run on the running local stack (`npm start`) through its API, shows the
 * run's progress until it ends, then prints each contract's invoice total and the run totals.
 *
 *   npm run billing -- --period 2027-01 [--contracts ctr-a,ctr-b]
 *   npm run billing -- --retry <runId>     re-rates the run's failed contracts, in the same run
 *   npm run billing -- --finalize <runId>  finalizes every draft invoice of the run (progress bar;
 *                                          repeats the request until no draft is left to reach)
 *
 * The stack is found through the state file `npm start` writes (.local-data/stack.json); the
 * request carries a development token with role `finance`, as any API client would.
 * Exit code: 0 the run SUCCEEDED, 2 it COMPLETED_WITH_ERRORS (each failed contract and its
 * reason are printed; `--retry <runId>` once fixed), 1 it FAILED or could not start (409 while
 * a run of the period is running). --finalize: 0 every invoice finalized, 2 some could not be
 * (each is printed with its reason; run it again once fixed), 1 the run cannot be finalized.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { mintDevToken } from './lib/dev-auth';
import { readStackState, STACK_STATE_FILE } from './lib/stack-state';
import { progressRatio, type RunProgress } from '../shared/domain/billing-runs/run';

const USAGE = 'usage: npm run billing -- --period YYYY-MM [--contracts id1,id2] | --retry <runId> | --finalize <runId>';
const POLL_MS = 300;
const BAR_WIDTH = 30;

interface RunView {
  id: string;
  period: string;
  runSeq: number;
  status: 'RUNNING' | 'SUCCEEDED' | 'COMPLETED_WITH_ERRORS' | 'FAILED';
  progress: RunProgress;
  invoices: { contractId: string; invoiceId: string; currency: string; total: string }[];
  totals: { currency: string; total: string; invoices: number }[];
  failureReason: string | null;
  failures: { contractId: string; reason: string }[];
  failureCount: number;
  retries: number;
}

/** Progress on a terminal: one line rewritten in place; elsewhere (CI, a file): one line per 10%. */
function progressPrinter(stream: NodeJS.WriteStream, unit = 'contracts') {
  let lastDecile = -1;
  let lastLine = '';
  let lastPrinted = '';
  return {
    update(progress: RunProgress, status: string) {
      const ratio = progressRatio(progress);
      const percent = Math.floor(ratio * 100);
      const line = `${status.padEnd(9)} ${progress.done}/${progress.total} ${unit} ${String(percent).padStart(3)}%`;
      if (stream.isTTY) {
        const filled = Math.round(ratio * BAR_WIDTH);
        stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${line}`);
        return;
      }
      lastLine = line;
      const decile = progress.total > 0 ? Math.floor(percent / 10) : -1;
      if (decile > lastDecile) {
        lastDecile = decile;
        lastPrinted = line;
        stream.write(`${line}\n`);
      }
    },
    /** Ends the bar; off a terminal, the final state is printed once if it was not the last line. */
    end() {
      if (stream.isTTY) stream.write('\n');
      else if (lastLine !== lastPrinted) stream.write(`${lastLine}\n`);
    },
  };
}

async function api<T>(url: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': randomUUID() }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

const errorText = (body: unknown) => {
  const error = (body as { error?: { code?: string; message?: string } }).error;
  return error ? `${error.code}: ${error.message}` : JSON.stringify(body);
};

interface FinalizationView {
  status: 'RUNNING' | 'SUCCEEDED' | 'COMPLETED_WITH_ERRORS';
  progress: RunProgress;
  finalized: number;
  failures: { invoiceId: string; contractId: string; reason: string }[];
}

/** Asks the API to finalize the run's drafts until a request reaches them all, with a progress bar. */
async function finalizeRunDrafts(apiUrl: string, token: string, runId: string): Promise<number> {
  const printer = progressPrinter(process.stdout, 'invoices');
  let finalization: FinalizationView;
  for (;;) {
    // Each request works for a bounded time; the progress between requests is read from the run.
    const poll = setInterval(() => {
      void api<{ finalization: FinalizationView | null }>(`${apiUrl}/v1/billing-runs/${encodeURIComponent(runId)}`, token).then(
        (read) => read.body.finalization?.status === 'RUNNING' && printer.update(read.body.finalization.progress, 'FINALIZING'),
        () => undefined,
      );
    }, POLL_MS);
    const answered = await api<{ finalization: FinalizationView }>(`${apiUrl}/v1/billing-runs/${encodeURIComponent(runId)}/finalize`, token, { method: 'POST', body: {} }).finally(() =>
      clearInterval(poll),
    );
    if (answered.status !== 202) {
      printer.end();
      console.error(`run ${runId} cannot be finalized (${answered.status}) ${errorText(answered.body)}`);
      return 1;
    }
    finalization = answered.body.finalization;
    printer.update(finalization.progress, finalization.status === 'RUNNING' ? 'FINALIZING' : finalization.status);
    if (finalization.status !== 'RUNNING') break;
  }
  printer.end();
  console.log(`${finalization.finalized} invoice(s) finalized; ${finalization.progress.done} of ${finalization.progress.total} no longer draft`);
  if (finalization.status === 'COMPLETED_WITH_ERRORS') {
    console.error(`\n${finalization.failures.length} invoice(s) could not be finalized and stay DRAFT:`);
    for (const failure of finalization.failures) console.error(`  ${failure.invoiceId}  ${failure.contractId}  ${failure.reason}`);
    console.error(`fix the cause, then: npm run billing -- --finalize ${runId}`);
    return 2;
  }
  return 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { period: { type: 'string' }, contracts: { type: 'string' }, retry: { type: 'string' }, finalize: { type: 'string' } }, strict: true });
  if ([values.period, values.retry, values.finalize].filter(Boolean).length !== 1) {
    console.error(USAGE);
    return 1;
  }
  const state = readStackState();
  if (!state) {
    console.error(`no running local stack (${STACK_STATE_FILE} is missing or its process is gone): start one with "npm start"`);
    return 1;
  }
  const token = await mintDevToken({ sub: 'billing-cli', roles: ['finance'] });
  if (values.finalize) return finalizeRunDrafts(state.apiUrl, token, values.finalize);
  let id: string;
  if (values.retry) {
    const retried = await api<{ id: string; status: string; retry: number; contractIds: string[] }>(
      `${state.apiUrl}/v1/billing-runs/${encodeURIComponent(values.retry)}/retry`,
      token,
      { method: 'POST', body: {} },
    );
    if (retried.status !== 202 && retried.status !== 200) {
      console.error(`the retry did not start (${retried.status}) ${errorText(retried.body)}`);
      return 1;
    }
    id = retried.body.id;
    console.log(
      retried.status === 202
        ? `billing run ${id}: retry ${retried.body.retry} of ${retried.body.contractIds.length} failed contract(s): ${retried.body.contractIds.join(', ')}`
        : `billing run ${id} is ${retried.body.status}: nothing to retry`,
    );
  } else {
    const contractIds = values.contracts?.split(',').map((s) => s.trim()).filter(Boolean);
    const started = await api<{ id: string; runSeq: number }>(`${state.apiUrl}/v1/billing-runs`, token, {
      method: 'POST',
      body: { period: values.period, ...(contractIds?.length ? { contractIds } : {}) },
    });
    if (started.status !== 202) {
      console.error(`the run did not start (${started.status}) ${errorText(started.body)}`);
      return 1;
    }
    id = started.body.id;
    const { runSeq } = started.body;
    console.log(`billing run ${id} of ${values.period} started (run ${runSeq} of the period${runSeq > 1 ? ': adjustments only' : ''})`);
  }

  const printer = progressPrinter(process.stdout);
  let run: RunView;
  for (;;) {
    const read = await api<RunView>(`${state.apiUrl}/v1/billing-runs/${encodeURIComponent(id)}`, token);
    if (read.status !== 200) throw new Error(`reading run ${id} failed (${read.status}) ${errorText(read.body)}`);
    run = read.body;
    printer.update(run.progress, run.status);
    if (run.status !== 'RUNNING') break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  printer.end();

  if (run.status === 'FAILED') {
    console.error(`run ${run.id} FAILED: ${run.failureReason ?? 'no reason recorded'}`);
    return 1;
  }
  const width = Math.max(8, ...run.invoices.map((i) => i.contractId.length));
  console.log(`\n${'contract'.padEnd(width)}  ${'invoice'.padEnd(28)}  total`);
  for (const invoice of run.invoices) {
    console.log(`${invoice.contractId.padEnd(width)}  ${invoice.invoiceId.padEnd(28)}  ${invoice.total.padStart(14)} ${invoice.currency}`);
  }
  if (run.totals.length === 0) console.log('(no contracts billed in this period)');
  for (const total of run.totals) {
    console.log(`${'run total'.padEnd(width)}  ${`${total.invoices} invoice(s)`.padEnd(28)}  ${total.total.padStart(14)} ${total.currency}`);
  }
  if (run.status === 'COMPLETED_WITH_ERRORS') {
    console.error(`\nrun ${run.id} COMPLETED_WITH_ERRORS: ${run.failureCount} contract(s) not invoiced`);
    for (const failure of run.failures) console.error(`  ${failure.contractId.padEnd(width)}  ${failure.reason}`);
    if (run.failureCount > run.failures.length) console.error(`  ... and ${run.failureCount - run.failures.length} more`);
    console.error(`fix the cause, then: npm run billing -- --retry ${run.id}`);
    return 2;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
