/**
 * One pass over each kind of usage record: check it, decide whether the run bills it, and add
 * it to its charge's integer aggregates. This is the hot path of rating (millions of records
 * per month), so it allocates nothing per record, parses the fixed date formats by hand,
 * reuses the previous record's day when the date repeats, and never touches a decimal.
 *
 * The usage passed in may hold other periods' records: every record is checked (an invalid
 * record anywhere rejects the run), only the period's are aggregated.
 */
import type { Conversion, Impression } from '../terms/types';
import * as days from './day-index';
import * as cpa from './cpa';
import type { CpaSlot } from './cpa';
import type { CpmSlot } from './cpm';
import * as versions from './versions';
import type { PeriodPlan } from './versions';
import type { Problems } from './validate-request';
import { firstIds } from './first-ids';

// Module-local bindings of the per-record functions: where modules are compiled to CommonJS,
// every use of an import is a property getter, which keeps the optimizer from inlining these
// calls in the record loops.
const parseDay = days.parseDay;
const parseInstant = days.parseInstant;
const readInstant = days.readInstant;
const instant = days.instantParts;
const zoneDays = days.zoneDays;
const parseMinorUnits = cpa.parseMinorUnits;
const DAY_MS = days.DAY_MS;
const HOUR_MS = 3_600_000;
const OFFSET_VARIES = days.OFFSET_VARIES;
const versionForValidation = versions.versionForValidation;

const SAFE = Number.MAX_SAFE_INTEGER;

export function selectImpressions(plan: PeriodPlan, impressions: readonly Impression[], problems: Problems): void {
  const { period, activeFirst, activeLast, asOfMs, segments, segmentOfDay, versionChargeIds, contract } = plan;
  let lastDate = '';
  let lastDay = Number.NaN;
  let lastVersion = -1;
  // Records come grouped (per charge, per day): the charge check of the previous record, and
  // its slot, are reused while the charge id, version and segment repeat.
  let checkedChargeId: unknown;
  let checkedVersion = -1;
  let slotChargeId: unknown;
  let slotSegment = -1;
  let lastSlot: CpmSlot | undefined;
  for (let i = 0; i < impressions.length; i++) {
    const record = impressions[i]!;
    let day: number;
    let version: number;
    if (record.date === lastDate) {
      day = lastDay;
      version = lastVersion;
    } else {
      day = parseDay(record.date);
      version = Number.isNaN(day) ? -1 : versionForValidation(plan, day);
      lastDate = record.date;
      lastDay = day;
      lastVersion = version;
    }
    if (Number.isNaN(day)) {
      problems.add(`usage.impressions.${i}.date`, 'must be a calendar day YYYY-MM-DD');
      continue;
    }
    const count = record.count;
    if (!(Number.isSafeInteger(count) && count >= 0)) {
      problems.add(`usage.impressions.${i}.count`, 'must be a non-negative integer');
      continue;
    }
    const firstParty = record.source === 'FIRST_PARTY';
    if (!firstParty && record.source !== 'THIRD_PARTY') {
      problems.add(`usage.impressions.${i}.source`, 'must be FIRST_PARTY or THIRD_PARTY');
      continue;
    }
    let receivedMs = Number.NEGATIVE_INFINITY;
    if (record.receivedAt !== undefined && record.receivedAt !== null) {
      receivedMs = parseInstant(record.receivedAt);
      if (Number.isNaN(receivedMs)) {
        problems.add(`usage.impressions.${i}.receivedAt`, 'must be an ISO 8601 instant');
        continue;
      }
    }
    // Before startDate no version is in effect: the record is skipped, not checked.
    if (version < 0) continue;
    const chargeId = record.chargeId;
    if (chargeId !== checkedChargeId || version !== checkedVersion) {
      if (!versionChargeIds[version]!.has(chargeId)) {
        problems.add(
          `usage.impressions.${i}.chargeId`,
          `no charge "${chargeId}" in version ${version + 1}, in effect on ${record.date} (contract ${contract.startDate}..${contract.endDate})`,
        );
        continue;
      }
      checkedChargeId = chargeId;
      checkedVersion = version;
    }
    if (day < activeFirst || day > activeLast || receivedMs > asOfMs) continue;
    const s = segmentOfDay[day - period.first]!;
    if (s < 0) continue;
    if (chargeId !== slotChargeId || s !== slotSegment) {
      lastSlot = segments[s]!.cpm.get(chargeId);
      slotChargeId = chargeId;
      slotSegment = s;
    }
    const slot = lastSlot;
    if (slot === undefined) continue; // a CPA charge's id: impressions do not bill it
    if (firstParty) slot.firstParty += count;
    else slot.thirdParty += count;
    const partnerId = record.partnerId;
    if (partnerId !== undefined && partnerId !== null && firstParty === slot.billableFirstParty) {
      slot.addPartnerImpressions(partnerId, count);
    }
  }
  for (const segment of segments) {
    for (const slot of segment.cpm.values()) {
      if (slot.firstParty > SAFE || slot.thirdParty > SAFE) {
        problems.add('usage.impressions', `impressions of charge "${slot.charge.id}" in ${contract.currency} period exceed ${SAFE}`);
      }
    }
  }
}

/**
 * Conversion values are short strings that the JSON parser interns, so they do not sit next
 * to their records: with many distinct values each one is a cache miss of its own, and read
 * one record at a time those misses come one after the other (profiles of large usage put
 * half of the pass on the first read of the value). Touching the values of a block of
 * records together lets the processor fetch them at the same time; the pass then finds them
 * in cache. `touchValues` only reads: its result is kept in `valueCharsTouched` so that the
 * compiler cannot drop the reads.
 */
const VALUE_BLOCK = 16;
let valueCharsTouched = 0;

function touchValues(conversions: readonly Conversion[], from: number): number {
  const to = Math.min(from + VALUE_BLOCK, conversions.length);
  let chars = 0;
  for (let k = from; k < to; k++) {
    const value = conversions[k]!.value;
    if (typeof value === 'string') chars += value.length;
  }
  return chars;
}

/** How many value characters the last pass touched ahead of reading them (see touchValues). */
export function lastValueCharsTouched(): number {
  return valueCharsTouched;
}

interface Pending {
  occurredMs: number;
  id: string;
  valueMinor: number;
  partnerId: string | null | undefined;
  slot: CpaSlot;
}

export function selectConversions(plan: PeriodPlan, conversions: readonly Conversion[], problems: Problems): void {
  const { period, activeFirst, activeLast, asOfMs, segments, segmentOfDay, digits } = plan;
  const zone = zoneDays(plan.contract.timezone);
  const seen = firstIds;
  seen.begin(conversions);
  // Charges with maxConversionsPerPeriod: their places are given in (occurredAt, id) order
  // after the pass, across the period's versions.
  const capped = new Set<string>();
  for (const segment of segments) {
    for (const slot of segment.cpaByEvent.values()) if (slot.cap !== null) capped.add(slot.charge.id);
  }
  const pending: Pending[] = [];
  // UTC offsets of the hours that can fall on the period's days (a day either side covers
  // every zone offset), read directly from the zone's shared window; other hours, and an
  // hour inside which the offset changes, take the exact path.
  const firstHour = (period.first - 1) * 24;
  const lastHour = (period.last + 2) * 24 - 1;
  const hours = zone.hours(firstHour, lastHour);
  const offsets = hours === null ? null : hours.offsets;
  const hourBase = hours === null ? 0 : hours.start;
  const hourLo = hours === null ? 1 : firstHour;
  const hourHi = hours === null ? 0 : lastHour;

  let touched = 0;
  for (let i = 0; i < conversions.length; i++) {
    if ((i & (VALUE_BLOCK - 1)) === 0) touched += touchValues(conversions, i);
    const record = conversions[i]!;
    const id = record.id;
    if (typeof id !== 'string' || id.length === 0) {
      problems.add(`usage.conversions.${i}.id`, 'must be a non-empty string');
      continue;
    }
    // Rule 7: the first record with an id is the one considered, whatever later ones say.
    const duplicate = !seen.isFirst(i, id);
    // Instants are read as (day, ms of day) and combined here, so no epoch-ms double is
    // ever passed to or returned from a call (see day-index.ts).
    let valid = typeof record.occurredAt === 'string' && readInstant(record.occurredAt);
    const occurredMs = instant.day * DAY_MS + instant.msOfDay;
    valid = valid && typeof record.exposureAt === 'string' && readInstant(record.exposureAt);
    const exposureMs = instant.day * DAY_MS + instant.msOfDay;
    // Absent: never reversed, always received.
    let reversedMs = Number.POSITIVE_INFINITY;
    let receivedMs = Number.NEGATIVE_INFINITY;
    const reversedAt = record.reversedAt;
    if (reversedAt !== undefined && reversedAt !== null) {
      if (typeof reversedAt === 'string' && readInstant(reversedAt)) reversedMs = instant.day * DAY_MS + instant.msOfDay;
      else valid = false;
    }
    const receivedAt = record.receivedAt;
    if (receivedAt !== undefined && receivedAt !== null) {
      if (typeof receivedAt === 'string' && readInstant(receivedAt)) receivedMs = instant.day * DAY_MS + instant.msOfDay;
      else valid = false;
    }
    const valueMinor = parseMinorUnits(record.value, digits);
    if (!valid || Number.isNaN(valueMinor) || typeof record.event !== 'string') {
      reportConversion(record, i, digits, problems);
      continue;
    }

    // Its period and terms: the local day of occurredAt in the contract's zone.
    const hour = Math.floor(occurredMs / HOUR_MS);
    const offset = hour >= hourLo && hour <= hourHi ? offsets![hour - hourBase]! : zone.offsetOfHour(hour);
    const day = offset === OFFSET_VARIES ? zone.dayOf(occurredMs) : Math.floor((occurredMs + offset) / DAY_MS);
    if (day < activeFirst || day > activeLast) continue;
    const s = segmentOfDay[day - period.first]!;
    if (s < 0) continue;
    const segment = segments[s]!;
    if (!duplicate) segment.conversions++;

    // Rule 1: the charge paying for its event.
    const event = record.event;
    const events = segment.cpaEvents;
    let slot: CpaSlot | undefined;
    for (let k = 0; k < events.length; k++) {
      if (events[k] === event) {
        slot = segment.cpaSlots[k];
        break;
      }
    }
    if (slot === undefined) continue;
    if (duplicate) {
      slot.excluded.duplicate++;
      continue;
    }
    slot.matched++;

    // Rules 2–6 in order; the first one broken is the one the explanation counts.
    const lag = occurredMs - exposureMs;
    if (lag < 0 || lag > slot.windowMs) {
      slot.excluded.outsideWindow++;
      continue;
    }
    if (!slot.geoAllowed(record.geo) || (slot.newCustomersOnly && !record.newCustomer) || valueMinor < slot.minValueMinor) {
      slot.excluded.ineligible++;
      continue;
    }
    if (reversedMs <= asOfMs) {
      slot.excluded.reversed++;
      continue;
    }
    if (occurredMs + slot.holdMs > asOfMs) {
      slot.excluded.held++;
      continue;
    }
    if (receivedMs > asOfMs) {
      slot.excluded.notReceived++;
      continue;
    }
    if (capped.size > 0 && capped.has(slot.charge.id)) {
      pending.push({ occurredMs, id, valueMinor, partnerId: record.partnerId, slot });
    } else {
      slot.add(valueMinor, record.partnerId);
    }
  }
  seen.end();
  valueCharsTouched = touched;
  if (pending.length > 0) admitWithinCaps(pending);
}

/** Rule 8: places per charge over the whole period, in order of occurredAt, then id. */
function admitWithinCaps(pending: Pending[]): void {
  pending.sort((a, b) => {
    if (a.slot.charge.id !== b.slot.charge.id) return a.slot.charge.id < b.slot.charge.id ? -1 : 1;
    if (a.occurredMs !== b.occurredMs) return a.occurredMs - b.occurredMs;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  let chargeId = '';
  let place = 0;
  for (const entry of pending) {
    if (entry.slot.charge.id !== chargeId) {
      chargeId = entry.slot.charge.id;
      place = 0;
    }
    place++;
    const cap = entry.slot.cap;
    if (cap === null || place <= cap) entry.slot.add(entry.valueMinor, entry.partnerId);
    else entry.slot.excluded.overCap++;
  }
}

function reportConversion(record: Conversion, i: number, digits: number, problems: Problems): void {
  const at = `usage.conversions.${i}`;
  if (Number.isNaN(parseInstant(record.occurredAt))) problems.add(`${at}.occurredAt`, 'must be an ISO 8601 instant');
  if (Number.isNaN(parseInstant(record.exposureAt))) problems.add(`${at}.exposureAt`, 'must be an ISO 8601 instant');
  if (Number.isNaN(parseMinorUnits(record.value, digits))) {
    problems.add(`${at}.value`, `must be a non-negative amount with at most ${digits} decimals (and below ${SAFE} minor units)`);
  }
  if (record.reversedAt !== undefined && record.reversedAt !== null && Number.isNaN(parseInstant(record.reversedAt))) {
    problems.add(`${at}.reversedAt`, 'must be an ISO 8601 instant');
  }
  if (record.receivedAt !== undefined && record.receivedAt !== null && Number.isNaN(parseInstant(record.receivedAt))) {
    problems.add(`${at}.receivedAt`, 'must be an ISO 8601 instant');
  }
  if (typeof record.event !== 'string') problems.add(`${at}.event`, 'must be a string');
}
