/**
 * Every case of the shared conformance suite, through the runner's own code (one test per
 * case), so `npm test` fails exactly when `npm run conformance` does.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CASES_DIR, loadCaseFiles, runCase } from '../../scripts/lib/conformance';

const cases = loadCaseFiles(DEFAULT_CASES_DIR);

describe('conformance suite', () => {
  it('finds the shared cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const caseFile of cases) {
    const name = caseFile.file.replace(/^.*[\\/]/, '');
    it(name, () => {
      const outcome = runCase(caseFile);
      expect(outcome.failures).toEqual([]);
      expect(outcome.passed).toBe(true);
    });
  }
});
