/** Shared conformance cases as request bodies (the quote API takes a case without its `expect`). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CASES_DIR } from '../../scripts/lib/conformance';

export const loadCase = (name: string) => JSON.parse(readFileSync(join(DEFAULT_CASES_DIR, `${name}.json`), 'utf8'));
export const withoutExpect = (c: any) => ({ ...c, runs: c.runs.map(({ expect: _e, ...run }: any) => run) });
