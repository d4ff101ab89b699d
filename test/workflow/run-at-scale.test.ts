/**
 * A billing run in the shape of the 10x book, scaled to the suite: many contracts of a few usage
 * records each, rated by the synthesized state machine (executed locally, the Map at its
 * synthesized MaxConcurrency) on DynamoDB Local. Every write the run's task handlers send is
 * counted per item from the requests themselves (a middleware on the handlers' own DynamoDB
 * client reads each request's keys), and every response's attempt count is kept. The run must:
 *   - write no item more than a bounded number of times, whatever the number of contracts: the
 *     run item a handful of times (start, plan, totals, end), each contract's items once or
 *     twice, each progress counter at most ~1,000 times (one counter per 1,000 contracts);
 *   - never retry a request, and never have a transaction cancelled by a conflict.
 * SIM_CONTRACTS sets the number of contracts (default 300; `SIM_CONTRACTS=20000` is the
 * 10x shape: 15.5 minutes on two cores, 12.5 of them the run).
 */
import './quiet-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MiddlewareStack } from '@smithy/types';
import { startBillingRun } from '../../functions/billing-run/tasks';
import { startPorts } from '../../functions/billing-run/ports';
import { dynamo } from '../../functions/runtime/clients';
import { planImpressions } from '../../shared/domain/usage/ingest-impressions';
import { RunStatus } from '../../shared/domain/billing-runs/run';
import { CONTRACTS_PER_COUNTER, progressCountersOf } from '../../shared/adapters/dynamodb/billing-run-repository';
import { seedContract, workflowEnvironment, type WorkflowEnvironment } from './support';

const CONTRACTS = Number(process.env.SIM_CONTRACTS ?? 300);
const PERIOD = '2026-05';
let env: WorkflowEnvironment;

/** Writes per item (`pk|sk`), requests retried, transactions cancelled by a conflict. */
const writes = new Map<string, number>();
let retried = 0;
let conflicts = 0;
let counting = false;

type Attr = Record<string, { S?: string }>;
const keyOf = (item: Attr | undefined) => (item ? `${item.pk?.S}|${item.sk?.S}` : undefined);

/** The items a write request names, from its wire body (DynamoDB JSON). */
function writtenKeys(target: string, body: Record<string, any>): string[] {
  switch (target) {
    case 'PutItem':
      return [keyOf(body.Item)!];
    case 'UpdateItem':
    case 'DeleteItem':
      return [keyOf(body.Key)!];
    case 'BatchWriteItem':
      return Object.values(body.RequestItems as Record<string, any[]>).flatMap((requests) => requests.map((r) => keyOf(r.PutRequest?.Item ?? r.DeleteRequest?.Key)!));
    case 'TransactWriteItems':
      return (body.TransactItems as any[]).flatMap((t) => {
        const key = keyOf(t.Put?.Item ?? t.Update?.Key ?? t.Delete?.Key);
        return key ? [key] : []; // a ConditionCheck writes nothing
      });
    default:
      return [];
  }
}

function countWrites(stack: MiddlewareStack<any, any>) {
  stack.add(
    (next) => async (args: any) => {
      if (counting) {
        const target = String(args.request?.headers?.['x-amz-target'] ?? '').split('.').pop()!;
        for (const key of writtenKeys(target, JSON.parse(args.request.body ?? '{}'))) writes.set(key, (writes.get(key) ?? 0) + 1);
      }
      return next(args);
    },
    { step: 'build', name: 'countWritesPerItem' },
  );
  stack.add(
    (next) => async (args: any) => {
      try {
        const out = await next(args);
        if (counting && (out.output?.$metadata?.attempts ?? 1) > 1) retried++;
        return out;
      } catch (error: any) {
        if (counting && (error.$metadata?.attempts ?? 1) > 1) retried++;
        if (counting && (error.name === 'TransactionConflictException' || error.CancellationReasons?.some((r: { Code?: string }) => r.Code === 'TransactionConflict'))) conflicts++;
        throw error;
      }
    },
    { step: 'initialize', name: 'countRetriesAndConflicts' },
  );
}

beforeAll(async () => {
  env = await workflowEnvironment();
  // A few records per contract: three days of impressions.
  const ids = Array.from({ length: CONTRACTS }, (_, i) => `ctr_${String(i).padStart(6, '0')}`);
  for (let i = 0; i < ids.length; i += 25) {
    await Promise.all(
      ids.slice(i, i + 25).map(async (id) => {
        await seedContract(env, id, { rate: '4' });
        const records = ['01', '15', '31'].map((day, n) => ({ date: `${PERIOD}-${day}`, chargeId: 'ctv', count: 1_000 * (n + 1), source: 'FIRST_PARTY' as const }));
        const { planned } = planImpressions(records, '2026-06-01T00:00:00Z');
        await env.usage.putImpressions(id, planned, { actor: 'ops-1', origin: 'api', ingestedAt: '2026-06-01T00:00:00Z' });
      }),
    );
  }
  countWrites(dynamo().middlewareStack as MiddlewareStack<any, any>);
}, Math.max(600_000, CONTRACTS * 100)); // seeding: about 25 ms per contract on two cores, with room for a loaded machine

afterAll(() => {
  counting = false;
});

describe(`a billing run of ${CONTRACTS} contracts`, () => {
  it('writes no item more than a bounded number of times and never retries or conflicts', { timeout: Math.max(1_800_000, CONTRACTS * 200) }, async () => {
    counting = true;
    const run = await startBillingRun(startPorts(), { period: PERIOD }, 'fin-1');
    const execution = await env.workflow.waitFor(run.id);
    counting = false;
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    const stored = await env.runs.requireRun(run.id);
    expect(stored).toMatchObject({ status: RunStatus.SUCCEEDED, progress: { done: CONTRACTS, total: CONTRACTS } });
    // 6,000 impressions at 4.00 CPM = 24.00 per contract.
    expect(stored.totals).toEqual([{ currency: 'USD', total: (24 * CONTRACTS).toFixed(2), invoices: CONTRACTS }]);

    expect(retried).toBe(0);
    expect(conflicts).toBe(0);

    const runItem = `BILLINGRUN#${run.id}|BILLINGRUN`;
    const counters = [...writes].filter(([key]) => key.startsWith(`BILLINGRUN#${run.id}|PROGRESS#`));
    const others = [...writes].filter(([key]) => key !== runItem && !key.startsWith(`BILLINGRUN#${run.id}|PROGRESS#`));
    // The run item: started, planned, totalled, completed (the period lock beside it likewise).
    expect(writes.get(runItem)).toBeLessThanOrEqual(4);
    // The counters: as many as the plan asks for, together counting every contract once.
    expect(counters.length).toBeLessThanOrEqual(progressCountersOf(CONTRACTS));
    expect(counters.reduce((sum, [, n]) => sum + n, 0)).toBe(CONTRACTS);
    expect(Math.max(...counters.map(([, n]) => n))).toBeLessThanOrEqual(Math.min(CONTRACTS, CONTRACTS_PER_COUNTER * 1.2));
    // Every other item (invoices, run records, contract records, the period lock): at most twice.
    const busiest = others.sort((a, b) => b[1] - a[1])[0]!;
    expect(busiest[1], busiest[0]).toBeLessThanOrEqual(2);
    // A write for each contract's invoice and records: the run wrote about as many items as it rated.
    expect(others.length).toBeGreaterThanOrEqual(2 * CONTRACTS);
  });
});
