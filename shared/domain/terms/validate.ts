/**
 * The rules of contract terms that a schema of shapes cannot state alone: money digits by
 * currency, ordering of versions and tiers, references between charges and partner shares.
 * Returns every problem with its field path, so a caller can report them all at once.
 */
import { isKnownCurrency, minorUnits } from '../kernel/currencies';
import { isDay, isPeriod, isTimeZone, isUtcInstant } from '../kernel/calendar';
import type { ErrorDetail } from '../kernel/errors';
import type { ContractTerms, CpaCharge, CpaPayout, Credit, VersionTerms } from './types';

const DECIMAL = /^\d+(\.(\d+))?$/;
export const MAX_RATE_DECIMALS = 6;

export function decimalPlaces(value: string): number {
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

/**
 * The decimal places of a non-negative decimal string (`/^\d+(\.\d+)?$/`, ASCII digits), or
 * −1 when it is not one. Terms are checked every time a contract is rated, a few dozen
 * amounts and rates each: one scan answers both questions the pattern and decimalPlaces did.
 */
export function plainDecimalPlaces(value: string): number {
  const n = value.length;
  let k = 0;
  while (k < n && isDigit(value.charCodeAt(k))) k++;
  if (k === 0) return -1;
  if (k === n) return 0;
  if (value.charCodeAt(k) !== 46 /* . */ || k === n - 1) return -1;
  for (let f = k + 1; f < n; f++) if (!isDigit(value.charCodeAt(f))) return -1;
  return n - k - 1;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function checkMoney(value: string | null | undefined, path: string, digits: number, currency: string, out: ErrorDetail[]): void {
  if (value === null || value === undefined) return;
  // A JSON number is not money (FORMAT.md clarifications), though a regex would read it as one.
  const places = typeof value === 'string' ? plainDecimalPlaces(value) : -1;
  if (places < 0) {
    out.push({ path, message: `must be a non-negative decimal string, got "${value}"` });
  } else if (places > digits) {
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
      checkCpaPayouts(charge, path, digits, currency, out);
      checkMoney(charge.eligibility?.minValue, `${path}.eligibility.minValue`, digits, currency, out);
      if (charge.attribution !== undefined && charge.attribution !== null && !ATTRIBUTIONS.has(charge.attribution)) {
        out.push({ path: `${path}.attribution`, message: `must be FIRST_RECORD, LAST_TOUCH or FIRST_TOUCH, got "${String(charge.attribution)}"` });
      }
    } else {
      const extra = charge as unknown as Record<string, unknown>;
      for (const field of CPA_ONLY_FIELDS) {
        if (extra[field] !== undefined && extra[field] !== null) {
          out.push({ path: `${path}.${field}`, message: `${field} belongs to CPA charges only; "${charge.id}" is ${charge.kind}` });
        }
      }
      if (charge.kind === 'CPCV') {
        const threshold = extra.discrepancyThresholdPct;
        if (threshold !== undefined && threshold !== null) {
          out.push({ path: `${path}.discrepancyThresholdPct`, message: 'a CPCV charge has no discrepancyThresholdPct' });
        }
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
  if (terms.performanceGuarantee) checkGuarantee(terms, at('performanceGuarantee'), digits, currency, out);
  return out;
}

const ATTRIBUTIONS = new Set<string>(['FIRST_RECORD', 'LAST_TOUCH', 'FIRST_TOUCH']);
const CPA_ONLY_FIELDS = ['payoutTiers', 'partnerOverrides', 'attribution'] as const;

function checkPayout(payout: CpaPayout, path: string, digits: number, currency: string, out: ErrorDetail[]): void {
  checkMoney(payout.flat, `${path}.flat`, digits, currency, out);
  checkMoney(payout.min, `${path}.min`, digits, currency, out);
  checkMoney(payout.max, `${path}.max`, digits, currency, out);
  const { min, max } = payout;
  if (typeof min === 'string' && typeof max === 'string' && plainDecimalPlaces(min) >= 0 && plainDecimalPlaces(max) >= 0 && compareDecimals(min, max) > 0) {
    out.push({ path, message: `payout min ${min} is above max ${max}` });
  }
}

/** v2 sections 1 and 2: exactly one of payout and payoutTiers; a partner in at most one override. */
function checkCpaPayouts(charge: CpaCharge, path: string, digits: number, currency: string, out: ErrorDetail[]): void {
  const hasPayout = charge.payout !== undefined && charge.payout !== null;
  const hasTiers = charge.payoutTiers !== undefined && charge.payoutTiers !== null;
  if (hasPayout === hasTiers) {
    out.push({ path: hasPayout ? `${path}.payoutTiers` : `${path}.payout`, message: 'a CPA charge names exactly one of payout and payoutTiers' });
  }
  if (hasPayout) checkPayout(charge.payout!, `${path}.payout`, digits, currency, out);
  if (hasTiers) {
    const tiers = charge.payoutTiers!;
    if (tiers.model !== 'GRADUATED' && tiers.model !== 'VOLUME') {
      out.push({ path: `${path}.payoutTiers.model`, message: `must be GRADUATED or VOLUME, got "${String(tiers.model)}"` });
    }
    if (!Array.isArray(tiers.tiers) || tiers.tiers.length === 0) {
      out.push({ path: `${path}.payoutTiers.tiers`, message: 'at least one tier is required' });
    } else {
      tiers.tiers.forEach((tier, t) => {
        const tierPath = `${path}.payoutTiers.tiers.${t}`;
        const last = t === tiers.tiers.length - 1;
        if (last && tier.upTo !== null) out.push({ path: `${tierPath}.upTo`, message: 'the last tier must have upTo: null' });
        if (!last && tier.upTo === null) out.push({ path: `${tierPath}.upTo`, message: 'only the last tier may be unbounded' });
        if (tier.upTo !== null && !(Number.isSafeInteger(tier.upTo) && tier.upTo > 0)) {
          out.push({ path: `${tierPath}.upTo`, message: 'must be a positive integer (a rank) or null' });
        }
        const previous = t > 0 ? tiers.tiers[t - 1]!.upTo : null;
        if (t > 0 && tier.upTo !== null && previous !== null && tier.upTo <= previous) {
          out.push({ path: `${tierPath}.upTo`, message: 'tiers must be in ascending upTo order' });
        }
        checkPayout(tier.payout, `${tierPath}.payout`, digits, currency, out);
      });
    }
  }
  const overridden = new Map<string, number>();
  (charge.partnerOverrides ?? []).forEach((override, o) => {
    const overridePath = `${path}.partnerOverrides.${o}`;
    if (!Array.isArray(override.partnerIds) || override.partnerIds.length === 0) {
      out.push({ path: `${overridePath}.partnerIds`, message: 'an override names at least one partner' });
    }
    (override.partnerIds ?? []).forEach((partnerId, p) => {
      const earlier = overridden.get(partnerId);
      // A partner repeated inside one override is harmless; in two overrides it is ambiguous.
      if (earlier !== undefined && earlier !== o) {
        out.push({ path: `${overridePath}.partnerIds.${p}`, message: `partner "${partnerId}" is already in override ${earlier} of charge "${charge.id}"` });
      }
      if (earlier === undefined) overridden.set(partnerId, o);
    });
    checkPayout(override.payout, `${overridePath}.payout`, digits, currency, out);
  });
}

/** v2 section 5: media charges are CPM or CPCV, conversion charges CPA, of this version; lists non-empty. */
function checkGuarantee(terms: VersionTerms, path: string, digits: number, currency: string, out: ErrorDetail[]): void {
  const guarantee = terms.performanceGuarantee!;
  checkMoney(guarantee.maxCostPerConversion, `${path}.maxCostPerConversion`, digits, currency, out);
  if (guarantee.maxCostPerConversion === undefined || guarantee.maxCostPerConversion === null) {
    out.push({ path: `${path}.maxCostPerConversion`, message: 'is required' });
  }
  const kinds = new Map(terms.charges.map((c) => [c.id, c.kind] as const));
  const checkList = (ids: readonly string[] | undefined, field: string, allowed: readonly string[], what: string): void => {
    if (!Array.isArray(ids) || ids.length === 0) {
      out.push({ path: `${path}.${field}`, message: `names at least one ${what} charge` });
      return;
    }
    ids.forEach((chargeId, j) => {
      const kind = kinds.get(chargeId);
      if (kind === undefined) out.push({ path: `${path}.${field}.${j}`, message: `no charge "${chargeId}" in these terms` });
      else if (!allowed.includes(kind)) out.push({ path: `${path}.${field}.${j}`, message: `"${chargeId}" is ${kind}; ${field} names ${what} charges` });
    });
  };
  checkList(guarantee.mediaChargeIds, 'mediaChargeIds', ['CPM', 'CPCV'], 'CPM or CPCV');
  checkList(guarantee.conversionChargeIds, 'conversionChargeIds', ['CPA'], 'CPA');
}

/** Compares two non-negative decimal strings exactly (no floating point). */
export function compareDecimals(a: string, b: string): number {
  const [aWhole = '', aFrac = ''] = a.split('.');
  const [bWhole = '', bFrac = ''] = b.split('.');
  const aw = aWhole.replace(/^0+(?=\d)/, '');
  const bw = bWhole.replace(/^0+(?=\d)/, '');
  if (aw.length !== bw.length) return aw.length < bw.length ? -1 : 1;
  if (aw !== bw) return aw < bw ? -1 : 1;
  const width = Math.max(aFrac.length, bFrac.length);
  const af = aFrac.padEnd(width, '0');
  const bf = bFrac.padEnd(width, '0');
  return af === bf ? 0 : af < bf ? -1 : 1;
}

const CREDIT_REASONS = new Set<string>(['MAKE_GOOD', 'SERVICE_CREDIT', 'GOODWILL']);

/** v2 section 6: credits of the contract, each for one period, with unique ids and positive money. */
export function validateCredits(credits: readonly Credit[], currency: string, prefix = 'credits'): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const digits = isKnownCurrency(currency) ? minorUnits(currency) : MAX_RATE_DECIMALS;
  const ids = new Set<string>();
  credits.forEach((credit, i) => {
    const path = `${prefix}.${i}`;
    if (typeof credit.id !== 'string' || credit.id.length === 0) out.push({ path: `${path}.id`, message: 'must be a non-empty string' });
    else if (ids.has(credit.id)) out.push({ path: `${path}.id`, message: `duplicate credit id "${credit.id}"` });
    ids.add(credit.id);
    if (typeof credit.period !== 'string' || !isPeriod(credit.period)) out.push({ path: `${path}.period`, message: 'must be a period YYYY-MM' });
    if (typeof credit.amount !== 'string') {
      out.push({ path: `${path}.amount`, message: 'must be a decimal string' });
    } else {
      checkMoney(credit.amount, `${path}.amount`, digits, currency, out);
      if (DECIMAL.test(credit.amount) && !/[1-9]/.test(credit.amount)) out.push({ path: `${path}.amount`, message: 'a credit is a positive amount' });
    }
    if (!CREDIT_REASONS.has(credit.reason)) {
      out.push({ path: `${path}.reason`, message: `must be MAKE_GOOD, SERVICE_CREDIT or GOODWILL, got "${String(credit.reason)}"` });
    }
    if (credit.recordedAt !== undefined && credit.recordedAt !== null && !isUtcInstantValue(credit.recordedAt)) {
      out.push({ path: `${path}.recordedAt`, message: 'must be an ISO 8601 instant in UTC (Z)' });
    }
  });
  return out;
}

/** FORMAT.md: instants are UTC with `Z` (milliseconds allowed). */
function isUtcInstantValue(value: unknown): boolean {
  return typeof value === 'string' && isUtcInstant(value);
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
    if (version.recordedAt !== undefined && version.recordedAt !== null && !isUtcInstantValue(version.recordedAt)) {
      out.push({ path: `${path}.recordedAt`, message: 'must be an ISO 8601 instant in UTC (Z)' });
    }
    out.push(...validateVersionTerms(version, contract.currency, path));
  });
  if (contract.credits !== undefined && contract.credits !== null) {
    if (!Array.isArray(contract.credits)) out.push({ path: 'credits', message: 'must be a list of credits' });
    else out.push(...validateCredits(contract.credits, contract.currency));
  }
  return out;
}
