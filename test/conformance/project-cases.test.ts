/**
 * The project's own conformance cases (test/conformance/cases): edges of FORMAT.md that the
 * shared suite leaves open, each with its arithmetic in the case's description. Every rated
 * run states the whole invoice: its lines (`linesExhaustive`), `subtotal`, `partnerPayouts` and
 * `flags`, so a change in any of them fails a case.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCaseFiles } from '../../scripts/lib/conformance';
import { describeCases } from './suite';

const DIR = join(import.meta.dirname, 'cases');

describeCases('project conformance cases', DIR, { name: 'finds the cases', moreThan: 30 });

describe('project conformance cases state every field of a rated run', () => {
  it('flags, partnerPayouts, subtotal and linesExhaustive: true in every run without an expected error', () => {
    const missing: string[] = [];
    for (const { file, raw } of loadCaseFiles(DIR)) {
      const runs = (raw as { runs?: { expect?: Record<string, unknown> }[] }).runs ?? [];
      runs.forEach((run, i) => {
        const expected = run.expect ?? {};
        if ('error' in expected) return;
        for (const field of ['flags', 'partnerPayouts', 'subtotal']) if (!(field in expected)) missing.push(`${file.replace(/^.*[\\/]/, '')} run ${i + 1}: ${field}`);
        if (expected.linesExhaustive !== true) missing.push(`${file.replace(/^.*[\\/]/, '')} run ${i + 1}: linesExhaustive`);
      });
    }
    expect(missing).toEqual([]);
  });
});
