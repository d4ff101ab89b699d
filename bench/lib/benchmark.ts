/**
 * The shape every benchmark module (bench/<name>.bench.ts) exports, so bench/run.ts can find
 * and run it: `export const benchmark: Benchmark = { name, description, run }`.
 */
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Figure } from './figures';

export type { Figure } from './figures';
export { figure } from './figures';

export interface BenchOptions {
  /** Smaller workload for a quick check (`--quick`). */
  quick: boolean;
}

export interface Benchmark {
  name: string;
  description: string;
  /**
   * Runs the benchmark and prints its report; resolves to its named figures (and ratios), with
   * the goals they are held to (bench/lib/figures.ts), which `--json FILE` writes out.
   */
  run(options: BenchOptions): Promise<Figure[]> | Figure[];
}

/** The machine the figures were measured on. */
export function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) model = line.split(':')[1]!.trim();
  } catch {
    // not Linux: os.cpus() names the CPU
  }
  return `${cpus().length} cores (${model}), node ${process.version}`;
}

/** mulberry32: a small seeded PRNG, so every run generates the same workload. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
