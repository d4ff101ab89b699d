/**
 * The daily lifecycle job, invoked by EventBridge Scheduler with
 * `{ job: 'daily-lifecycle', scheduledTime }` (and by `npm run lifecycle:daily`). The scheduled
 * time, not the invocation time, is "now": a retry hours later decides on the same day.
 * An optional `date` (YYYY-MM-DD) replaces every contract's local day, to catch up a missed run.
 */
import * as z from 'zod';
import { systemClock, fixedClock, type Clock } from '../../shared/domain/kernel/clock';
import { isDay, isInstant } from '../../shared/domain/kernel/calendar';
import { runDailyLifecycle, type LifecycleReport } from '../../shared/domain/contracts/run-daily-lifecycle';
import type { ContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import type { ApprovalThresholds } from '../../shared/domain/contracts/approval-policy';
import { logger } from '../http/logger';
import { lifecycleDeps } from '../contracts/dependencies';
import { writeChainDigest } from '../audit/chain-digest';

const LifecycleEvent = z.object({
  job: z.literal('daily-lifecycle').optional(),
  scheduledTime: z.string().refine(isInstant, 'must be an ISO 8601 instant').optional(),
  date: z.string().refine(isDay, 'must be YYYY-MM-DD').optional(),
});

export async function runLifecycle(
  deps: { contracts: ContractRepository; thresholds: ApprovalThresholds },
  clock: Clock,
  day?: string,
): Promise<LifecycleReport> {
  const { contracts, thresholds } = deps;
  return runDailyLifecycle({ store: contracts, activeContractIds: () => contracts.activeContractIds(), clock, thresholds }, day ? { day } : {});
}

export async function handler(event: unknown): Promise<LifecycleReport> {
  const parsed = LifecycleEvent.safeParse(event ?? {});
  if (!parsed.success) {
    // A malformed schedule input is a configuration error: fail loudly so it reaches the dead-letter queue.
    throw new Error(`invalid lifecycle event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const clock = parsed.data.scheduledTime ? fixedClock(parsed.data.scheduledTime) : systemClock;
  const report = await runLifecycle(lifecycleDeps(), clock, parsed.data.date);
  logger.info('daily lifecycle done', { report: { ...report } });
  // The day's chain heads go to the Object Lock archive, so a chain rewritten later together
  // with its head is still caught by `npm run audit:verify -- --digest <day>`.
  const digestDay = clock.now().toISOString().slice(0, 10);
  const digest = await writeChainDigest(digestDay);
  logger.info('audit chain digest archived', { day: digestDay, chains: digest.chainCount });
  if (report.failed.length > 0) logger.error('daily lifecycle failures', { failed: report.failed });
  return report;
}
