/**
 * The order test files start in. vitest runs the longest files first when it has timings from
 * an earlier run on the machine, but a fresh clone (CI) has none, and then it starts the
 * largest files first: the fuzz files are a few lines each and several minutes long, so they
 * started last and the suite ended on them. Files known to be long start first here (longest
 * first, measured on two cores in a full run), so the short ones fill in beside them at the end;
 * every other file keeps vitest's own order after them.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Seconds each took in a full `npm test` on two cores (2026-12-03); files over 30 s. */
const LONG_FILES: Record<string, number> = {
  'test/hardening/fuzz-valid-writes.test.ts': 144,
  'test/hardening/fuzz-valid-writes-b.test.ts': 138,
  'test/web/console.test.ts': 138,
  'test/workflow/run-at-scale.test.ts': 138,
  'test/integration/usage/usage-file.test.ts': 93,
  'test/hardening/concurrency.test.ts': 72,
  'test/infra/synth.test.ts': 67,
  'test/integration/usage/usage-repository.test.ts': 55,
  'test/scenarios/year-of-billing.test.ts': 49,
  'test/hardening/fuzz-reads.test.ts': 45,
  'test/integration/audit-usage-batch.test.ts': 41,
  'test/workflow/billing-run.test.ts': 40,
  'test/local/local-stack.test.ts': 37,
  'test/hardening/fuzz-reads-b.test.ts': 35,
  'test/hardening/fuzz-writes.test.ts': 34,
  'test/integration/billing-runs/repository.test.ts': 31,
};

export function knownSeconds(root: string, moduleId: string): number {
  return LONG_FILES[moduleId.slice(root.length + 1).replaceAll('\\', '/')] ?? 0;
}

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const ordered = await super.sort(files);
    // Array.prototype.sort is stable: files of equal weight keep vitest's order.
    return ordered
      .map((spec) => ({ spec, seconds: knownSeconds(root, spec.moduleId) }))
      .sort((a, b) => b.seconds - a.seconds)
      .map(({ spec }) => spec);
  }
}
