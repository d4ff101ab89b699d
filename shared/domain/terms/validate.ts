/**
 * The rules of contract terms that a schema of shapes cannot state alone: money digits by
 * currency, ordering of versions and tiers, references between charges and partner shares.
 * Returns every problem with its field path, so a caller can report them all at once.
 */
import { isKnownCurrency, minorUnits } from '../kernel/currencies';
import { isDay, isInstant, isTimeZone } from '../kernel/calendar';
import type { ErrorDetail } from '../kernel/errors';
import type { ContractTerms, VersionTerms } from './types';

const DECIMAL = /^\d+(\.(\d+))?$/;
export const MAX_RATE_DECIMALS = 6;

export function decimalPlaces(value: string): number {
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

function checkMoney(value: string | null | undefined, path: string, digits: number, currency: string, out: ErrorDetail[]): void {
  if (value === null || value === undefined) return;
  if (!DECIMAL.test(value)) {
    out.push({ path, message: `must be a non-negative decimal string, got "${value}"` });
  } else if (decimalPlaces(value) > digits) {
    out.push({ path, message: `${currency} amounts carry at most ${digits} decimal places, got "${value}"` });
  }
}

/** Checks one version's terms against the contract currency. Paths are relative to `prefix`. */
export function validateVersionTerms(terms: VersionTerms, currency: string, prefix = ''): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const at = (path: string) => (prefix ? `${prefix}.${path}` : path);
  const digits = isKnownCurrency(currency) ? minorUnits(currency) : MAX_RATE_DECIMALS;

  const chargeIds = new Set<string>();
  const cpaEvents = new Map<string, string>();
  terms.charges.forEach((charge, i) => {
    const path = at(`charges.${i}`);
    if (chargeIds.has(charge.id)) out.push({ path: `${path}.id`, message: `duplicate charge id "${charge.id}"` });
    chargeIds.add(charge.id);
    if (charge.kind === 'CPA') {
      const other = cpaEvents.get(charge.event);
      if (other !== undefined) {
        out.push({ path: `${path}.event`, message: `charges "${other}" and "${charge.id}" both pay for event "${charge.event}"` });
      }
      cpaEvents.set(charge.event, charge.id);
      checkMoney(charge.payout.flat, `${path}.payout.flat`, digits, currency, out);
      checkMoney(charge.payout.min, `${path}.payout.min`, digits, currency, out);
      checkMoney(charge.payout.max, `${path}.payout.max`, digits, currency, out);
      checkMoney(charge.eligibility.minValue, `${path}.eligibility.minValue`, digits, currency, out);
      const { min, max } = charge.payout;
      if (min !== null && max !== null && DECIMAL.test(min) && DECIMAL.test(max) && Number(min) > Number(max)) {
        out.push({ path: `${path}.payout`, message: `payout min ${min} is above max ${max}` });
      }
    }
  });

  const kinds = new Map(terms.charges.map((c) => [c.id, c.kind] as const));
  terms.partners.forEach((share, i) => {
    const path = at(`partners.${i}`);
    const hasPercent = share.percentOfRevenue !== undefined && share.percentOfRevenue !== null;
    const hasFlat = share.flatPerConversion !== undefined && share.flatPerConversion !== null;
    if (hasPercent === hasFlat) {
      out.push({ path, message: 'a partner share names exactly one of percentOfRevenue and flatPerConversion' });
    }
    if (hasFlat) checkMoney(share.flatPerConversion, `${path}.flatPerConversion`, digits, currency, out);
    share.chargeIds.forEach((chargeId, j) => {
      const kind = kinds.get(chargeId);
      if (kind === undefined) {
        out.push({ path: `${path}.chargeIds.${j}`, message: `no charge "${chargeId}" in these terms` });
      } else if (hasFlat && kind !== 'CPA') {
        out.push({ path: `${path}.flatPerConversion`, message: `flatPerConversion applies to CPA charges only; "${chargeId}" is ${kind}` });
      }
    });
  });

  if (terms.minimumCommitment) checkMoney(terms.minimumCommitment.amount, at('minimumCommitment.amount'), digits, currency, out);
  if (terms.budgetCap) checkMoney(terms.budgetCap.amount, at('budgetCap.amount'), digits, currency, out);
  return out;
}

/** Checks a whole contract: currency, zone, dates, version order, and every version's terms. */
export function validateContractTerms(contract: ContractTerms): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  if (!isKnownCurrency(contract.currency)) {
    out.push({ path: 'currency', message: `unknown ISO 4217 currency "${contract.currency}"` });
  }
  if (!isTimeZone(contract.timezone)) out.push({ path: 'timezone', message: `unknown IANA time zone "${contract.timezone}"` });
  const datesValid = isDay(contract.startDate) && isDay(contract.endDate);
  if (!isDay(contract.startDate)) out.push({ path: 'startDate', message: 'must be a calendar day YYYY-MM-DD' });
  if (!isDay(contract.endDate)) out.push({ path: 'endDate', message: 'must be a calendar day YYYY-MM-DD' });
  if (datesValid && contract.endDate < contract.startDate) {
    out.push({ path: 'endDate', message: `endDate ${contract.endDate} is before startDate ${contract.startDate}` });
  }
  if (contract.versions.length === 0) out.push({ path: 'versions', message: 'at least one version is required' });
  contract.versions.forEach((version, i) => {
    const path = `versions.${i}`;
    if (!isDay(version.effectiveFrom)) {
      out.push({ path: `${path}.effectiveFrom`, message: 'must be a calendar day YYYY-MM-DD' });
    } else if (i === 0 && version.effectiveFrom !== contract.startDate) {
      out.push({ path: `${path}.effectiveFrom`, message: `the first version must start on startDate ${contract.startDate}` });
    } else if (i > 0) {
      const previous = contract.versions[i - 1]!.effectiveFrom;
      if (isDay(previous) && version.effectiveFrom <= previous) {
        out.push({ path: `${path}.effectiveFrom`, message: `versions must be in ascending effectiveFrom order (${version.effectiveFrom} after ${previous})` });
      }
    }
    if (version.recordedAt !== undefined && version.recordedAt !== null && !isInstant(version.recordedAt)) {
      out.push({ path: `${path}.recordedAt`, message: 'must be an ISO 8601 instant' });
    }
    out.push(...validateVersionTerms(version, contract.currency, path));
  });
  return out;
}
