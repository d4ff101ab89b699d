/**
 * `npm run conformance -- [dir]`: rates every *.json case in dir (default: the shared suite
 * beside the repository) with the real engine, prints `PASS id` or `FAIL id: reason` per case
 * and last `N passed, M failed`. Exits non-zero when any case fails.
 */
import { resolve } from 'node:path';
import { DEFAULT_CASES_DIR, runSuite } from './lib/conformance';

const dir = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_CASES_DIR;
const outcomes = runSuite(dir);
let passed = 0;
for (const outcome of outcomes) {
  if (outcome.passed) {
    passed++;
    console.log(`PASS ${outcome.id}`);
  } else {
    console.log(`FAIL ${outcome.id}: ${outcome.failures.join(' | ')}`);
  }
}
console.log(`${passed} passed, ${outcomes.length - passed} failed`);
process.exitCode = passed === outcomes.length ? 0 : 1;
