/**
 * Every function's environment holds the variables its handler reads. What a handler reads is
 * found, not listed: esbuild bundles each entry as the Lambda factory does (tree-shaken ESM),
 * and the project modules that end up in the bundle are searched for the names of
 * functions/runtime/config.ts. Most of these have local defaults ("exports", ...) that would
 * silently point a deployed function at the wrong bucket, hence the check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { beforeAll, describe, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../infra/constructs/lambda';
import { resourcesOf, type Synthesized, synthesize } from './support';

/** Variables of functions/runtime/config.ts that the stack must set (AWS_REGION comes from Lambda). */
const DEPLOYED_VARIABLES = ['TABLE_NAME', 'EXPORTS_BUCKET', 'USAGE_BUCKET', 'AUDIT_ARCHIVE_BUCKET', 'STATE_MACHINE_ARN', 'EVENT_BUS_NAME', 'APPROVAL_THRESHOLDS', 'STAGE'] as const;
/** Local engines only: a deployed function must never have them. */
const LOCAL_ONLY = ['DYNAMODB_ENDPOINT', 'S3_ENDPOINT'] as const;
const CONFIG_MODULE = 'functions/runtime/config.ts';

let synth: Synthesized;
/** Function folder (from POWERTOOLS_SERVICE_NAME) -> its environment variables. */
let environments: Map<string, Record<string, unknown>>;
/** Function folder -> the config variables its bundled code names. */
let reads: Map<string, Set<string>>;

beforeAll(async () => {
  synth = synthesize();
  environments = new Map(
    Object.values(resourcesOf(synth.service, 'AWS::Lambda::Function')).map((fn) => {
      const variables = fn.Properties!.Environment.Variables as Record<string, unknown>;
      return [String(variables.POWERTOOLS_SERVICE_NAME).replace(/^ctv-billing-/, ''), variables];
    }),
  );
  const folders = [...environments.keys()];
  const built = await esbuild.build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: Object.fromEntries(folders.map((f) => [f, `functions/${f}/handler.ts`])),
    bundle: true,
    write: false,
    metafile: true,
    outdir: join(PROJECT_ROOT, 'cdk.out', 'env-check'),
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  reads = new Map();
  for (const output of Object.values(built.metafile.outputs)) {
    if (!output.entryPoint) continue;
    const folder = output.entryPoint.replace(/^functions\//, '').replace(/\/handler\.ts$/, '');
    const names = new Set<string>();
    for (const [file, input] of Object.entries(output.inputs)) {
      // Project code that survived tree-shaking; config.ts itself names every variable.
      if (file.includes('node_modules') || file === CONFIG_MODULE || input.bytesInOutput === 0) continue;
      const source = readFileSync(join(PROJECT_ROOT, file), 'utf8');
      for (const name of DEPLOYED_VARIABLES) if (new RegExp(`\\b${name}\\b`).test(source)) names.add(name);
    }
    reads.set(folder, names);
  }
}, 120_000);

describe('function environments', () => {
  test('every function of the stack was analysed', () => {
    expect(environments.size).toBeGreaterThanOrEqual(17);
    expect([...reads.keys()].sort()).toEqual([...environments.keys()].sort());
  });

  test('each function has every variable its handler reads, and no local endpoint', () => {
    for (const [folder, variables] of environments) {
      for (const name of reads.get(folder)!) expect(variables[name], `${folder}: ${name}`).toBeDefined();
      for (const name of LOCAL_ONLY) expect(variables[name], `${folder}: ${name}`).toBeUndefined();
    }
  });

  test('the analysis finds what the handlers are known to need', () => {
    // Sanity of the search itself: these reads are certain.
    expect([...reads.get('audit')!]).toEqual(expect.arrayContaining(['TABLE_NAME', 'AUDIT_ARCHIVE_BUCKET']));
    expect([...reads.get('billing')!]).toEqual(expect.arrayContaining(['TABLE_NAME', 'EXPORTS_BUCKET', 'STATE_MACHINE_ARN']));
    expect([...reads.get('billing-run/scheduled-start')!]).toContain('STATE_MACHINE_ARN');
    expect([...reads.get('contracts')!]).toEqual(expect.arrayContaining(['TABLE_NAME', 'APPROVAL_THRESHOLDS']));
    expect([...reads.get('approvals')!]).toContain('APPROVAL_THRESHOLDS');
    expect([...reads.get('billing-run/export')!]).toEqual(expect.arrayContaining(['TABLE_NAME', 'EXPORTS_BUCKET']));
  });

  test('only the functions that start billing runs get the state machine', () => {
    const starters = [...environments].filter(([, v]) => v.STATE_MACHINE_ARN !== undefined).map(([f]) => f).sort();
    expect(starters).toEqual(['billing', 'billing-run/scheduled-start']);
    for (const folder of starters) {
      const [machineId] = Object.keys(resourcesOf(synth.service, 'AWS::StepFunctions::StateMachine'));
      expect(environments.get(folder)!.STATE_MACHINE_ARN).toEqual({ Ref: machineId });
    }
  });

  test('the stage and the approval thresholds are the deployment settings', () => {
    for (const [folder, variables] of environments) {
      expect(variables.STAGE, folder).toBe('test');
      expect(JSON.parse(String(variables.APPROVAL_THRESHOLDS)), folder).toEqual({ USD: '100000.00', EUR: '100000.00', GBP: '100000.00' });
    }
  });
});
