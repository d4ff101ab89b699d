/**
 * The conformance runner's library: load case files, rate each with the engine (the same
 * `rateCase` the billing runs and quotes use), compare with `expect`. Shared by
 * scripts/conformance.ts and test/conformance.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../../shared/domain/kernel/errors';
import { rateCase, rejectedCase, type CaseRunResult } from '../../shared/domain/billing/rate';
import { matchExpectation } from '../../shared/domain/billing/expect';
import { parseCase, parseCaseEnvelope } from '../../shared/schemas/case';

/** The shared suite sits beside the repository: <repo>/../shared/conformance/cases. */
export const DEFAULT_CASES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/conformance/cases');

export interface CaseFile {
  file: string;
  raw: unknown;
  /** Set when the file is not JSON. */
  unreadable?: string;
}

export interface CaseOutcome {
  id: string;
  file: string;
  passed: boolean;
  failures: string[];
  results: CaseRunResult[];
}

export function loadCaseFiles(dir: string): CaseFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const file = join(dir, name);
      const text = readFileSync(file, 'utf8');
      try {
        return { file, raw: JSON.parse(text) as unknown };
      } catch (error) {
        return { file, raw: undefined, unreadable: `not JSON: ${(error as Error).message}` };
      }
    });
}

/** Rates one case file and checks every run's expectation. */
export function runCase(caseFile: CaseFile): CaseOutcome {
  const fallbackId = caseFile.file.replace(/^.*[\\/]/, '').replace(/\.json$/, '');
  if (caseFile.unreadable !== undefined) {
    return { id: fallbackId, file: caseFile.file, passed: false, failures: [caseFile.unreadable], results: [] };
  }
  let envelope;
  try {
    envelope = parseCaseEnvelope(caseFile.raw);
  } catch (error) {
    const reason = error instanceof ValidationError
      ? `${error.message}: ${error.details.map((d) => `${d.path} ${d.message}`).join('; ')}`
      : String(error);
    return { id: fallbackId, file: caseFile.file, passed: false, failures: [reason], results: [] };
  }

  let results: CaseRunResult[];
  try {
    results = rateCase(parseCase(caseFile.raw));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    results = rejectedCase(envelope.runs, error);
  }

  const failures: string[] = [];
  envelope.runs.forEach((run, i) => {
    for (const problem of matchExpectation(results[i]!, run.expect)) failures.push(`run ${i + 1} (${run.period}): ${problem}`);
  });
  return { id: envelope.id, file: caseFile.file, passed: failures.length === 0, failures, results };
}

export function runSuite(dir: string): CaseOutcome[] {
  return loadCaseFiles(dir).map(runCase);
}
