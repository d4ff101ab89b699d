/**
 * CPU time of the calling thread, in nanoseconds.
 *
 * `process.cpuUsage()` counts every thread of the process: while the engine rates a contract,
 * V8's concurrent marking and compiler threads also work, on garbage and code that the
 * benchmark's generator made as much as the engine. The rating itself runs on one thread, and
 * that thread's clock is what a records-per-second-per-core figure should divide by.
 *
 * Node 20 has no thread clock of its own (`process.threadCpuUsage` came with Node 23.9), and
 * /proc's `schedstat` only moves at scheduler ticks (milliseconds; a contract rates in less).
 * WASI's `clock_time_get` with clock 3 (`thread_cputime_id`) reads POSIX
 * `CLOCK_THREAD_CPUTIME_ID`, exact at every read. It writes its answer into the memory of a
 * WebAssembly instance, so the instance here is the smallest module there is with one exported
 * memory and no code.
 */
import { WASI } from 'node:wasi';

const MEMORY_ONLY_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x05, 0x03, 0x01, 0x00, 0x01, // memory section: one memory, min 1 page, no max
  0x07, 0x0a, 0x01, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, // export "memory" = memory 0
]);
const THREAD_CPUTIME_ID = 3;

type ClockTimeGet = (clockId: number, precision: bigint, resultAddress: number) => number;
/** The part of the WebAssembly global used here (the project's type libraries omit the DOM's). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: { memory: { buffer: ArrayBuffer } } };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

function threadClock(): () => number {
  const wasi = new WASI({ version: 'preview1' });
  const instance = new Instance(new Module(MEMORY_ONLY_MODULE), {});
  wasi.initialize(instance);
  const result = new BigUint64Array(instance.exports.memory.buffer, 0, 1);
  const clockTimeGet = (wasi.wasiImport as { clock_time_get: ClockTimeGet }).clock_time_get;
  return () => {
    const errno = clockTimeGet(THREAD_CPUTIME_ID, 0n, 0);
    if (errno !== 0) throw new Error(`the thread CPU clock is not available here (WASI errno ${errno})`);
    return Number(result[0]);
  };
}

/** Nanoseconds of CPU the calling thread has used; only differences are meaningful. */
export const threadCpuNs: () => number = threadClock();

/** Microseconds of CPU every thread of the process has used (user + system). */
export function processCpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** CPU used by the calling thread and by the whole process, read together. */
export interface CpuTime {
  threadNs: number;
  processUs: number;
}

/** Now, on both clocks: the process's first, so that a span's thread time lies inside its process time. */
export function cpuNow(): CpuTime {
  const processUs = processCpuUs();
  return { threadNs: threadCpuNs(), processUs };
}

/** The CPU used since `start` (from `cpuNow`), on both clocks: the thread's read first. */
export function cpuSince(start: CpuTime): CpuTime {
  const threadNs = threadCpuNs() - start.threadNs;
  return { threadNs, processUs: processCpuUs() - start.processUs };
}

/** Adds a span to a running total. */
export function addCpu(total: CpuTime, span: CpuTime): void {
  total.threadNs += span.threadNs;
  total.processUs += span.processUs;
}
