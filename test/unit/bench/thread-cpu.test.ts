import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { processCpuUs, threadCpuNs } from '../../../bench/lib/thread-cpu';

/** Spins the calling thread for `ms` of wall time. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* busy */ }
}

describe('the rating benchmark\'s thread CPU clock', () => {
  it('counts the calling thread\'s own work, with sub-millisecond resolution', () => {
    const deltas: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t0 = threadCpuNs();
      spin(0.3);
      deltas.push(threadCpuNs() - t0);
    }
    // A 0.3 ms spin is seen as such (a tick-based counter would read 0 or whole milliseconds).
    // The machine may preempt the thread, so the largest of five is compared.
    const best = Math.max(...deltas);
    expect(best).toBeGreaterThan(150_000);
    expect(best).toBeLessThan(2_000_000);

    const p0 = processCpuUs();
    const t0 = threadCpuNs();
    spin(60);
    const threadMs = (threadCpuNs() - t0) / 1e6;
    const processMs = (processCpuUs() - p0) / 1e3;
    expect(threadMs).toBeGreaterThan(20);
    expect(threadMs).toBeLessThanOrEqual(processMs + 1);
  });

  it('does not count another thread\'s work, which process CPU time does', async () => {
    const worker = new Worker(
      'const until = performance.now() + 300; while (performance.now() < until) {} require("node:worker_threads").parentPort.postMessage("done");',
      { eval: true },
    );
    const p0 = processCpuUs();
    const t0 = threadCpuNs();
    await once(worker, 'message');
    const threadMs = (threadCpuNs() - t0) / 1e6;
    const processMs = (processCpuUs() - p0) / 1e3;
    await worker.terminate();
    // The main thread waited on the event loop while the worker spun for 300 ms.
    expect(processMs - threadMs).toBeGreaterThan(100);
    expect(threadMs).toBeLessThan(processMs / 2);
  });
});
