/**
 * Closed-loop load for benchmarks that call something in-process (a DynamoDB client, a
 * handler): `concurrency` callers each start their next call as soon as the previous one
 * ends, for a fixed time, and every call's latency is kept. autocannon does the same over
 * HTTP, so the two sides of a comparison are loaded alike.
 */

export interface LatencySummary {
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

/** Nearest-rank percentile of unsorted values (the array is sorted in place). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function summarize(latenciesMs: ArrayLike<number>, elapsedMs: number): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    requests: sorted.length,
    seconds: elapsedMs / 1000,
    perSecond: sorted.length / (elapsedMs / 1000),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: sorted.length > 0 ? sum / sorted.length : Number.NaN,
  };
}

export interface LoadSample {
  latenciesMs: ArrayLike<number>;
  elapsedMs: number;
}

/**
 * Runs `call` from `concurrency` loops for `durationMs`; a failed call fails the run. Counted
 * like autocannon counts: only calls that ended by the deadline, over the phase's duration. The
 * calls still in flight at the deadline are awaited (so the next phase starts on an idle
 * engine) but neither their latencies nor the time they take to drain are counted.
 */
export async function closedLoop(concurrency: number, durationMs: number, call: (seq: number) => Promise<unknown>): Promise<LoadSample> {
  const latencies: number[] = [];
  let seq = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await call(seq++);
      const t1 = performance.now();
      if (t1 <= deadline) latencies.push(t1 - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latenciesMs: latencies, elapsedMs: durationMs };
}

/** Several samples of the same thing (rounds interleaved with other phases) as one summary. */
export function pooled(samples: readonly LoadSample[]): LatencySummary {
  const all: number[] = [];
  let elapsedMs = 0;
  for (const sample of samples) {
    for (let i = 0; i < sample.latenciesMs.length; i++) all.push(sample.latenciesMs[i]!);
    elapsedMs += sample.elapsedMs;
  }
  return summarize(all, elapsedMs);
}

export const fmt = (n: number, digits = 2) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
