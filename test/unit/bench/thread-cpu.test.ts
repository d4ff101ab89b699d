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

    // Never ahead of the process's CPU (which includes it) or of wall time.
    const p0 = processCpuUs();
    const w0 = performance.now();
    const t0 = threadCpuNs();
    while (threadCpuNs() - t0 < 30e6) { /* 30 ms of this thread's CPU */ }
    const threadMs = (threadCpuNs() - t0) / 1e6;
    expect(threadMs).toBeLessThanOrEqual((processCpuUs() - p0) / 1e3 + 1);
    expect(threadMs).toBeLessThanOrEqual(performance.now() - w0 + 1);
  });

  it('does not count another thread\'s work, which process CPU time does', async () => {
    // The worker spins until the process has used 300 ms more CPU: its own, as this thread waits.
    const worker = new Worker(
      'const cpu = () => { const c = process.cpuUsage(); return c.user + c.system; };' +
      'const until = cpu() + 300_000; while (cpu() < until) {}' +
      'require("node:worker_threads").parentPort.postMessage("done");',
      { eval: true },
    );
    const p0 = processCpuUs();
    const t0 = threadCpuNs();
    await once(worker, 'message');
    const threadMs = (threadCpuNs() - t0) / 1e6;
    const processMs = (processCpuUs() - p0) / 1e3;
    await worker.terminate();
    // This thread waited on the event loop meanwhile.
    expect(processMs - threadMs).toBeGreaterThan(100);
    expect(threadMs).toBeLessThan(processMs / 2);
  });
});
