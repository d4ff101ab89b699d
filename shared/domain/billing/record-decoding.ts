/**
 * Decoding of usage records: the boundary behind which rating does what it does for speed.
 *
 * Rating reads millions of records per month, so a record's text is decoded here once, by
 * hand, into small integers (days since 1970, epoch milliseconds, minor units) that the rules
 * in usage-selection.ts compare; nothing is allocated per record. What this file does for
 * speed, and why, is said where it is done:
 *   - the fixed date and instant formats are parsed by hand (day-index.ts);
 *   - an impression day string repeated from the previous record is not parsed again;
 *   - a conversion's local day reads the zone's UTC offsets of the period's hours from a
 *     window filled once per zone (day-index.ts `ZoneDays.hours`);
 *   - conversion values are read a block ahead of the records (see `readValuesAhead`).
 * A record that does not decode is reported with its field path and rejects the run.
 *
 * Records read back from the usage store carry the numbers decoded once at ingestion
 * (usage/decode.ts: epoch ms, value units and scale, the id's hash) beside their text; those
 * are taken as they are and the text is not read (`ConversionReader.readDecoded`, and an
 * impression's `receivedMs`). Records given as text only (the API, the conformance suite) are
 * parsed as above. Both give the same numbers, so a run rates the same either way.
 */
import type { Conversion, Impression } from '../terms/types';
import { parseMinorUnits } from './cpa';
import { idHash } from './first-ids';
import { DAY_MS, instantParts, OFFSET_VARIES, parseDay, parseInstant, readInstant, zoneDays, type ZoneDays } from './day-index';
import type { Problems } from './validate-request';
import { versionForValidation, type PeriodPlan } from './versions';

const HOUR_MS = 3_600_000;
const SAFE = Number.MAX_SAFE_INTEGER;

/** Epoch ms of the instant `readInstant` just read. */
function readMs(): number {
  return instantParts.day * DAY_MS + instantParts.msOfDay;
}

/** One impression record, decoded. */
export class ImpressionReader {
  /** Day index of `date`, and the version it is checked against (−1: before startDate). */
  day = Number.NaN;
  version = -1;
  count = 0;
  /** v2 §4: completed views, 0 when absent. */
  views = 0;
  firstParty = false;
  /** Absent receivedAt: always received. */
  receivedMs = Number.NEGATIVE_INFINITY;
  private lastDate = '';

  constructor(private readonly plan: PeriodPlan) {}

  read(record: Impression, i: number, problems: Problems): boolean {
    // Records come grouped by day: a repeated date string keeps the day and version decoded last.
    if (record.date !== this.lastDate) {
      this.day = parseDay(record.date);
      this.version = Number.isNaN(this.day) ? -1 : versionForValidation(this.plan, this.day);
      this.lastDate = record.date;
    }
    if (Number.isNaN(this.day)) {
      problems.add(`usage.impressions.${i}.date`, 'must be a calendar day YYYY-MM-DD');
      return false;
    }
    const count = record.count;
    if (!(Number.isSafeInteger(count) && count >= 0)) {
      problems.add(`usage.impressions.${i}.count`, 'must be a non-negative integer');
      return false;
    }
    this.count = count;
    const views = record.completedViews;
    if (views === undefined) {
      this.views = 0;
    } else if (Number.isSafeInteger(views) && views >= 0 && views <= count) {
      this.views = views;
    } else {
      problems.add(`usage.impressions.${i}.completedViews`, `must be an integer from 0 to count (${String(count)})`);
      return false;
    }
    this.firstParty = record.source === 'FIRST_PARTY';
    if (!this.firstParty && record.source !== 'THIRD_PARTY') {
      problems.add(`usage.impressions.${i}.source`, 'must be FIRST_PARTY or THIRD_PARTY');
      return false;
    }
    this.receivedMs = Number.NEGATIVE_INFINITY;
    const receivedMs = record.receivedMs;
    if (receivedMs !== undefined) {
      // Decoded at ingestion (usage/decode.ts).
      if (receivedMs !== null) this.receivedMs = receivedMs;
    } else if (record.receivedAt !== undefined && record.receivedAt !== null) {
      this.receivedMs = parseInstant(record.receivedAt);
      if (Number.isNaN(this.receivedMs)) {
        problems.add(`usage.impressions.${i}.receivedAt`, 'must be an ISO 8601 instant in UTC (Z)');
        return false;
      }
    }
    return true;
  }
}

/**
 * Conversion values are short strings that the JSON parser interns, so they do not sit next
 * to their records: with many distinct values each one is a cache miss of its own, and read
 * one record at a time those misses come one after the other. Touching the values of a block
 * of records together lets the processor fetch them at the same time; the pass then finds
 * them in cache. The sum is kept (`valueCharsAhead`) so that the compiler cannot drop the reads.
 */
const VALUE_BLOCK = 16;

/** One conversion record, decoded; `day` is the local day of occurredAt in the contract's zone. */
export class ConversionReader {
  occurredMs = 0;
  exposureMs = 0;
  /** Absent: never reversed. */
  reversedMs = Number.POSITIVE_INFINITY;
  /** Absent: always received. */
  receivedMs = Number.NEGATIVE_INFINITY;
  /** Absent value: 0 (FORMAT.md clarifications). */
  valueMinor = 0;
  day = 0;
  /** The id's hash (first-ids.ts `idHash`), for rule 7. */
  idHash = 0;
  valueCharsAhead = 0;
  private readonly digits: number;
  private readonly zone: ZoneDays;
  /** The zone's offsets of the UTC hours around the period (null: the exact path for every hour). */
  private readonly offsets: Int32Array | null;
  private readonly hourBase: number;
  private readonly hourLo: number;
  private readonly hourHi: number;

  /** The page being read (the values read ahead are its). */
  private records: readonly Conversion[] = [];

  constructor(plan: PeriodPlan) {
    this.digits = plan.digits;
    this.zone = zoneDays(plan.contract.timezone);
    // A day either side of the period covers every zone offset.
    const firstHour = (plan.period.first - 1) * 24;
    const lastHour = (plan.period.last + 2) * 24 - 1;
    const hours = this.zone.hours(firstHour, lastHour);
    this.offsets = hours === null ? null : hours.offsets;
    this.hourBase = hours === null ? 0 : hours.start;
    this.hourLo = hours === null ? 1 : firstHour;
    this.hourHi = hours === null ? 0 : lastHour;
  }

  private readValuesAhead(from: number): void {
    const records = this.records;
    const to = Math.min(from + VALUE_BLOCK, records.length);
    let chars = 0;
    for (let k = from; k < to; k++) {
      const value = records[k]!.value;
      if (typeof value === 'string') chars += value.length;
    }
    this.valueCharsAhead += chars;
  }

  /**
   * Takes record `i`'s decoded fields (usage/decode.ts), stored with it at ingestion; false when
   * it has none, or its value is not in the currency's minor units, and its text must be read.
   */
  private readDecoded(record: Conversion): boolean {
    const occurredMs = record.occurredMs;
    if (occurredMs === undefined || typeof record.event !== 'string') return false;
    const valueUnits = record.valueUnits!;
    if (record.valueScale === this.digits) {
      this.valueMinor = valueUnits;
    } else {
      // Another scale ("25" for 25.00): the text decides, exactly as for an undecoded record.
      const value = record.value;
      this.valueMinor = value === undefined || value === null ? 0 : parseMinorUnits(value, this.digits);
      if (Number.isNaN(this.valueMinor)) return false;
    }
    this.occurredMs = occurredMs;
    this.exposureMs = record.exposureMs!;
    const reversedMs = record.reversedMs;
    this.reversedMs = reversedMs === null || reversedMs === undefined ? Number.POSITIVE_INFINITY : reversedMs;
    const receivedMs = record.receivedMs;
    this.receivedMs = receivedMs === null || receivedMs === undefined ? Number.NEGATIVE_INFINITY : receivedMs;
    this.idHash = record.idHash!;
    this.day = this.localDay(occurredMs);
    return true;
  }

  startPage(records: readonly Conversion[]): void {
    this.records = records;
  }

  /**
   * Decodes record `k` of the page, record `i` of the usage; false (with its problems reported)
   * when it is malformed.
   */
  read(record: Conversion, k: number, i: number, problems: Problems): boolean {
    const id = record.id;
    if (typeof id !== 'string' || id.length === 0) {
      problems.add(`usage.conversions.${i}.id`, 'must be a non-empty string');
      return false;
    }
    if (this.readDecoded(record)) return true;
    if ((k & (VALUE_BLOCK - 1)) === 0) this.readValuesAhead(k);
    this.idHash = idHash(id);
    // Instants are read as (day, ms of day) and combined here, so no epoch-ms double is
    // ever passed to or returned from a call (see day-index.ts).
    let valid = typeof record.occurredAt === 'string' && readInstant(record.occurredAt);
    this.occurredMs = readMs();
    valid = valid && typeof record.exposureAt === 'string' && readInstant(record.exposureAt);
    this.exposureMs = readMs();
    this.reversedMs = Number.POSITIVE_INFINITY;
    this.receivedMs = Number.NEGATIVE_INFINITY;
    const reversedAt = record.reversedAt;
    if (reversedAt !== undefined && reversedAt !== null) {
      if (typeof reversedAt === 'string' && readInstant(reversedAt)) this.reversedMs = readMs();
      else valid = false;
    }
    const receivedAt = record.receivedAt;
    if (receivedAt !== undefined && receivedAt !== null) {
      if (typeof receivedAt === 'string' && readInstant(receivedAt)) this.receivedMs = readMs();
      else valid = false;
    }
    const value = record.value;
    this.valueMinor = value === undefined || value === null ? 0 : parseMinorUnits(value, this.digits);
    if (!valid || Number.isNaN(this.valueMinor) || typeof record.event !== 'string') {
      this.report(record, i, problems);
      return false;
    }
    this.day = this.localDay(this.occurredMs);
    return true;
  }

  /** The local day of an instant in the contract's zone. */
  private localDay(occurredMs: number): number {
    const hour = Math.floor(occurredMs / HOUR_MS);
    const offset = hour >= this.hourLo && hour <= this.hourHi ? this.offsets![hour - this.hourBase]! : this.zone.offsetOfHour(hour);
    return offset === OFFSET_VARIES ? this.zone.dayOf(occurredMs) : Math.floor((occurredMs + offset) / DAY_MS);
  }

  private report(record: Conversion, i: number, problems: Problems): void {
    const at = `usage.conversions.${i}`;
    const instant = 'must be an ISO 8601 instant in UTC (Z)';
    if (Number.isNaN(parseInstant(record.occurredAt))) problems.add(`${at}.occurredAt`, instant);
    if (Number.isNaN(parseInstant(record.exposureAt))) problems.add(`${at}.exposureAt`, instant);
    if (record.value !== undefined && record.value !== null && Number.isNaN(parseMinorUnits(record.value, this.digits))) {
      problems.add(`${at}.value`, `must be a non-negative amount with at most ${this.digits} decimals (and below ${SAFE} minor units)`);
    }
    if (record.reversedAt !== undefined && record.reversedAt !== null && Number.isNaN(parseInstant(record.reversedAt))) {
      problems.add(`${at}.reversedAt`, instant);
    }
    if (record.receivedAt !== undefined && record.receivedAt !== null && Number.isNaN(parseInstant(record.receivedAt))) {
      problems.add(`${at}.receivedAt`, instant);
    }
    if (typeof record.event !== 'string') problems.add(`${at}.event`, 'must be a string');
  }
}
