/**
 * Rule 7 (the first record with an id is the one considered) at millions of records: an
 * open-addressing table of record positions keyed by a hash of the id, reused from run to run.
 * A `Set<string>` per run would allocate and grow its table for every contract rated, which
 * made duplicate detection the largest source of garbage in rating.
 *
 * The table holds no data between runs that could change a result: entries are valid only
 * for the current generation (`stamp`). Rating is synchronous, so one table per process is
 * never used by two runs at once.
 */
export class FirstIds {
  private positions = new Int32Array(0);
  /**
   * Each entry's full hash: a probe that meets another id compares hashes first and reads
   * the other record's id only when they are equal. Reading it otherwise would touch a
   * random earlier record, out of cache when the usage is large.
   */
  private hashes = new Int32Array(0);
  private stamps = new Uint32Array(0);
  private stamp = 0;
  private mask = 0;
  private ids: readonly { id: string }[] = [];

  /** Starts a run over `records`; `isFirst(i)` must then be asked in record order. */
  begin(records: readonly { id: string }[]): void {
    let capacity = 1024;
    while (capacity < records.length * 2) capacity *= 2;
    if (capacity > this.positions.length) {
      this.positions = new Int32Array(capacity);
      this.hashes = new Int32Array(capacity);
      this.stamps = new Uint32Array(capacity);
      this.stamp = 0;
    }
    this.mask = this.positions.length - 1;
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      this.stamps.fill(0);
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
    const stamps = this.stamps;
    const stamp = this.stamp;
    let at = hash & mask;
    for (;;) {
      if (stamps[at] !== stamp) {
        stamps[at] = stamp;
        this.positions[at] = i;
        this.hashes[at] = hash;
        return true;
      }
      if (this.hashes[at] === hash && this.ids[this.positions[at]!]!.id === id) return false;
      at = (at + 1) & mask;
    }
  }

  /** Drops the reference to the run's records. */
  end(): void {
    this.ids = [];
  }
}

export const firstIds = new FirstIds();
