/** The child side of runIsolated: imports the benchmark module, runs its body, sends its figures. */
import type { BenchOptions } from './benchmark';
import type { Figure } from './figures';

const [moduleUrl, rawOptions] = process.argv.slice(2);
const loaded = (await import(moduleUrl!)) as { runInProcess?: (options: BenchOptions) => Promise<Figure[]> };
if (!loaded.runInProcess) throw new Error(`${moduleUrl} exports no runInProcess`);
const summary = await loaded.runInProcess(JSON.parse(rawOptions!) as BenchOptions);
process.send!(summary, () => process.exit(0));
