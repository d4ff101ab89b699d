/**
 * Which terms govern which day of a run's period.
 *
 * A run sees the versions recorded at or before its `asOf`; a version it cannot see does not
 * end its predecessor. Each visible version in effect during the period's active days (the
 * days inside [startDate, endDate]) becomes a Segment holding one slot per charge. Period-level
 * terms (cap, minimum, commission) are those of the version in effect on the last active day.
 * Validation looks at every version, visible or not (`versionForValidation`).
 */
import type { ChargeKind, ContractTerms, Version } from '../terms/types';
import { minorUnits } from '../kernel/currencies';
import { parseDay, parseInstant, parsePeriod, type PeriodDays } from './day-index';
import { CpmSlot } from './cpm';
import { CpaSlot } from './cpa';

export interface Segment {
  /** 0-based position in the full `versions` list. */
  readonly versionIndex: number;
  readonly version: Version;
  /** Media slots (CPM and CPCV) by charge id. */
  readonly cpm: Map<string, CpmSlot>;
  readonly cpaByEvent: Map<string, CpaSlot>;
  /** The same as parallel arrays: a scan of one or two events beats hashing per record. */
  readonly cpaEvents: string[];
  readonly cpaSlots: CpaSlot[];
  /** Slots in the version's charge order (the order of USAGE lines). */
  readonly slots: (CpmSlot | CpaSlot)[];
  /** Non-duplicate conversions dated on this segment's days (for the wrongEvent count). */
  conversions: number;
}

export interface PeriodPlan {
  readonly contract: ContractTerms;
  readonly digits: number;
  readonly period: PeriodDays;
  readonly asOfMs: number;
  readonly startDay: number;
  readonly endDay: number;
  /** Active days of the period: [activeFirst, activeLast], empty when activeDays is 0. */
  readonly activeFirst: number;
  readonly activeLast: number;
  readonly activeDays: number;
  readonly segments: Segment[];
  /** Segment of each day of the period (index day − period.first), −1 when nothing is billed. */
  readonly segmentOfDay: Int32Array;
  /** The version whose period-level terms apply, or null (no active day or no visible version). */
  readonly periodTermsIndex: number | null;
  /** Per version of the full list: its effectiveFrom day and its charges' kinds by id. */
  readonly versionStarts: number[];
  readonly versionChargeKinds: Map<string, ChargeKind>[];
  /** The visible version in effect on a day (−1: none), for any day of the contract. */
  readonly visibleVersionOn: (day: number) => number;
  /** Segment of each version of the full list in this period, −1 when it has none. */
  readonly segmentOfVersion: Int32Array;
  /** Whether some CPA charge of the period attributes by touch (v2 §3). */
  readonly hasTouchCharges: boolean;
}

export function isVisible(version: Version, asOfMs: number): boolean {
  return version.recordedAt === undefined || version.recordedAt === null || parseInstant(version.recordedAt) <= asOfMs;
}

/** The inputs are validated before a plan is built. */
export function buildPlan(contract: ContractTerms, periodText: string, asOf: string): PeriodPlan {
  const period = parsePeriod(periodText)!;
  const asOfMs = parseInstant(asOf);
  const startDay = parseDay(contract.startDate);
  const endDay = parseDay(contract.endDate);
  const digits = minorUnits(contract.currency);
  const versionStarts = contract.versions.map((v) => parseDay(v.effectiveFrom));
  const versionChargeKinds = contract.versions.map((v) => new Map(v.charges.map((c) => [c.id, c.kind] as const)));
  const visible = contract.versions.map((v) => isVisible(v, asOfMs));

  const activeFirst = Math.max(period.first, startDay);
  const activeLast = Math.min(period.last, endDay);
  const activeDays = Math.max(0, activeLast - activeFirst + 1);

  const visibleOn = (day: number): number => {
    for (let v = contract.versions.length - 1; v >= 0; v--) if (visible[v] && versionStarts[v]! <= day) return v;
    return -1;
  };

  const segments: Segment[] = [];
  const segmentByVersion = new Map<number, number>();
  const segmentOfDay = new Int32Array(period.days).fill(-1);
  for (let day = activeFirst; day <= activeLast; day++) {
    const v = visibleOn(day);
    if (v < 0) continue;
    let s = segmentByVersion.get(v);
    if (s === undefined) {
      s = segments.length;
      segmentByVersion.set(v, s);
      segments.push(makeSegment(contract.versions[v]!, v, digits));
    }
    segmentOfDay[day - period.first] = s;
  }
  // Versions ascend by effectiveFrom (validated), so segments come out in version order.

  const termsVersion = activeDays > 0 ? visibleOn(activeLast) : -1;
  const segmentOfVersion = new Int32Array(contract.versions.length).fill(-1);
  for (const [v, s] of segmentByVersion) segmentOfVersion[v] = s;
  const hasTouchCharges = segments.some((segment) => segment.cpaSlots.some((slot) => slot.byTouch));
  return {
    contract, digits, period, asOfMs, startDay, endDay, activeFirst, activeLast, activeDays,
    segments, segmentOfDay, periodTermsIndex: termsVersion < 0 ? null : termsVersion, versionStarts, versionChargeKinds,
    visibleVersionOn: visibleOn, segmentOfVersion, hasTouchCharges,
  };
}

function makeSegment(version: Version, versionIndex: number, digits: number): Segment {
  const cpm = new Map<string, CpmSlot>();
  const cpaByEvent = new Map<string, CpaSlot>();
  const slots: (CpmSlot | CpaSlot)[] = [];
  for (const charge of version.charges) {
    if (charge.kind === 'CPM' || charge.kind === 'CPCV') {
      const slot = new CpmSlot(charge, versionIndex);
      cpm.set(charge.id, slot);
      slots.push(slot);
    } else if (charge.kind === 'CPA') {
      const listed = version.partners.filter((p) => p.chargeIds.includes(charge.id)).map((p) => p.partnerId);
      const slot = new CpaSlot(charge, versionIndex, digits, listed);
      cpaByEvent.set(charge.event, slot);
      slots.push(slot);
    }
  }
  return { versionIndex, version, cpm, cpaByEvent, cpaEvents: [...cpaByEvent.keys()], cpaSlots: [...cpaByEvent.values()], slots, conversions: 0 };
}

/**
 * The version a usage record is checked against: none before startDate (the record is
 * skipped), the last version after endDate, otherwise the version in effect on the day.
 */
export function versionForValidation(plan: PeriodPlan, day: number): number {
  if (day < plan.startDay) return -1;
  const starts = plan.versionStarts;
  if (day > plan.endDay) return starts.length - 1;
  for (let v = starts.length - 1; v >= 0; v--) if (starts[v]! <= day) return v;
  return -1;
}
