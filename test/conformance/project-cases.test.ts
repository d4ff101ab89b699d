/**
 * The project's own conformance cases (test/conformance/cases): edges of FORMAT.md that the
 * shared suite leaves open, each with its arithmetic in the case's description.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCaseFiles, runCase } from '../../scripts/lib/conformance';

const cases = loadCaseFiles(join(import.meta.dirname, 'cases'));

describe('project conformance cases', () => {
  it('finds the cases', () => {
    expect(cases.length).toBeGreaterThan(30);
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
