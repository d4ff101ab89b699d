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
import { parseDay, parseInstant, zoneDays } from './day-index';
import { firstExclusion, parseMinorUnits, type CpaSlot } from './cpa';
import { versionForValidation, type PeriodPlan } from './versions';
import type { Problems } from './validate-request';

const SAFE = Number.MAX_SAFE_INTEGER;

export function selectImpressions(plan: PeriodPlan, impressions: readonly Impression[], problems: Problems): void {
  const { period, activeFirst, activeLast, asOfMs, segments, segmentOfDay, versionChargeIds, contract } = plan;
  let lastDate = '';
  let lastDay = Number.NaN;
  let lastVersion = -1;
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
    if (!versionChargeIds[version]!.has(record.chargeId)) {
      problems.add(
        `usage.impressions.${i}.chargeId`,
        `no charge "${record.chargeId}" in version ${version + 1}, in effect on ${record.date} (contract ${contract.startDate}..${contract.endDate})`,
      );
      continue;
    }
    if (day < activeFirst || day > activeLast || receivedMs > asOfMs) continue;
    const s = segmentOfDay[day - period.first]!;
    if (s < 0) continue;
    const slot = segments[s]!.cpm.get(record.chargeId);
    if (slot === undefined) continue; // a CPA charge's id: impressions do not bill it
    if (firstParty) slot.firstParty += count;
    else slot.thirdParty += count;
    const partnerId = record.partnerId;
    if (partnerId !== undefined && partnerId !== null && firstParty === slot.billableFirstParty) {
      slot.partnerImpressions.set(partnerId, (slot.partnerImpressions.get(partnerId) ?? 0) + count);
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
  const seen = new Set<string>();
  // Charges with maxConversionsPerPeriod: their places are given in (occurredAt, id) order
  // after the pass, across the period's versions.
  const capped = new Set<string>();
  for (const segment of segments) {
    for (const slot of segment.cpaByEvent.values()) if (slot.cap !== null) capped.add(slot.charge.id);
  }
  const pending: Pending[] = [];

  for (let i = 0; i < conversions.length; i++) {
    const record = conversions[i]!;
    const id = record.id;
    if (typeof id !== 'string' || id.length === 0) {
      problems.add(`usage.conversions.${i}.id`, 'must be a non-empty string');
      continue;
    }
    // Rule 7: the first record with an id is the one considered, whatever later ones say.
    // (one hash lookup: the set grows unless the id was seen)
    const known = seen.size;
    const duplicate = seen.add(id).size === known;
    const occurredMs = parseInstant(record.occurredAt);
    const exposureMs = parseInstant(record.exposureAt);
    const valueMinor = parseMinorUnits(record.value, digits);
    let reversedMs = Number.POSITIVE_INFINITY;
    let receivedMs = Number.NEGATIVE_INFINITY;
    if (record.reversedAt !== undefined && record.reversedAt !== null) reversedMs = parseInstant(record.reversedAt);
    if (record.receivedAt !== undefined && record.receivedAt !== null) receivedMs = parseInstant(record.receivedAt);
    // One NaN check for the finite three; the optional instants are ±Infinity when absent.
    if (Number.isNaN(occurredMs + exposureMs + valueMinor) || Number.isNaN(reversedMs) || Number.isNaN(receivedMs) || typeof record.event !== 'string') {
      reportConversion(record, i, digits, problems);
      continue;
    }
    const day = zone.dayOf(occurredMs);
    if (day < activeFirst || day > activeLast) continue;
    const s = segmentOfDay[day - period.first]!;
    if (s < 0) continue;
    const segment = segments[s]!;
    if (!duplicate) segment.conversions++;
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
    const exclusion = firstExclusion(
      slot, occurredMs, exposureMs, record.geo, record.newCustomer, valueMinor, reversedMs, receivedMs, asOfMs,
    );
    if (exclusion !== null) {
      slot.excluded[exclusion]++;
      continue;
    }
    if (capped.size > 0 && capped.has(slot.charge.id)) {
      pending.push({ occurredMs, id, valueMinor, partnerId: record.partnerId, slot });
    } else {
      slot.add(valueMinor, record.partnerId);
    }
  }
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
