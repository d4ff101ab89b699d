/**
 * The `expect` matching rules of the conformance format (FORMAT.md, "Expect"), used by the
 * conformance runner and the tests. Every field of an expectation is optional; those present
 * must match exactly:
 * - lines: each expected line takes the first unused rated line matching every field it
 *   gives (type, adjusts, chargeId, version, quantity, amount); an expected line whose amount
 *   and quantity are both zero also matches a line the engine left out;
 * - linesExhaustive: no rated line with a non-zero amount is left unmatched;
 * - subtotal, total: the exact strings;
 * - partnerPayouts and flags: compared as sets, zero entries ignored on both sides;
 * - error: the run was rejected with that error kind.
 */
import type { CaseRunResult } from './rate';
import type { LineType, RatedLine } from './types';

export interface ExpectedLine {
  type?: LineType;
  adjusts?: LineType;
  chargeId?: string;
  version?: number;
  quantity?: string;
  amount?: string;
}

export interface Expectation {
  lines?: ExpectedLine[];
  linesExhaustive?: boolean;
  subtotal?: string;
  total?: string;
  partnerPayouts?: { partnerId: string; amount: string }[];
  flags?: string[];
  error?: string;
}

const ZERO_DECIMAL = /^-?0+(\.0+)?$/;

function isZero(value: string | undefined): boolean {
  return value === undefined || ZERO_DECIMAL.test(value);
}

const FIELDS = ['type', 'adjusts', 'chargeId', 'version', 'quantity', 'amount'] as const;
const KEY_FIELDS = ['type', 'adjusts', 'chargeId', 'version'] as const;

function matches(line: RatedLine, expected: ExpectedLine, fields: readonly (keyof ExpectedLine)[]): boolean {
  return fields.every((field) => expected[field] === undefined || line[field] === expected[field]);
}

function describe(line: ExpectedLine | RatedLine): string {
  return FIELDS.filter((f) => line[f] !== undefined).map((f) => `${f}=${String(line[f])}`).join(' ');
}

function sameSet(actual: string[], expected: string[]): boolean {
  const a = [...new Set(actual)].sort();
  const b = [...new Set(expected)].sort();
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Compares one run's result with its expectation; returns the mismatches (empty = pass). */
export function matchExpectation(result: CaseRunResult, expect: Expectation): string[] {
  const problems: string[] = [];
  if (expect.error !== undefined) {
    if (result.ok) problems.push(`expected error ${expect.error}, got a rated period (total ${result.rated.total})`);
    else if (result.error.kind !== expect.error) problems.push(`expected error ${expect.error}, got ${result.error.kind}: ${result.error.message}`);
    return problems;
  }
  if (!result.ok) {
    return [`unexpected ${result.error.kind}: ${result.error.message}`];
  }
  const rated = result.rated;

  if (expect.lines !== undefined) {
    const used = new Set<number>();
    for (const expected of expect.lines) {
      const index = rated.lines.findIndex((line, i) => !used.has(i) && matches(line, expected, FIELDS));
      if (index >= 0) {
        used.add(index);
        continue;
      }
      if (isZero(expected.amount) && isZero(expected.quantity) && (expected.amount !== undefined || expected.quantity !== undefined)) {
        continue; // a zero line the engine may leave out
      }
      const near = rated.lines.find((line, i) => !used.has(i) && matches(line, expected, KEY_FIELDS));
      problems.push(near
        ? `line ${describe(expected)}: got ${describe(near)}`
        : `line ${describe(expected)}: missing`);
    }
    if (expect.linesExhaustive) {
      rated.lines.forEach((line, i) => {
        if (!used.has(i) && !isZero(line.amount)) problems.push(`unexpected line ${describe(line)}`);
      });
    }
  }
  if (expect.subtotal !== undefined && rated.subtotal !== expect.subtotal) problems.push(`subtotal ${rated.subtotal}, expected ${expect.subtotal}`);
  if (expect.total !== undefined && rated.total !== expect.total) problems.push(`total ${rated.total}, expected ${expect.total}`);
  if (expect.partnerPayouts !== undefined) {
    const entry = (p: { partnerId: string; amount: string }) => `${p.partnerId}=${p.amount}`;
    const actual = rated.partnerPayouts.filter((p) => !isZero(p.amount)).map(entry);
    const wanted = expect.partnerPayouts.filter((p) => !isZero(p.amount)).map(entry);
    if (!sameSet(actual, wanted)) problems.push(`partnerPayouts [${actual.sort().join(', ')}], expected [${wanted.sort().join(', ')}]`);
  }
  if (expect.flags !== undefined && !sameSet(rated.flags, expect.flags)) {
    problems.push(`flags [${rated.flags.join(', ')}], expected [${[...expect.flags].sort().join(', ')}]`);
  }
  return problems;
}
