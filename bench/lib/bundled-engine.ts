/**
 * The rating engine as the billing run's Lambda runs it: shared/domain/billing/rate.ts bundled
 * by esbuild with the functions' own options (infra/constructs/lambda.ts `LAMBDA_BUNDLING`:
 * minified ESM, names not kept), written to a scratch folder and imported from there. Imported
 * through tsx instead, the engine would run as tsx transforms it for development (one module
 * per file, not minified, every named closure wrapped at each evaluation to keep its name),
 * which is not the code that is deployed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { LAMBDA_BUNDLING, PROJECT_ROOT } from '../../infra/constructs/lambda';

export type RatingEngine = typeof import('../../shared/domain/billing/rate');

export async function loadBundledEngine(): Promise<RatingEngine> {
  const outdir = await mkdtemp(join(tmpdir(), 'rating-engine-'));
  try {
    await build({
      ...LAMBDA_BUNDLING,
      mainFields: [...LAMBDA_BUNDLING.mainFields],
      external: [],
      entryPoints: { rate: join(PROJECT_ROOT, 'shared/domain/billing/rate.ts') },
      outdir,
    });
    return (await import(pathToFileURL(join(outdir, 'rate.mjs')).href)) as RatingEngine;
  } finally {
    // The module is loaded once imported; its files are not read again.
    await rm(outdir, { recursive: true, force: true });
  }
}
