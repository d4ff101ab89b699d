/**
 * `npm run bench -- --only coldstart [--quick]`: the size of every Lambda bundle and the time
 * a fresh Node.js process takes to load it, beside a reference bundle that only creates a
 * DynamoDBDocumentClient, and where that load time goes.
 *
 * The bundles are exactly those CDK deploys: the app is synthesized in this process with
 * bundling on (infra/stacks, `lambdaCode: 'bundle'`) into a temporary cloud assembly, and each
 * function's `index.mjs` is loaded from its asset folder (the function is found by the
 * POWERTOOLS_SERVICE_NAME the factory gives it; CDK's own helper functions are left out). A
 * bundle's size is that of the files its import reads, traced by a module hook in a process of
 * its own: the entry, its static chunks and any chunk imported while it initializes; the whole
 * asset, lazy chunks included, is reported beside. The
 * reference is bundled by esbuild with the same options (LAMBDA_BUNDLING in
 * infra/constructs/lambda.ts).
 *
 * The configuration is the deployed one: each bundle is loaded with the environment variables
 * its function has in the synthesized template (CloudFormation references become placeholder
 * strings) plus those the Lambda runtime sets (function name, execution environment, memory,
 * region, task root and, as the template turns active tracing on, the X-Ray daemon address), so
 * the tracer is loaded as in Lambda. The reference gets the runtime's variables.
 *
 * Load time: `await import(bundle)` timed inside a fresh `node` process (process start-up not
 * included), RUNS processes per bundle, bundles taken round-robin so outside load spreads
 * evenly; the median is reported. A bundle that fails to import fails the run. This measures
 * module evaluation (parse, top-level code, client construction) on this machine's Node.js, not
 * Lambda's init phase, which adds the runtime's own start-up.
 *
 * Floors: two more bundles built the same way show what every function loads before any code
 * of its own, in the deployed configuration: the reference with the Powertools tracer capturing
 * its client (active tracing by itself), and the functions' runtime (functions/runtime: the
 * traced DynamoDB client, logger, metrics and the validated configuration), each with the
 * client built at init as the reference does. No function can load faster than the runtime
 * floor, so its ratio bounds what the goal can reach while the functions keep that runtime.
 *
 * Where the load goes: every bundle is built once more with the same options and a source map
 * (the same code), its import is CPU-profiled (`--cpu-prof`, 100 µs samples, PROFILE_RUNS
 * processes) and each sample's function is mapped back through the source map to its package
 * or project folder; the metafile gives the bytes per package.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { App, Duration } from 'aws-cdk-lib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { defineStacks } from '../infra/stacks';
import { entryOf, LAMBDA_BUNDLING, PROJECT_ROOT } from '../infra/constructs/lambda';
import { figure, type Benchmark, type Figure } from './lib/benchmark';
import { meets } from './lib/figures';
import { fmt } from './lib/load';
import { initialFiles } from '../scripts/lib/bundle-files';

/** Goals: each bundle at most this size, and its load at most this many times the reference's. */
const SIZE_GOAL_KB = 400;
const LOAD_GOAL_RATIO = 1.2;
const SERVICE_PREFIX = 'ctv-billing-';
/** Profiled imports per bundle (their samples are pooled). */
const PROFILE_RUNS = 5;
const PROFILE_INTERVAL_US = 100;


/** What the Lambda runtime sets in every function's environment (the rest comes from the template). */
function runtimeEnvironment(functionName: string, runtime: string, memory: number, tracing: boolean, taskRoot: string): Record<string, string> {
  return {
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memory),
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    LAMBDA_TASK_ROOT: taskRoot,
    TZ: ':UTC',
    ...(tracing ? { AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000', AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR', _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129', _AWS_XRAY_DAEMON_PORT: '2000' } : {}),
  };
}

/** A template value as the function would see it: strings as they are, CloudFormation references as placeholders. */
function resolved(name: string, value: unknown): string {
  return typeof value === 'string' ? value : `bench-${name.toLowerCase().replaceAll('_', '-')}`;
}

interface Bundle {
  name: string;
  /** functions/<folder>/handler.ts, or null for the reference and the floors. */
  folder: string | null;
  /** The figures' name prefix: the folder, `reference` or the floor's key. */
  key: string;
  /** The source the bundle is built from (built again with a source map for the profile). */
  entry: string;
  file: string;
  /** What a cold start reads (traced: entry, static chunks, chunks imported at init), and the whole asset. */
  bytes: number;
  assetBytes: number;
  /** The environment the bundle is loaded with. */
  env: Record<string, string>;
}

/** The options the app bundles every function with (entry and output folder added per build). */
function esbuildOptions(): BuildOptions {
  return { ...LAMBDA_BUNDLING, mainFields: [...LAMBDA_BUNDLING.mainFields], external: [] };
}

const bytesOf = (files: string[]) => files.reduce((sum, f) => sum + statSync(f).size, 0);

/** Every file of an asset folder (entry and chunks). */
function assetFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

type Template = {
  Resources: Record<
    string,
    {
      Type: string;
      Metadata?: Record<string, unknown>;
      Properties?: { Environment?: { Variables?: Record<string, unknown> }; Runtime?: string; MemorySize?: number; TracingConfig?: { Mode?: string }; FunctionName?: unknown };
    }
  >;
};

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
    for (const [logicalId, resource] of Object.entries((stack.template as Template).Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const variables = resource.Properties?.Environment?.Variables ?? {};
      const service = variables.POWERTOOLS_SERVICE_NAME;
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (typeof service !== 'string' || !service.startsWith(SERVICE_PREFIX) || typeof assetPath !== 'string') continue;
      const folder = service.slice(SERVICE_PREFIX.length);
      const file = join(assembly.directory, assetPath, 'index.mjs');
      const props = resource.Properties!;
      const functionName = typeof props.FunctionName === 'string' ? props.FunctionName : `${stack.stackName}-${logicalId}`;
      const env = {
        ...runtimeEnvironment(functionName, props.Runtime ?? 'nodejs', props.MemorySize ?? 128, props.TracingConfig?.Mode === 'Active', dirname(file)),
        ...Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, resolved(name, value)])),
      };
      bundles.set(folder, { name: folder, folder, key: folder, entry: join(PROJECT_ROOT, entryOf(folder)), file, bytes: bytesOf(filesReadAtInit(file, env, dirname(outdir))), assetBytes: bytesOf(assetFiles(dirname(file))), env });
    }
  }
  return [...bundles.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** A bundle built here from `source` with the functions' options, loaded with `env`. */
async function syntheticBundle(dir: string, key: string, name: string, source: string, env: Record<string, string>): Promise<Bundle> {
  const entry = join(dir, `${key}.ts`);
  writeFileSync(entry, source);
  const outdir = join(dir, key);
  await build({ ...esbuildOptions(), entryPoints: { index: entry }, outdir, nodePaths: [join(PROJECT_ROOT, 'node_modules')] });
  const file = join(outdir, 'index.mjs');
  const withRoot = { ...env, LAMBDA_TASK_ROOT: outdir };
  return { name, folder: null, key, entry, file, bytes: bytesOf(filesReadAtInit(file, withRoot, dir)), assetBytes: bytesOf(assetFiles(outdir)), env: withRoot };
}

const DOCUMENT_CLIENT = [
  "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
  "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
];

/**
 * The reference and the two floors. The reference and the tracer floor get the runtime's
 * variables of a deployed function (its name, tracing), none of the app's; the runtime floor
 * gets a function's whole environment, as its configuration is validated at init.
 */
async function referenceAndFloors(dir: string, like: Bundle): Promise<{ reference: Bundle; floors: Bundle[] }> {
  const runtimeOnly = Object.fromEntries(Object.entries(like.env).filter(([name]) => /^(AWS_|_AWS_|LAMBDA_|TZ$)/.test(name) && !name.startsWith('POWERTOOLS_')));
  const reference = await syntheticBundle(
    dir,
    'reference',
    'reference: DynamoDBDocumentClient only',
    [...DOCUMENT_CLIENT, 'export const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: process.env.AWS_REGION }));', 'export const handler = async () => client.config.region();'].join('\n'),
    runtimeOnly,
  );
  const tracerFloor = await syntheticBundle(
    dir,
    'floorTracer',
    'floor: the reference with the tracer capturing its client',
    [
      ...DOCUMENT_CLIENT,
      "import { Tracer } from '@aws-lambda-powertools/tracer';",
      "const tracer = new Tracer({ serviceName: 'ctv-billing-floor', enabled: true });",
      'export const client = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({ region: process.env.AWS_REGION })));',
      'export const handler = async () => client.config.region();',
    ].join('\n'),
    runtimeOnly,
  );
  const runtimeFloor = await syntheticBundle(
    dir,
    'floorRuntime',
    "floor: the functions' runtime (traced client, logger, metrics, configuration)",
    [
      `import { dynamo } from ${JSON.stringify(join(PROJECT_ROOT, 'functions/runtime/clients.ts'))};`,
      `import { logger, metrics } from ${JSON.stringify(join(PROJECT_ROOT, 'functions/runtime/observability.ts'))};`,
      'export const client = dynamo();',
      'export const handler = async () => { logger.info(\'floor\'); metrics.publishStoredMetrics(); return client.config.region(); };',
    ].join('\n'),
    like.env,
  );
  return { reference, floors: [tracerFloor, runtimeFloor] };
}

/** The packages (or project folders) that contribute most bytes to a bundle's output. */
async function largestInputs(folder: string, top: number): Promise<string> {
  const result = await build({ ...esbuildOptions(), entryPoints: { index: join(PROJECT_ROOT, entryOf(folder)) }, write: false, outdir: 'out', metafile: true });
  const outputs = (result.metafile as Metafile).outputs;
  // The entry and the chunks it imports statically (the tracer's chunk, imported at init when
  // tracing is on, is counted in the size but not named here).
  const initial = new Set<string>(['out/index.mjs']);
  for (const name of initial) for (const imported of outputs[name]?.imports ?? []) if (imported.kind === 'import-statement') initial.add(imported.path);
  const byPackage = new Map<string, number>();
  for (const [name, output] of Object.entries(outputs)) {
    if (!initial.has(name)) continue;
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

/** A module hook that names every file the import loads (run on Node's hooks thread). */
const LOAD_LOG_HOOKS = [
  "import { appendFileSync } from 'node:fs';",
  'export async function load(url, context, next) {',
  "  if (url.startsWith('file:')) appendFileSync(process.env.BENCH_LOADED_LOG, url + '\\n');",
  '  return next(url, context);',
  '}',
].join('\n');

/**
 * The files of the bundle that a cold start reads, traced in a process of its own (not timed):
 * the entry, its static chunks, and any chunk imported while the module initializes (the
 * tracer, whose import depends on the deployed environment). Their bytes are the bundle's size.
 */
function filesReadAtInit(file: string, env: Record<string, string>, dir: string): string[] {
  const log = join(dir, `loaded-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  const tracer = [
    "import { register } from 'node:module';",
    `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(LOAD_LOG_HOOKS)}));`,
    'await import(process.argv[1]);',
  ].join('\n');
  execFileSync(process.execPath, ['--input-type=module', '-e', tracer, pathToFileURL(file).href], {
    env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env, BENCH_LOADED_LOG: log },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const root = pathToFileURL(dirname(file)).href + '/';
  const read = [...new Set(readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith(root)))].map((url) => fileURLToPath(url));
  // The entry and its static chunks are read whatever the environment; the trace adds the rest.
  for (const expected of initialFiles(file)) if (!read.includes(expected)) throw new Error(`${file}: ${expected} was not traced`);
  return read;
}

function loadOnce(bundle: Bundle, extraArgs: string[] = []): number {
  const out = execFileSync(process.execPath, [...extraArgs, '--input-type=module', '-e', LOADER, pathToFileURL(bundle.file).href], {
    env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...bundle.env },
    encoding: 'utf8',
    // The tracer, loaded as in Lambda, warns on stderr that no segment is open outside an invocation.
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return Number(out);
}

interface CpuProfile {
  nodes: { id: number; callFrame: { url: string; lineNumber: number; columnNumber: number; functionName: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a bundle's source-mapped input comes from: its package, or its project folder. */
function ownerOf(source: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (pkg) return pkg[1]!;
  const project = /(?:^|\/)(functions|shared|infra|scripts)\/([^/]+)/.exec(source);
  return project ? `${project[1]}/${project[2]}` : source;
}

/**
 * CPU time of a bundle's import by owner (package or project folder), from PROFILE_RUNS
 * profiled imports of the same code built with a source map. Samples outside the bundle are
 * named by what they are: the module loader and other Node internals, garbage collection,
 * "(program)" (V8 parsing and compiling among it).
 */
async function loadProfile(bundle: Bundle, dir: string): Promise<{ totalMs: number; byOwner: [string, number][] }> {
  const outdir = mkdtempSync(join(dir, 'profile-'));
  const file = join(outdir, 'index.mjs');
  await build({ ...esbuildOptions(), entryPoints: { index: bundle.entry }, outdir, sourcemap: 'external', nodePaths: [join(PROJECT_ROOT, 'node_modules')] });
  // One source map per output file (the entry and its chunks), by the file's URL.
  const maps = new Map(
    assetFiles(outdir)
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => [pathToFileURL(f).href, new SourceMap(JSON.parse(readFileSync(`${f}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0])]),
  );
  const byOwner = new Map<string, number>();
  let totalUs = 0;
  for (let run = 0; run < PROFILE_RUNS; run++) {
    const profileDir = join(outdir, `run-${run}`);
    loadOnce({ ...bundle, file }, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-interval=${PROFILE_INTERVAL_US}`]);
    const profile = JSON.parse(readFileSync(join(profileDir, readdirSync(profileDir)[0]!), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    profile.samples.forEach((id, i) => {
      const frame = nodes.get(id)!;
      let owner: string;
      const map = maps.get(frame.url);
      if (map) {
        const found = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
        owner = found.originalSource ? ownerOf(found.originalSource) : '(bundle, unmapped)';
      } else if (frame.url.startsWith('node:')) owner = '(node: module loader and internals)';
      else if (frame.url === '') owner = frame.functionName === '(idle)' ? '(idle)' : frame.functionName.startsWith('(') ? frame.functionName : '(native)';
      else owner = '(node: module loader and internals)';
      const us = profile.timeDeltas[i] ?? 0;
      totalUs += us;
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
    });
  }
  byOwner.delete('(idle)');
  return {
    totalMs: totalUs / 1000 / PROFILE_RUNS,
    byOwner: [...byOwner].map(([owner, us]) => [owner, us / 1000 / PROFILE_RUNS] as [string, number]).sort((a, b) => b[1] - a[1]),
  };
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
    const { reference, floors } = await referenceAndFloors(dir, functions[0]!);
    const bundles = [reference, ...floors, ...functions];
    const tracing = functions.filter((f) => f.env.AWS_XRAY_DAEMON_ADDRESS).length;
    console.log(`environment from the template: ${tracing} of ${functions.length} functions with active tracing; e.g. ${functions[0]!.name}: ${Object.keys(functions[0]!.env).sort().join(', ')}`);

    const times = new Map<Bundle, number[]>(bundles.map((b) => [b, []]));
    for (let i = 0; i < runs; i++) for (const bundle of bundles) times.get(bundle)!.push(loadOnce(bundle));
    const referenceMs = median(times.get(reference)!);

    console.log(`\n| bundle | KB read at init | asset KB (with lazy chunks) | load ms (median of ${runs}) | × reference | largest inputs of the entry and its static chunks |\n|---|---:|---:|---:|---:|---|`);
    const figures: Figure[] = [figure('referenceKb', reference.bytes / 1024, 'KB'), figure('referenceLoadMs', referenceMs, 'ms')];
    for (const bundle of bundles) {
      const ms = median(times.get(bundle)!);
      const kb = bundle.bytes / 1024;
      const ratio = ms / referenceMs;
      if (bundle.folder) {
        figures.push(
          figure(`${bundle.folder}Kb`, kb, 'KB', `<= ${SIZE_GOAL_KB}`),
          figure(`${bundle.folder}AssetKb`, bundle.assetBytes / 1024, 'KB'),
          figure(`${bundle.folder}LoadMs`, ms, 'ms'),
          figure(`${bundle.folder}LoadRatio`, ratio, 'x', `<= ${LOAD_GOAL_RATIO}`),
        );
      } else if (bundle !== reference) {
        // A floor is not a function: recorded without a goal, as the bound the functions share.
        figures.push(figure(`${bundle.key}Kb`, kb, 'KB'), figure(`${bundle.key}LoadMs`, ms, 'ms'), figure(`${bundle.key}LoadRatio`, ratio, 'x'));
      }
      const inputs = bundle.folder ? await largestInputs(bundle.folder, 3) : '';
      console.log(`| ${bundle.name} | ${fmt(kb, 0)} | ${fmt(bundle.assetBytes / 1024, 0)} | ${fmt(ms, 1)} | ${fmt(ratio)} | ${inputs} |`);
    }
    const met = (unit: string) => figures.every((f) => f.unit !== unit || f.goal === undefined || meets(f.value, f.goal));
    const sizeMet = met('KB');
    const loadMet = met('x');
    console.log(`\ngoal every bundle <= ${SIZE_GOAL_KB} KB: ${sizeMet ? 'met' : 'NOT met'}; load <= ${LOAD_GOAL_RATIO}x the reference: ${loadMet ? 'met' : 'NOT met'}`);
    const [tracerFloor, runtimeFloor] = floors.map((f) => ({ kb: f.bytes / 1024, ratio: median(times.get(f)!) / referenceMs }));
    console.log(
      `floors (no function loads less): the tracer alone ${fmt(tracerFloor!.kb, 0)} KB, ${fmt(tracerFloor!.ratio)}x; ` +
        `the functions' runtime ${fmt(runtimeFloor!.kb, 0)} KB, ${fmt(runtimeFloor!.ratio)}x`,
    );

    console.log(`\nWhere the load goes: CPU ms of the import by package or project folder (mean of ${PROFILE_RUNS} profiled imports, ${PROFILE_INTERVAL_US} µs samples), top 8:\n`);
    console.log('| bundle | profiled ms | top owners (ms) |\n|---|---:|---|');
    for (const bundle of bundles) {
      const profile = await loadProfile(bundle, dir);
      console.log(`| ${bundle.name} | ${fmt(profile.totalMs, 1)} | ${profile.byOwner.slice(0, 8).map(([owner, ms]) => `${owner} ${fmt(ms, 1)}`).join(', ')} |`);
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  name: 'coldstart',
  description: 'bundle size and module load time of every Lambda as CDK bundles it, beside a DynamoDBDocumentClient-only bundle',
  run,
};
