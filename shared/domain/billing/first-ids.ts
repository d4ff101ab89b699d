/**
 * Rule 7 (the first record with an id is the one considered) at millions of records: an
 * open-addressing table of record positions keyed by a hash of the id, reused from run to run.
 * A `Set<string>` per run would allocate and grow its table for every contract rated, which
 * made duplicate detection the largest source of garbage in rating.
 *
 * Layout, for the cache: probes land at random places, and between two runs the table
 * leaves the cache (the records stream through it). So which entries the run has filled is
 * kept apart in a bit set (512 bytes for 4,096 entries, always in cache), and the entries
 * themselves (record position, full hash) are only read when the bit says the place is
 * taken; most ids land on a free place and only write there, which does not wait for
 * memory. An occupied place is compared by full hash first, and another record's id is read
 * only when the hashes agree. A run uses as many entries as its records need (load ≤ ½),
 * not the largest table an earlier run grew.
 *
 * Nothing survives a run that could change a result: `begin` clears the bit set. Rating is
 * synchronous, so one table per process is never used by two runs at once.
 */
export class FirstIds {
  /** Two ints per entry: the record position, the id's full hash. */
  private entries = new Int32Array(0);
  /** One bit per entry: taken in the current run. */
  private taken = new Int32Array(0);
  /** Entry index mask of the current run (entries − 1). */
  private mask = 0;
  private ids: readonly { id: string }[] = [];
  /**
   * Streaming (records come page by page and are not kept): the id of each first record, by
   * position, and how many firsts the table holds; it doubles past ¾ full.
   */
  private ownIds: string[] | null = null;
  private firsts = 0;
  private growAt = Number.POSITIVE_INFINITY;

  /** Starts a run over `records`; `isFirst(i)` must then be asked in record order. */
  begin(records: readonly { id: string }[]): void {
    let capacity = 1024;
    while (capacity < records.length * 2) capacity *= 2;
    this.reset(capacity);
    this.ids = records;
    this.ownIds = null;
    // At most one first per record: the table never fills past ½.
    this.growAt = Number.POSITIVE_INFINITY;
  }

  /** Starts a run whose records come page by page, in order; their count is not known. */
  beginStreaming(): void {
    this.reset(1024);
    this.ids = [];
    this.ownIds = [];
    this.firsts = 0;
    this.growAt = 768;
  }

  private reset(capacity: number): void {
    if (capacity * 2 > this.entries.length) {
      this.entries = new Int32Array(capacity * 2);
      this.taken = new Int32Array(capacity >>> 5);
    }
    this.mask = capacity - 1;
    this.taken.fill(0, 0, capacity >>> 5);
  }

  /** Streaming: moves every entry into a table twice the size. */
  private grow(): void {
    const capacity = (this.mask + 1) * 2;
    const oldEntries = this.entries;
    const oldTaken = this.taken;
    const oldCapacity = this.mask + 1;
    this.entries = new Int32Array(capacity * 2);
    this.taken = new Int32Array(capacity >>> 5);
    this.mask = capacity - 1;
    for (let at = 0; at < oldCapacity; at++) {
      if ((oldTaken[at >>> 5]! & (1 << (at & 31))) === 0) continue;
      const hash = oldEntries[at * 2 + 1]!;
      let to = hash & this.mask;
      while ((this.taken[to >>> 5]! & (1 << (to & 31))) !== 0) to = (to + 1) & this.mask;
      this.taken[to >>> 5]! |= 1 << (to & 31);
      this.entries[to * 2] = oldEntries[at * 2]!;
      this.entries[to * 2 + 1] = hash;
    }
    this.growAt = Math.floor(capacity * 0.75);
  }

  /** Whether record `i` is the first with its id (and remembers it). */
  isFirst(i: number, id: string): boolean {
    return this.firstOf(i, id) === i;
  }

  /** The position of the first record with record `i`'s id: `i` itself when it is the first (then remembered). */
  firstOf(i: number, id: string): number {
    return this.firstOfHashed(i, id, idHash(id));
  }

  /** `firstOf` for an id whose hash (`idHash`) is known, e.g. decoded at ingestion. */
  firstOfHashed(i: number, id: string, hash: number): number {
    const mask = this.mask;
    const taken = this.taken;
    const entries = this.entries;
    let at = hash & mask;
    for (;;) {
      const word = at >>> 5;
      const bit = 1 << (at & 31);
      const bits = taken[word]!;
      if ((bits & bit) === 0) {
        taken[word] = bits | bit;
        entries[at * 2] = i;
        entries[at * 2 + 1] = hash;
        if (this.ownIds !== null) this.remember(i, id);
        return i;
      }
      if (entries[at * 2 + 1] === hash && this.idAt(entries[at * 2]!) === id) return entries[at * 2]!;
      at = (at + 1) & mask;
    }
  }

  private idAt(position: number): string {
    return this.ownIds === null ? this.ids[position]!.id : this.ownIds[position]!;
  }

  /** Streaming: keeps a first record's id, and grows the table when it is ¾ full. */
  private remember(i: number, id: string): void {
    // Positions come in order and only duplicates leave gaps: the array stays a dense list.
    this.ownIds![i] = id;
    if (++this.firsts > this.growAt) this.grow();
  }

  /** Drops the reference to the run's records. */
  end(): void {
    this.ids = [];
    this.ownIds = null;
  }
}

export const firstIds = new FirstIds();

/** 32-bit FNV-1a over the id's UTF-16 code units (a signed int32); stored with decoded conversions. */
export function idHash(id: string): number {
  let hash = 0x811c9dc5;
  for (let k = 0; k < id.length; k++) hash = Math.imul(hash ^ id.charCodeAt(k), 0x01000193);
  return hash;
}
