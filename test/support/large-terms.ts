/**
 * The largest terms the API accepts: 100 CPA charges whose geo lists fill the terms to exactly
 * MAX_TERMS_BYTES of canonical JSON (the size the API measures), every field stated so the
 * API's defaults add nothing. `variant` changes a figure without changing the size.
 */
import { canonicalJson } from '../../shared/domain/audit/canonical-json';
import { MAX_TERMS_BYTES } from '../../shared/domain/contracts/terms-size';

const CHARGES = 100;
const MAX_GEOS = 300;

function charge(i: number, geos: string[], variant: number) {
  return {
    id: `cpa-${String(i).padStart(3, '0')}`,
    kind: 'CPA',
    event: `purchase-${String(i).padStart(3, '0')}`,
    payout: { flat: `${variant}.00`, percentOfValue: '0', min: null, max: null },
    attributionWindowDays: 30,
    eligibility: { geos, newCustomersOnly: false, minValue: null },
    holdDays: 0,
    maxConversionsPerPeriod: null,
  };
}

const geo = (n: number) => `G${String(n).padStart(5, '0')}`;

export function largestTerms(variant = 1, bytes = MAX_TERMS_BYTES) {
  const geoLists: string[][] = Array.from({ length: CHARGES }, () => []);
  const terms = () => ({
    charges: geoLists.map((geos, i) => charge(i, geos, variant)),
    minimumCommitment: null,
    budgetCap: null,
    agencyCommissionPct: null,
    partners: [],
  });
  const size = () => Buffer.byteLength(canonicalJson(terms()), 'utf8');
  // A geo adds `"G00001"` (8 bytes) to an empty list and `,"G00001"` (9) to a filled one;
  // fill round-robin while a whole geo still fits, counting instead of re-measuring.
  let current = size();
  for (let n = 0; ; n += 1) {
    const list = geoLists[n % CHARGES]!;
    const cost = list.length === 0 ? 8 : 9;
    if (current + cost > bytes) break;
    if (list.length >= MAX_GEOS) throw new Error('terms cannot grow further');
    list.push(geo(n));
    current += cost;
  }
  // The last few bytes: lengthen that many geos by one character (up to 8 are allowed).
  for (let i = 0; current < bytes; i += 1, current += 1) {
    const list = geoLists[i % CHARGES]!;
    list[0] = `${list[0]}x`;
  }
  const result = terms();
  if (Buffer.byteLength(canonicalJson(result), 'utf8') !== bytes) throw new Error('largestTerms missed its size');
  return result;
}
