/**
 * `npm run bench -- --only coldstart [--quick]`: the size of every Lambda bundle and the time
 * a fresh Node.js process takes to load it, beside a reference bundle that only creates a
 * DynamoDBDocumentClient.
 *
 * The bundles are exactly those CDK deploys: the app is synthesized in this process with
 * bundling on (infra/stacks, `lambdaCode: 'bundle'`) into a temporary cloud assembly, and each
 * function's `index.mjs` is read from its asset folder (the function is found by the
 * POWERTOOLS_SERVICE_NAME the factory gives it; CDK's own helper functions are left out). The
 * reference is bundled by esbuild with the same options (LAMBDA_BUNDLING in
 * infra/constructs/lambda.ts). The same options with a metafile name the largest packages in
 * each bundle.
 *
 * Load time: `await import(bundle)` timed inside a fresh `node` process (process start-up not
 * included), RUNS processes per bundle, bundles taken round-robin so outside load spreads
 * evenly; the median is reported. The environment is a function's (table name, region, stage).
 * A bundle that fails to import fails the run. This measures module evaluation (parse, top-level code, client construction) on this
 * machine's Node.js, not Lambda's init phase, which adds the runtime's own start-up.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Duration } from 'aws-cdk-lib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { defineStacks } from '../infra/stacks';
import { entryOf, LAMBDA_BUNDLING, PROJECT_ROOT } from '../infra/constructs/lambda';
import { figure, type Benchmark, type Figure } from './lib/benchmark';
import { fmt } from './lib/load';

/** Goals: each bundle at most this size, and its load at most this many times the reference's. */
const SIZE_GOAL_KB = 400;
const LOAD_GOAL_RATIO = 1.2;
const SERVICE_PREFIX = 'ctv-billing-';

interface Bundle {
  name: string;
  /** functions/<folder>/handler.ts, or null for the reference. */
  folder: string | null;
  file: string;
  bytes: number;
}

/** esbuild options equal to what NodejsFunction passes for LAMBDA_BUNDLING. */
function esbuildOptions(): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: LAMBDA_BUNDLING.target,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    banner: { js: LAMBDA_BUNDLING.banner },
    minify: LAMBDA_BUNDLING.minify,
    sourcemap: LAMBDA_BUNDLING.sourceMap,
    external: [...LAMBDA_BUNDLING.externalModules],
    tsconfig: LAMBDA_BUNDLING.tsconfig,
    logLevel: 'warning',
  };
}

type Template = { Resources: Record<string, { Type: string; Metadata?: Record<string, unknown>; Properties?: { Environment?: { Variables?: Record<string, unknown> } } }> };

/** Synthesizes the app with bundling on; returns each of our functions' bundle. */
function synthesizedBundles(outdir: string): Bundle[] {
  // Asset metadata (each function's asset folder) is only written when asked, as the CLI does.
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  defineStacks(app, {
    stage: 'bench',
    auth: { kind: 'issuer', issuer: 'https://issuer.bench.invalid', audience: ['bench'], scope: 'bench/api' },
    approvalThresholds: {},
    lambdaCode: 'bundle',
    auditArchiveRetention: Duration.days(1),
  });
  const assembly = app.synth();
  const bundles = new Map<string, Bundle>();
  for (const stack of assembly.stacks) {
    for (const resource of Object.values((stack.template as Template).Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const service = resource.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME;
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (typeof service !== 'string' || !service.startsWith(SERVICE_PREFIX) || typeof assetPath !== 'string') continue;
      const folder = service.slice(SERVICE_PREFIX.length);
      const file = join(assembly.directory, assetPath, 'index.mjs');
      bundles.set(folder, { name: folder, folder, file, bytes: statSync(file).size });
    }
  }
  return [...bundles.values()].sort((a, b) => a.name.localeCompare(b.name));
}

async function referenceBundle(dir: string): Promise<Bundle> {
  const entry = join(dir, 'reference.ts');
  writeFileSync(
    entry,
    [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
      'export const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: process.env.AWS_REGION }));',
      'export const handler = async () => client.config.region();',
    ].join('\n'),
  );
  const file = join(dir, 'reference.mjs');
  await build({ ...esbuildOptions(), entryPoints: [entry], outfile: file, nodePaths: [join(PROJECT_ROOT, 'node_modules')] });
  return { name: 'reference: DynamoDBDocumentClient only', folder: null, file, bytes: statSync(file).size };
}

/** The packages (or project folders) that contribute most bytes to a bundle's output. */
async function largestInputs(folder: string, top: number): Promise<string> {
  const result = await build({ ...esbuildOptions(), entryPoints: [join(PROJECT_ROOT, entryOf(folder))], write: false, outdir: 'out', metafile: true });
  const byPackage = new Map<string, number>();
  for (const output of Object.values((result.metafile as Metafile).outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = match ? match[1]! : input.split('/').slice(0, 2).join('/');
      byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, bytes]) => `${name} ${fmt(bytes / 1024, 0)} KB`)
    .join(', ');
}

const LOADER = [
  'const started = process.hrtime.bigint();',
  'await import(process.argv[1]);',
  'process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));',
].join('\n');

function loadOnce(file: string): number {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', LOADER, pathToFileURL(file).href], {
    env: {
      PATH: process.env.PATH,
      TABLE_NAME: 'bench-table',
      EXPORTS_BUCKET: 'bench-exports',
      USAGE_BUCKET: 'bench-usage',
      AUDIT_ARCHIVE_BUCKET: 'bench-audit',
      AWS_REGION: 'us-east-1',
      STAGE: 'bench',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    encoding: 'utf8',
  });
  return Number(out);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function run({ quick }: { quick: boolean }) {
  const runs = quick ? 5 : 20;
  const dir = mkdtempSync(join(tmpdir(), 'bench-coldstart-'));
  try {
    const synthStarted = performance.now();
    const functions = synthesizedBundles(join(dir, 'cdk.out'));
    console.log(`synthesized with bundling: ${functions.length} functions in ${fmt((performance.now() - synthStarted) / 1000, 1)} s`);
    const reference = await referenceBundle(dir);
    const bundles = [reference, ...functions];

    const times = new Map<Bundle, number[]>(bundles.map((b) => [b, []]));
    for (let i = 0; i < runs; i++) for (const bundle of bundles) times.get(bundle)!.push(loadOnce(bundle.file));
    const referenceMs = median(times.get(reference)!);

    console.log(`\n| bundle | KB | load ms (median of ${runs}) | × reference | largest inputs |\n|---|---:|---:|---:|---|`);
    const summary: Figure[] = [figure('referenceKb', reference.bytes / 1024, 'KB'), figure('referenceLoadMs', referenceMs, 'ms')];
    let sizeMet = true;
    let loadMet = true;
    for (const bundle of bundles) {
      const ms = median(times.get(bundle)!);
      const kb = bundle.bytes / 1024;
      const ratio = ms / referenceMs;
      if (bundle.folder) {
        sizeMet &&= kb <= SIZE_GOAL_KB;
        loadMet &&= ratio <= LOAD_GOAL_RATIO;
        summary.push(figure(`${bundle.folder}Kb`, kb, 'KB', `<= ${SIZE_GOAL_KB}`), figure(`${bundle.folder}LoadRatio`, ratio, 'x', `<= ${LOAD_GOAL_RATIO}`));
      }
      const inputs = bundle.folder ? await largestInputs(bundle.folder, 3) : '';
      console.log(`| ${bundle.name} | ${fmt(kb, 0)} | ${fmt(ms, 1)} | ${fmt(ratio)} | ${inputs} |`);
    }
    console.log(`\ngoal every bundle <= ${SIZE_GOAL_KB} KB: ${sizeMet ? 'met' : 'NOT met'}; load <= ${LOAD_GOAL_RATIO}x the reference: ${loadMet ? 'met' : 'NOT met'}`);
    return summary;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  name: 'coldstart',
  description: 'bundle size and module load time of every Lambda as CDK bundles it, beside a DynamoDBDocumentClient-only bundle',
  run,
};
