/**
 * `npm run bench [-- --only <name>] [--quick]`: runs every benchmark module found in bench/
 * (files named *.bench.ts exporting `benchmark`), one after the other.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machine, type Benchmark } from './lib/benchmark';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
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
for (const bench of selected) {
  console.log(`\n== ${bench.name}: ${bench.description}`);
  await bench.run({ quick });
}
