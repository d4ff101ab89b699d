/** The child side of runIsolated: imports the benchmark module, runs its body, sends the summary. */
import type { BenchOptions } from './benchmark';

const [moduleUrl, rawOptions] = process.argv.slice(2);
const loaded = (await import(moduleUrl!)) as { runInProcess?: (options: BenchOptions) => Promise<Record<string, number | string>> };
if (!loaded.runInProcess) throw new Error(`${moduleUrl} exports no runInProcess`);
const summary = await loaded.runInProcess(JSON.parse(rawOptions!) as BenchOptions);
process.send!(summary, () => process.exit(0));
