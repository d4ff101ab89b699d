/**
 * Rule 7 (the first record with an id is the one considered) at millions of records: an
 * open-addressing table of record positions keyed by a hash of the id, reused from run to run.
 * A `Set<string>` per run would allocate and grow its table for every contract rated, which
 * made duplicate detection the largest source of garbage in rating.
 *
 * The table holds no data between runs that could change a result: entries are valid only
 * for the current generation (`stamp`). Rating is synchronous, so one table per process is
 * never used by two runs at once.
 *
 * Layout: one Int32Array of 4-int entries (stamp, record position, full hash, unused), so a
 * probe touches one 16-byte entry, never three arrays: probes land at random places, and
 * when the table has left the cache between two runs each array touched is a miss of its
 * own. A run uses only as many entries as its records need (load ≤ ½), not the largest
 * table an earlier run grew, for the same reason.
 */
const ENTRY = 4;
const STAMP = 0;
const POSITION = 1;
const HASH = 2;

export class FirstIds {
  private table = new Int32Array(0);
  private stamp = 0;
  /** Entry index mask of the current run (entries − 1). */
  private mask = 0;
  private ids: readonly { id: string }[] = [];

  /** Starts a run over `records`; `isFirst(i)` must then be asked in record order. */
  begin(records: readonly { id: string }[]): void {
    let entries = 1024;
    while (entries < records.length * 2) entries *= 2;
    if (entries * ENTRY > this.table.length) {
      this.table = new Int32Array(entries * ENTRY);
      this.stamp = 0;
    }
    this.mask = entries - 1;
    this.stamp = (this.stamp + 1) | 0;
    if (this.stamp <= 0) {
      // Wrapped after 2^31 runs: forget every stamp so none can pass for the new one.
      this.table.fill(0);
      this.stamp = 1;
    }
    this.ids = records;
  }

  /** Whether record `i` is the first with its id (and remembers it). */
  isFirst(i: number, id: string): boolean {
    // FNV-1a over the UTF-16 code units.
    let hash = 0x811c9dc5;
    for (let k = 0; k < id.length; k++) hash = Math.imul(hash ^ id.charCodeAt(k), 0x01000193);
    const mask = this.mask;
    const table = this.table;
    const stamp = this.stamp;
    let at = hash & mask;
    for (;;) {
      const entry = at * ENTRY;
      if (table[entry + STAMP] !== stamp) {
        table[entry + STAMP] = stamp;
        table[entry + POSITION] = i;
        table[entry + HASH] = hash;
        return true;
      }
      // Another id's entry is read only when the full hashes agree: reading its id would
      // touch a random earlier record, out of cache when the usage is large.
      if (table[entry + HASH] === hash && this.ids[table[entry + POSITION]!]!.id === id) return false;
      at = (at + 1) & mask;
    }
  }

  /** Drops the reference to the run's records. */
  end(): void {
    this.ids = [];
  }
}

export const firstIds = new FirstIds();
