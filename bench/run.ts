/**
 * `npm run bench [-- --only <name>] [--quick] [--json FILE]`: runs every benchmark module found
 * in bench/ (files named *.bench.ts exporting `benchmark`), one after the other, and prints
 * their reports. With `--json FILE`, also writes every figure of the run (bench/lib/figures.ts:
 * `{ benchmark, name, value, unit, goal?, met? }` per figure) to FILE as a JSON array.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machine, type Benchmark } from './lib/benchmark';
import { recordsOf, writeFiguresJson, type FigureRecord } from './lib/figures';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const valueOf = (flag: string): string | undefined => {
  const at = args.indexOf(flag);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) {
    console.error(`${flag} needs a value`);
    process.exit(1);
  }
  return value;
};
const only = valueOf('--only');
const jsonFile = valueOf('--json');
const quick = args.includes('--quick');

const modules = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
const benchmarks: Benchmark[] = [];
for (const file of modules) {
  const loaded = (await import(pathToFileURL(join(here, file)).href)) as { benchmark?: Benchmark };
  if (loaded.benchmark) benchmarks.push(loaded.benchmark);
}
const selected = only ? benchmarks.filter((b) => b.name === only) : benchmarks;
if (selected.length === 0) {
  console.error(`no benchmark${only ? ` named "${only}"` : ''}; available: ${benchmarks.map((b) => b.name).join(', ')}`);
  process.exit(1);
}
console.log(`machine: ${machine()}`);
const records: FigureRecord[] = [];
for (const bench of selected) {
  console.log(`\n== ${bench.name}: ${bench.description}`);
  records.push(...recordsOf(bench.name, await bench.run({ quick })));
  // Written after each benchmark, so a run that fails later still leaves the figures it made.
  if (jsonFile) writeFiguresJson(jsonFile, records);
}
if (jsonFile) console.log(`\n${records.length} figures written to ${jsonFile}`);
