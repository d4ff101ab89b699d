/** One test per conformance case file of a directory, run through the conformance runner's own code. */
import { describe, expect, it } from 'vitest';
import { loadCaseFiles, runCase } from '../../scripts/lib/conformance';

/** `found`: the first test, that the directory holds more than `moreThan` cases (a wrong path finds none). */
export function describeCases(title: string, dir: string, found: { name: string; moreThan: number }): void {
  const cases = loadCaseFiles(dir);

  describe(title, () => {
    it(found.name, () => {
      expect(cases.length).toBeGreaterThan(found.moreThan);
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
}
