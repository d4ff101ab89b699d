/**
 * Which usage records a run bills, rule by rule (FORMAT.md "Usage", "Charge, CPA" rules 1–8,
 * v2 §1 ranks, §3 attribution, §4 completed views), and the charge slot each billable record
 * is added to. Records are decoded by record-decoding.ts (the speed boundary); the steps here
 * compare integers and add to integer aggregates (cpm.ts, cpa.ts).
 *
 * The usage passed in may hold other periods' records: every record is checked (an invalid
 * record anywhere rejects the run), only the period's are billed.
 */
import type { ChargeKind, Conversion, Impression } from '../terms/types';
import type { CpaSlot } from './cpa';
import type { CpmSlot } from './cpm';
import { FirstIds, firstIds } from './first-ids';
import { ConversionReader, ImpressionReader } from './record-decoding';
import type { Problems } from './validate-request';
import type { PeriodPlan, Segment } from './versions';

const SAFE = Number.MAX_SAFE_INTEGER;

// ---------------------------------------------------------------------------------------
// Impressions (FORMAT.md "Usage"; v2 §4 for CPCV)

export function selectImpressions(plan: PeriodPlan, impressions: readonly Impression[], problems: Problems): void {
  const selection = new ImpressionSelection(plan, problems);
  selection.add(impressions);
  selection.finish();
}

/**
 * Impressions selected page by page: each record is added to its slot's counts as it is read,
 * so nothing of a page is kept once it has been added. Pages added in order select exactly
 * what one array of all their records selects.
 */
export class ImpressionSelection {
  private readonly reader: ImpressionReader;
  private readonly charges: ChargeCheck;
  private readonly slots: MediaSlotOfDay;
  /** Position of the next page's first record among all records added. */
  private offset = 0;

  constructor(private readonly plan: PeriodPlan, private readonly problems: Problems) {
    this.reader = new ImpressionReader(plan);
    this.charges = new ChargeCheck(plan);
    this.slots = new MediaSlotOfDay(plan);
  }

  add(page: readonly Impression[]): void {
    const { plan, problems, reader, charges, slots } = this;
    const offset = this.offset;
    this.offset += page.length;
    for (let k = 0; k < page.length; k++) {
      const record = page[k]!;
      const i = offset + k;
      if (!reader.read(record, i, problems)) continue;
      // Before startDate no version is in effect: the record is skipped, not checked.
      if (reader.version < 0) continue;
      // Its chargeId names a CPM or CPCV charge of the version in effect on its date (after
      // endDate: the last version), whether or not the run sees that version.
      if (!charges.check(record, i, reader.version, problems)) continue;
      // Billed: on an active day, received by asOf, under the visible version of its day.
      if (reader.day < plan.activeFirst || reader.day > plan.activeLast || reader.receivedMs > plan.asOfMs) continue;
      const slot = slots.of(reader.day, record.chargeId);
      if (slot === undefined) continue; // the charge is not in the version the run sees on that day
      // CPM counts impressions, CPCV completed views; only the billable source is billed, and
      // only its records give partners their share.
      const units = slot.countsViews ? reader.views : reader.count;
      if (reader.firstParty) slot.firstParty += units;
      else slot.thirdParty += units;
      const partnerId = record.partnerId;
      if (partnerId !== undefined && partnerId !== null && reader.firstParty === slot.billableFirstParty) {
        slot.addPartnerImpressions(partnerId, units);
      }
    }
  }

  /** After the last page: the period's totals must stay exact. */
  finish(): void {
    for (const segment of this.plan.segments) {
      for (const slot of segment.cpm.values()) {
        if (slot.firstParty > SAFE || slot.thirdParty > SAFE) {
          this.problems.add('usage.impressions', `usage of charge "${slot.charge.id}" in the period exceeds ${SAFE}`);
        }
      }
    }
  }
}

/** The charge check of a record, kept while the charge id and version repeat (records come grouped). */
class ChargeCheck {
  private chargeId: unknown;
  private version = -1;

  constructor(private readonly plan: PeriodPlan) {}

  check(record: Impression, i: number, version: number, problems: Problems): boolean {
    const chargeId = record.chargeId;
    if (chargeId === this.chargeId && version === this.version) return true;
    const kind: ChargeKind | undefined = this.plan.versionChargeKinds[version]!.get(chargeId);
    const { startDate, endDate } = this.plan.contract;
    if (kind === undefined) {
      problems.add(`usage.impressions.${i}.chargeId`, `no charge "${chargeId}" in version ${version + 1}, in effect on ${record.date} (contract ${startDate}..${endDate})`);
      return false;
    }
    if (kind === 'CPA') {
      problems.add(`usage.impressions.${i}.chargeId`, `"${chargeId}" is a CPA charge in version ${version + 1}, in effect on ${record.date}: impressions bill CPM and CPCV charges`);
      return false;
    }
    this.chargeId = chargeId;
    this.version = version;
    return true;
  }
}

/** The media slot of a (day, charge), kept while both repeat. */
class MediaSlotOfDay {
  private chargeId: unknown;
  private segment = -1;
  private slot: CpmSlot | undefined;

  constructor(private readonly plan: PeriodPlan) {}

  of(day: number, chargeId: string): CpmSlot | undefined {
    const s = this.plan.segmentOfDay[day - this.plan.period.first]!;
    if (s < 0) return undefined;
    if (chargeId !== this.chargeId || s !== this.segment) {
      this.slot = this.plan.segments[s]!.cpm.get(chargeId);
      this.chargeId = chargeId;
      this.segment = s;
    }
    return this.slot;
  }
}

// ---------------------------------------------------------------------------------------
// Conversions (FORMAT.md "Charge, CPA"; v2 §1–3)

export function selectConversions(plan: PeriodPlan, conversions: readonly Conversion[], problems: Problems): void {
  const selection = new ConversionSelection(plan, problems, conversions);
  selection.add(conversions);
  selection.finish();
}

/**
 * Conversions selected page by page. Pages added in order select exactly what one array of
 * all their records selects: rule 7's "first record with an id" is the first in the order
 * the pages give, and what must wait for the whole period (the first record of every id, the
 * candidates of §3's contests, the conversions rule 8 and §1's ranks order) is kept in compact
 * form across pages, never the pages themselves.
 *
 * Given all records at once (`all`), nothing is copied: ids and contest candidates are read
 * from the array when needed. Otherwise (streaming) the ids of first records and the records
 * of contest candidates are kept, and the tables grow with the records.
 */
export class ConversionSelection {
  private readonly reader: ConversionReader;
  private readonly ranks: RankedAdmission;
  private readonly touches: TouchContest | null;
  /** Rule 7's table: the process's own for a synchronous run; one of its own for a streaming run, which awaits between pages. */
  private readonly ids: FirstIds;
  private offset = 0;

  constructor(private readonly plan: PeriodPlan, private readonly problems: Problems, all: readonly Conversion[] | null) {
    this.reader = new ConversionReader(plan);
    this.ranks = new RankedAdmission(plan);
    this.touches = plan.hasTouchCharges ? new TouchContest(all) : null;
    this.ids = all !== null ? firstIds : new FirstIds();
    if (all !== null) this.ids.begin(all);
    else this.ids.beginStreaming();
  }

  add(page: readonly Conversion[]): void {
    const { plan, problems, reader, ranks, touches } = this;
    const { asOfMs, activeFirst, activeLast, segments, segmentOfDay, period } = plan;
    const offset = this.offset;
    this.offset += page.length;
    reader.startPage(page);
    for (let k = 0; k < page.length; k++) {
      const record = page[k]!;
      const i = offset + k;
      if (!reader.read(record, k, i, problems)) continue;
      // Rule 7 as v1 states it: the first record with an id, in the whole array, is the one
      // considered (FIRST_RECORD charges); the position of that first record keys §3's contests.
      const first = this.ids.firstOfHashed(i, record.id, reader.idHash);
      const duplicate = first !== i;

      // Its period and terms: the version in effect on the local day of occurredAt.
      const day = reader.day;
      if (day < activeFirst || day > activeLast) {
        // A touch of another period can still win its id's contest (v2 precise rules, touches).
        if (touches !== null) touches.considerFromOtherPeriod(plan, reader, record, i, first);
        continue;
      }
      const s = segmentOfDay[day - period.first]!;
      if (s < 0) continue;
      const segment = segments[s]!;
      if (!duplicate) segment.conversions++;

      // Rule 1: the CPA charge paying for its event.
      const slot = chargeOfEvent(segment, record.event);
      if (slot === undefined) continue;

      if (slot.byTouch) {
        // v2 §3: rule 7 replaced by a contest among the id's touches.
        if (!duplicate) slot.matched++;
        touches!.consider(slot, reader, record, i, first, true, asOfMs);
        continue;
      }
      if (duplicate) {
        slot.excluded.duplicate++;
        continue;
      }
      slot.matched++;
      // Rules 2–6 in order; the first one broken is the one the explanation counts.
      if (!insideWindow(slot, reader)) {
        slot.excluded.outsideWindow++;
        continue;
      }
      if (!eligibleReversalHold(slot, reader.occurredMs, reader.reversedMs, reader.valueMinor, record, asOfMs)) continue;
      if (reader.receivedMs > asOfMs) {
        slot.excluded.notReceived++;
        continue;
      }
      ranks.admit(slot, reader.occurredMs, record.id, reader.valueMinor, record.partnerId);
    }
  }

  /** After the last page: contests are judged, then rule 8 and ranks. */
  finish(): void {
    this.ids.end();
    this.touches?.judgeWinners(this.plan, this.ranks);
    this.ranks.finish();
  }
}

function chargeOfEvent(segment: Segment, event: string): CpaSlot | undefined {
  // A scan: a version pays for one or two events, cheaper than hashing per record.
  const events = segment.cpaEvents;
  for (let k = 0; k < events.length; k++) if (events[k] === event) return segment.cpaSlots[k];
  return undefined;
}

/** Rule 2: 0 ≤ occurredAt − exposureAt ≤ attributionWindowDays × 24 h. */
function insideWindow(slot: CpaSlot, reader: ConversionReader): boolean {
  const lag = reader.occurredMs - reader.exposureMs;
  return lag >= 0 && lag <= slot.windowMs;
}

/** Rules 3 (eligibility), 4 (not reversed by asOf) and 5 (hold passed); counts the first one broken. */
function eligibleReversalHold(
  slot: CpaSlot, occurredMs: number, reversedMs: number, valueMinor: number, record: Conversion, asOfMs: number,
): boolean {
  if (!slot.geoAllowed(record.geo) || (slot.newCustomersOnly && !record.newCustomer) || valueMinor < slot.minValueMinor) {
    slot.excluded.ineligible++;
    return false;
  }
  if (reversedMs <= asOfMs) {
    slot.excluded.reversed++;
    return false;
  }
  if (occurredMs + slot.holdMs > asOfMs) {
    slot.excluded.held++;
    return false;
  }
  return true;
}

/**
 * The typed arrays of a run's contests, one place per record. Every contract of the v2 mix
 * with touches allocated and zeroed six of them, ~45 bytes per record, outside the heap.
 * Nothing in them outlives a run's reading: `leader` is reset to −1 for the run's records,
 * and the other arrays are read only at positions the run has written (a candidate's fields,
 * a contest's leader). Rating is synchronous, so one set per process is never used by two
 * runs at once; it is kept only up to SHARED_CONTEST_RECORDS records (3 MB), larger runs
 * allocate their own.
 */
class ContestBuffers {
  readonly leader: Int32Array;
  readonly leaderExposure: Float64Array;
  readonly inPeriod: Uint8Array;
  readonly occurredMs: Float64Array;
  readonly reversedMs: Float64Array;
  readonly valueMinor: Float64Array;

  constructor(readonly records: number) {
    this.leader = new Int32Array(records);
    this.leaderExposure = new Float64Array(records);
    this.inPeriod = new Uint8Array(records);
    this.occurredMs = new Float64Array(records);
    this.reversedMs = new Float64Array(records);
    this.valueMinor = new Float64Array(records);
  }
}

const SHARED_CONTEST_RECORDS = 65_536;
let sharedContests: ContestBuffers | null = null;

function sharedContestBuffers(records: number): ContestBuffers {
  if (sharedContests === null || sharedContests.records < records) {
    let size = 1024;
    while (size < records) size *= 2;
    sharedContests = new ContestBuffers(size);
  }
  return sharedContests;
}

/**
 * v2 §3, multi-partner attribution. For a LAST_TOUCH or FIRST_TOUCH charge, the candidates of
 * an id are its records the run sees (rule 6), of the charge's event (rule 1), inside the
 * window (rule 2), assigned to the same charge and version; the one with the latest
 * (earliest) exposureAt wins, the first in the order given on a tie. Only the winner is then
 * judged by rules 3, 4, 5 and 8, and billed in the period of its own occurredAt.
 *
 * Contests are kept by the position of the id's first record (FirstIds) in typed arrays; an
 * id contested on two charges (records of two events) keeps its second contest in a map.
 */
class TouchContest {
  /** Per first position: the leading record, its exposure, its charge slot. */
  private leader: Int32Array;
  private leaderExposure: Float64Array;
  private readonly leaderSlot: (CpaSlot | undefined)[];
  /** Contests in the order they opened: first positions, or keys of `others`. */
  private readonly opened: (number | string)[] = [];
  private readonly others = new Map<string, { leader: number; exposure: number; slot: CpaSlot }>();
  /** Per record: a candidate dated inside the period (1), or in another period (0). */
  private inPeriod: Uint8Array;
  /** Per candidate record, what rules 3–5 and 8 need of it, decoded once. */
  private occurredMs: Float64Array;
  private reversedMs: Float64Array;
  private valueMinor: Float64Array;
  /** Touches that lost a contest, and their slots: counted as duplicates when dated in the period. */
  private readonly losers: number[] = [];
  private readonly loserSlots: CpaSlot[] = [];

  /** The records by position: all of them (given at once), or the candidates kept (streaming). */
  private readonly all: readonly Conversion[] | null;
  private readonly kept = new Map<number, Conversion>();

  constructor(all: readonly Conversion[] | null) {
    this.all = all;
    const records = all === null ? 1024 : all.length;
    // A run given all its records at once takes the process's buffers (see ContestBuffers);
    // a streaming run, which awaits between pages, has its own and grows them.
    const buffers = all !== null && records <= SHARED_CONTEST_RECORDS ? sharedContestBuffers(records) : new ContestBuffers(records);
    this.leader = buffers.leader;
    this.leader.fill(-1, 0, records);
    this.leaderExposure = buffers.leaderExposure;
    this.leaderSlot = new Array<CpaSlot | undefined>(records);
    this.inPeriod = buffers.inPeriod;
    this.occurredMs = buffers.occurredMs;
    this.reversedMs = buffers.reversedMs;
    this.valueMinor = buffers.valueMinor;
  }

  private recordAt(i: number): Conversion {
    return this.all === null ? this.kept.get(i)! : this.all[i]!;
  }

  /** Streaming: room for positions up to `i` (the arrays double). */
  private reserve(i: number): void {
    let size = this.leader.length;
    if (i < size) return;
    while (size <= i) size *= 2;
    const grow = <A extends Int32Array | Float64Array | Uint8Array>(a: A, make: (n: number) => A): A => {
      const b = make(size);
      b.set(a);
      return b;
    };
    const leader = grow(this.leader, (n) => new Int32Array(n));
    leader.fill(-1, this.leader.length);
    this.leader = leader;
    this.leaderExposure = grow(this.leaderExposure, (n) => new Float64Array(n));
    this.inPeriod = grow(this.inPeriod, (n) => new Uint8Array(n));
    this.occurredMs = grow(this.occurredMs, (n) => new Float64Array(n));
    this.reversedMs = grow(this.reversedMs, (n) => new Float64Array(n));
    this.valueMinor = grow(this.valueMinor, (n) => new Float64Array(n));
    this.leaderSlot.length = size;
  }

  consider(slot: CpaSlot, reader: ConversionReader, record: Conversion, i: number, first: number, inPeriod: boolean, asOfMs: number): void {
    if (reader.receivedMs > asOfMs) {
      if (inPeriod) slot.excluded.notReceived++;
      return;
    }
    if (!insideWindow(slot, reader)) {
      if (inPeriod) slot.excluded.outsideWindow++;
      return;
    }
    if (this.all === null) {
      this.reserve(i);
      this.kept.set(i, record);
    }
    this.inPeriod[i] = inPeriod ? 1 : 0;
    this.occurredMs[i] = reader.occurredMs;
    this.reversedMs[i] = reader.reversedMs;
    this.valueMinor[i] = reader.valueMinor;
    const exposure = reader.exposureMs;
    let contest: { leader: number; exposure: number; slot: CpaSlot } | undefined;
    if (this.leader[first] === -1) {
      this.leader[first] = i;
      this.leaderExposure[first] = exposure;
      this.leaderSlot[first] = slot;
      this.opened.push(first);
      return;
    }
    if (this.leaderSlot[first] !== slot) {
      const key = `${first}\u0000${slot.charge.id}\u0000${slot.versionIndex}`;
      contest = this.others.get(key);
      if (contest === undefined) {
        this.others.set(key, { leader: i, exposure, slot });
        this.opened.push(key);
        return;
      }
    }
    const leadingExposure = contest === undefined ? this.leaderExposure[first]! : contest.exposure;
    const leading = contest === undefined ? this.leader[first]! : contest.leader;
    const wins = slot.latestTouchWins ? exposure > leadingExposure : exposure < leadingExposure;
    const loser = wins ? leading : i;
    if (wins) {
      if (contest === undefined) {
        this.leader[first] = i;
        this.leaderExposure[first] = exposure;
      } else {
        contest.leader = i;
        contest.exposure = exposure;
      }
    }
    this.losers.push(loser);
    this.loserSlots.push(slot);
  }

  considerFromOtherPeriod(plan: PeriodPlan, reader: ConversionReader, record: Conversion, i: number, first: number): void {
    const day = reader.day;
    if (day < plan.startDay || day > plan.endDay) return;
    const v = plan.visibleVersionOn(day);
    if (v < 0) return;
    const s = plan.segmentOfVersion[v]!;
    if (s < 0) return;
    const slot = chargeOfEvent(plan.segments[s]!, record.event);
    if (slot !== undefined && slot.byTouch) this.consider(slot, reader, record, i, first, false, plan.asOfMs);
  }

  /** Judges each contest's winner dated in the period by rules 3, 4 and 5, then admits it (rule 8, ranks). */
  judgeWinners(plan: PeriodPlan, ranks: RankedAdmission): void {
    for (let k = 0; k < this.losers.length; k++) {
      const loser = this.losers[k]!;
      if (this.inPeriod[loser] === 1) {
        const slot = this.loserSlots[k]!;
        slot.excluded.duplicate++;
        slot.countTouch(this.recordAt(loser).partnerId, false);
      }
    }
    for (const key of this.opened) {
      let winner: number;
      let slot: CpaSlot;
      if (typeof key === 'number') {
        winner = this.leader[key]!;
        slot = this.leaderSlot[key]!;
      } else {
        const contest = this.others.get(key)!;
        winner = contest.leader;
        slot = contest.slot;
      }
      if (this.inPeriod[winner] !== 1) continue; // billed in its own period
      const record = this.recordAt(winner);
      slot.countTouch(record.partnerId, true);
      const occurredMs = this.occurredMs[winner]!;
      const valueMinor = this.valueMinor[winner]!;
      if (!eligibleReversalHold(slot, occurredMs, this.reversedMs[winner]!, valueMinor, record, plan.asOfMs)) continue;
      ranks.admit(slot, occurredMs, record.id, valueMinor, record.partnerId);
    }
  }
}

/**
 * Rule 8 and v2 §1 ranks: conversions that passed rules 1–7 (or won their contest) and whose
 * billing depends on the others of the period wait here, then are taken in order of
 * occurredAt, then id:
 *   - rule 8: a conversion is admitted when fewer conversions of its charge (any version)
 *     have been admitted in the period than its own version's maxConversionsPerPeriod; a
 *     refused one takes no place;
 *   - v2 §1: the admitted conversions of a line with payoutTiers are ranked 1, 2, 3… per line.
 * Every other conversion is added to its slot at once.
 *
 * A line with payout tiers makes most of a contract's conversions wait, so the waiting are
 * kept as parallel arrays (no object per conversion) and ordered by a numeric sort of one
 * key per conversion, (charge, occurredAt, position) packed into a double, instead of a
 * comparison callback per pair; conversions sharing a charge and an instant are then put in
 * id order. The order is the one the rule states: charge id, occurredAt, id, then position.
 */
class RankedAdmission {
  /** Charges with a cap in some version of the period: rule 8 counts across versions. */
  private readonly capped = new Set<string>();
  private readonly occurredMs: number[] = [];
  private readonly ids: string[] = [];
  private readonly values: number[] = [];
  private readonly partners: (string | null | undefined)[] = [];
  private readonly slots: CpaSlot[] = [];

  constructor(plan: PeriodPlan) {
    for (const segment of plan.segments) {
      for (const slot of segment.cpaSlots) if (slot.cap !== null) this.capped.add(slot.charge.id);
    }
  }

  admit(slot: CpaSlot, occurredMs: number, id: string, valueMinor: number, partnerId: string | null | undefined): void {
    if (slot.ranked || (this.capped.size > 0 && this.capped.has(slot.charge.id))) {
      this.occurredMs.push(occurredMs);
      this.ids.push(id);
      this.values.push(valueMinor);
      this.partners.push(partnerId);
      this.slots.push(slot);
    } else {
      slot.add(valueMinor, partnerId);
    }
  }

  /** Positions of the waiting conversions in the order of charge id, occurredAt, id (then position). */
  private order(): ArrayLike<number> {
    const { occurredMs, ids, slots } = this;
    const n = slots.length;
    // The charges' ranks in id order: a version's few charges, found by a scan.
    const chargeIds = [...new Set(slots.map((slot) => slot.charge.id))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    let integral = true;
    for (let k = 0; k < n; k++) {
      const ms = occurredMs[k]!;
      if (ms < first) first = ms;
      if (ms > last) last = ms;
      if (!Number.isInteger(ms)) integral = false;
    }
    const span = last - first + 1;
    if (!integral || chargeIds.length * span * n > Number.MAX_SAFE_INTEGER) return this.orderByComparison();
    const keys = new Float64Array(n);
    let slot: CpaSlot | null = null;
    let rank = 0;
    for (let k = 0; k < n; k++) {
      if (slots[k] !== slot) {
        slot = slots[k]!;
        rank = chargeIds.indexOf(slot.charge.id);
      }
      keys[k] = (rank * span + (occurredMs[k]! - first)) * n + k;
    }
    keys.sort();
    const order = new Int32Array(n);
    for (let k = 0; k < n; k++) order[k] = keys[k]! % n;
    // Conversions of one charge at the same instant: by id, in position order among equal ids.
    // (A key less its position is (charge, instant) × n, exactly: no division is rounded.)
    for (let from = 0; from < n;) {
      const key = keys[from]! - order[from]!;
      let to = from + 1;
      while (to < n && keys[to]! - order[to]! === key) to++;
      if (to - from > 1) {
        const run = Array.from(order.subarray(from, to)).sort((a, b) => compareIds(ids[a]!, ids[b]!));
        order.set(run, from);
      }
      from = to;
    }
    return order;
  }

  /** `order` for instants that do not pack into a double's integers: one comparison per pair. */
  private orderByComparison(): number[] {
    const { occurredMs, ids, slots } = this;
    return Array.from(slots, (_, k) => k).sort((a, b) => {
      const chargeA = slots[a]!.charge.id;
      const chargeB = slots[b]!.charge.id;
      if (chargeA !== chargeB) return chargeA < chargeB ? -1 : 1;
      if (occurredMs[a] !== occurredMs[b]) return occurredMs[a]! - occurredMs[b]!;
      return compareIds(ids[a]!, ids[b]!);
    });
  }

  finish(): void {
    const n = this.slots.length;
    if (n === 0) return;
    const { values, partners, slots } = this;
    const order = this.order();
    const lines = new Map<CpaSlot, { values: number[]; partners: (string | null | undefined)[] }>();
    let chargeId = '';
    let admitted = 0;
    for (let k = 0; k < n; k++) {
      const at = order[k]!;
      const slot = slots[at]!;
      if (slot.charge.id !== chargeId) {
        chargeId = slot.charge.id;
        admitted = 0;
      }
      const cap = slot.cap;
      if (cap !== null && admitted >= cap) {
        slot.excluded.overCap++;
        continue;
      }
      admitted++;
      if (!slot.ranked) {
        slot.add(values[at]!, partners[at]);
        continue;
      }
      let line = lines.get(slot);
      if (line === undefined) lines.set(slot, (line = { values: [], partners: [] }));
      line.values.push(values[at]!);
      line.partners.push(partners[at]);
    }
    for (const [slot, line] of lines) slot.addRanked(line.values, line.partners);
  }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
