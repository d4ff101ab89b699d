/**
 * Runs a benchmark body in a fresh Node.js process. The Lambda handlers read their
 * configuration once per process (the first local stack's table and endpoints), so every
 * benchmark that starts a local stack runs in a process of its own, and `npm run bench` can
 * run them one after the other.
 *
 *   export const benchmark = { name, description, run: (o) => runIsolated(import.meta.url, o) };
 *   export async function runInProcess(o) { ... }   // the body, in the child (resolves to its figures)
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from './benchmark';
import type { Figure } from './figures';

type Summary = Figure[];

export function runIsolated(moduleUrl: string, options: BenchOptions): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./isolated-child.ts', import.meta.url)), [moduleUrl, JSON.stringify(options)], {
      execArgv: ['--import', 'tsx'],
      // Info lines per request or per contract would measure the terminal, not the code.
      env: { POWERTOOLS_LOG_LEVEL: 'WARN', ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let summary: Summary | undefined;
    child.on('message', (message) => {
      summary = message as Summary;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && summary ? resolve(summary) : reject(new Error(`the benchmark process exited with code ${code}`))));
  });
}
