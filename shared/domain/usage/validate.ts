/**
 * The rules a usage record must meet beyond its shape (shared/schemas/terms.ts checks that):
 * it must fit the contract it is sent for. Pure; returns every problem of a record so a batch
 * can be reported in one answer.
 */
import { addDays, localDay } from '../kernel/calendar';
import { isKnownCurrency, minorUnits } from '../kernel/currencies';
import { decimalPlaces } from '../terms/validate';
import type { Conversion, Impression } from '../terms/types';
import type { FieldError, UsageContract } from './types';

/**
 * How far outside the contract's term a record's day may be. Usage just outside the term is
 * legitimate (it is stored and shown, the run does not bill it: FORMAT.md "Usage outside the
 * term"); a day years away is a feed error, such as a swapped day and month.
 */
export const USAGE_DAY_MARGIN_DAYS = 366;

export interface ChargeIndex {
  /** Charge id -> kinds it has in the contract's versions (a charge may change kind across versions). */
  readonly kinds: ReadonlyMap<string, ReadonlySet<string>>;
  /** The versions a billing run rates with, ascending effectiveFrom, with their charge ids. */
  readonly approved: ReadonlyArray<{ effectiveFrom: string; chargeIds: ReadonlySet<string> }>;
  readonly earliestDay: string;
  readonly latestDay: string;
}

/** Precomputes what every record of a batch is checked against. */
export function chargeIndex(contract: UsageContract): ChargeIndex {
  const kinds = new Map<string, Set<string>>();
  for (const version of contract.versions) {
    for (const charge of version.charges) {
      const set = kinds.get(charge.id) ?? new Set<string>();
      set.add(charge.kind);
      kinds.set(charge.id, set);
    }
  }
  const approved = contract.versions
    .filter((v) => v.approved)
    .map((v) => ({ effectiveFrom: v.effectiveFrom, chargeIds: new Set(v.charges.map((c) => c.id)) }))
    .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : a.effectiveFrom > b.effectiveFrom ? 1 : 0));
  return {
    kinds,
    approved,
    earliestDay: addDays(contract.startDate, -USAGE_DAY_MARGIN_DAYS),
    latestDay: addDays(contract.endDate, USAGE_DAY_MARGIN_DAYS),
  };
}

/** The approved terms a run checks a day's records against: the last version in effect by then (also after endDate). */
function approvedOn(day: string, index: ChargeIndex): ChargeIndex['approved'][number] | undefined {
  let current: ChargeIndex['approved'][number] | undefined;
  for (const version of index.approved) if (version.effectiveFrom <= day) current = version;
  return current;
}

function checkDay(day: string, path: string, contract: UsageContract, index: ChargeIndex, out: FieldError[]): void {
  if (day < index.earliestDay || day > index.latestDay) {
    out.push({
      path,
      message: `day ${day} is more than ${USAGE_DAY_MARGIN_DAYS} days outside the contract's term ${contract.startDate}..${contract.endDate}`,
    });
  }
}

/**
 * An impression must name a CPM or CPCV charge of the contract (its completedViews, at most its
 * count, are what a CPCV charge bills), and once the contract has approved
 * terms, a charge of the approved version in effect on its day: a billing run rejects the
 * whole contract for a record naming a charge its version does not have (FORMAT.md), so such a
 * record is refused here, where the sender can still fix it. Before any approval (a draft
 * contract) every non-rejected version's charges count. Days before the start are billed by no
 * version and only need a known charge.
 */
export function validateImpression(record: Impression, contract: UsageContract, index: ChargeIndex): FieldError[] {
  const out: FieldError[] = [];
  const kinds = index.kinds.get(record.chargeId);
  if (kinds === undefined) {
    out.push({ path: 'chargeId', message: `contract ${contract.id} has no charge "${record.chargeId}"` });
  } else if (!kinds.has('CPM') && !kinds.has('CPCV')) {
    out.push({ path: 'chargeId', message: `charge "${record.chargeId}" is not a CPM or CPCV charge; impressions are billed by CPM and CPCV charges` });
  } else if (record.date >= contract.startDate) {
    const version = approvedOn(record.date, index);
    if (version && !version.chargeIds.has(record.chargeId)) {
      out.push({
        path: 'chargeId',
        message: `charge "${record.chargeId}" is not in the approved terms in effect on ${record.date} (effective from ${version.effectiveFrom})`,
      });
    }
  }
  checkDay(record.date, 'date', contract, index, out);
  return out;
}

/**
 * A conversion's value is money in the contract's currency, so it carries at most the
 * currency's minor digits ("1.500" is not a USD amount); its day, in the contract's zone,
 * must be near the term. Its event need not match a charge: such a conversion is simply not
 * billable (FORMAT.md).
 */
export function validateConversion(record: Conversion, contract: UsageContract, index: ChargeIndex): FieldError[] {
  const out: FieldError[] = [];
  if (isKnownCurrency(contract.currency)) {
    const digits = minorUnits(contract.currency);
    if (decimalPlaces(record.value) > digits) {
      out.push({ path: 'value', message: `${contract.currency} amounts carry at most ${digits} decimal places, got "${record.value}"` });
    }
  }
  checkDay(localDay(record.occurredAt, contract.timezone), 'occurredAt', contract, index, out);
  if (record.reversedAt && Date.parse(record.reversedAt) < Date.parse(record.occurredAt)) {
    out.push({ path: 'reversedAt', message: 'a conversion cannot be reversed before it occurred' });
  }
  return out;
}
