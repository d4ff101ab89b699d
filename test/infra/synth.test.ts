/**
 * Real synthesis: the handlers bundled by esbuild in-process, and the CDK CLI on the app entry.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { ESM_REQUIRE_BANNER, entryOf, PROJECT_ROOT } from '../../infra/constructs/lambda';
import { initialFiles } from '../../scripts/lib/bundle-files';
import { resourcesOf, synthesize } from './support';

const run = promisify(execFile);

/** The folders the app makes functions for, read from a placeholder synthesis. */
const { deployment } = synthesize();
const folders = [...deployment.stateful.lambdas.folders, ...deployment.service.lambdas.folders];

describe('bundled synthesis', () => {
  test('every function the app makes has its entry file', () => {
    expect(folders.filter((f) => !existsSync(join(PROJECT_ROOT, entryOf(f)))).map(entryOf)).toEqual([]);
  });

  test('bundles every handler into one minified ESM file with the require shim and the SDK inside', async () => {
    const synth = synthesize({ lambdaCode: 'bundle' });
    const outdir = synth.app.outdir;
    const functions = [synth.stateful, synth.service].flatMap((template) => Object.entries(resourcesOf(template, 'AWS::Lambda::Function')));
    expect(functions.length).toBe(folders.length);

    for (const [id, fn] of functions) {
      expect(fn.Properties!.Handler, id).toBe('index.handler');
      const assetHash = (fn.Properties!.Code.S3Key as string).replace(/\.zip$/, '');
      const bundle = readFileSync(join(outdir, `asset.${assetHash}`, 'index.mjs'), 'utf8');
      expect(bundle.startsWith(ESM_REQUIRE_BANNER), id).toBe(true);
      // The SDK is bundled, not imported from the runtime.
      expect(bundle, id).not.toMatch(/from\s*["']@aws-sdk\//);
      // Minified: no indentation-heavy multi-line output
      // (template literals keep their line breaks: bytes per line, formatted code has ~40).
      expect(bundle.length / bundle.split('\n').length, id).toBeGreaterThan(150);
      // The entry, and the chunks of what it imports lazily: nothing else (no node_modules).
      expect(readdirSync(join(outdir, `asset.${assetHash}`)).filter((f) => f !== 'chunks'), id).toEqual(['index.mjs']);
    }

    // Each function has its own bundle (staged assets are cached by their options: the entry is among them).
    expect(new Set(functions.map(([, fn]) => fn.Properties!.Code.S3Key)).size).toBe(functions.length);

    // What only some requests need is split off: the entry of the invoices and billing functions
    // and the chunks it imports statically hold neither pdf-lib nor the S3 client (exports, PDFs),
    // which their lazy chunks do.
    const text = (files: string[]) => files.map((f) => readFileSync(f, 'utf8')).join('\n');
    // Names that survive minification: pdf-lib's PDFDocument, the S3 client's class name.
    for (const [service, markers] of [
      ['ctv-billing-invoices', ['PDFDocument', 'S3Client']],
      ['ctv-billing-billing', ['S3Client']],
    ] as const) {
      const fn = functions.find(([, f]) => f.Properties!.Environment.Variables.POWERTOOLS_SERVICE_NAME === service)![1];
      const entry = join(outdir, `asset.${(fn.Properties!.Code.S3Key as string).replace(/\.zip$/, '')}`, 'index.mjs');
      const atInit = initialFiles(entry);
      const asset = readdirSync(dirname(entry), { recursive: true }).map(String).filter((f) => f.endsWith('.mjs')).map((f) => join(dirname(entry), f));
      const lazy = asset.filter((f) => !atInit.includes(f));
      expect(lazy.length, service).toBeGreaterThan(0);
      for (const marker of markers) {
        expect(text(atInit), `${service} ${marker}`).not.toContain(marker);
        expect(text(lazy), `${service} ${marker}`).toContain(marker);
      }
    }

    // The public bundle loads as an ES module on this Node and exports the handler.
    const [publicId] = functions.find(([, fn]) => fn.Properties!.Environment.Variables.POWERTOOLS_SERVICE_NAME === 'ctv-billing-public')!;
    const publicFn = functions.find(([id]) => id === publicId)![1];
    const file = join(outdir, `asset.${(publicFn.Properties!.Code.S3Key as string).replace(/\.zip$/, '')}`, 'index.mjs');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(file)}); console.log(typeof m.handler);`], {
      env: { ...process.env, TABLE_NAME: 'table', AWS_REGION: 'us-east-1' },
    });
    expect(stdout.trim()).toBe('function');
  }, 240_000);
});

test('the CDK CLI synthesizes the app offline and exits 0', async () => {
  const out = mkdtempSync(join(tmpdir(), 'cdk-cli-'));
  const cdk = join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk');
  // bundle=false keeps this under a minute; the bundled synthesis is tested above in-process.
  const result = await run(cdk, ['synth', '--no-notices', '-q', '-c', 'bundle=false', '-c', 'stage=ci', '-c', 'authCallbackUrls=https://console.example.com/callback', '-o', out], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    timeout: 60_000,
  });
  expect(result.stderr).not.toMatch(/ERROR|AwsSolutions-/);
  const templates = readdirSync(out).filter((f) => f.endsWith('.template.json')).sort();
  expect(templates).toEqual(['CtvBilling-ci-Console.template.json', 'CtvBilling-ci-Service.template.json', 'CtvBilling-ci-Stateful.template.json']);
}, 90_000);

test('outside the dev stage the app refuses to synthesize without explicit OAuth callback URLs', async () => {
  const out = mkdtempSync(join(tmpdir(), 'cdk-app-'));
  const failed = await run(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'infra', 'app.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CDK_OUTDIR: out, CDK_CONTEXT_JSON: JSON.stringify({ bundle: 'false', stage: 'prod' }), CDK_DEFAULT_ACCOUNT: '', CDK_DEFAULT_REGION: '' },
    timeout: 60_000,
  }).then(() => null, (error: { code?: number; stderr?: string }) => error);
  expect(failed?.code).not.toBe(0);
  expect(failed?.stderr).toMatch(/stage "prod": set the OAuth callback URLs of the web client explicitly/);
  expect(readdirSync(out).filter((f) => f.endsWith('.template.json'))).toEqual([]);
}, 90_000);

test('the app entry reads its settings from the CDK context', async () => {
  const out = mkdtempSync(join(tmpdir(), 'cdk-app-'));
  const context = {
    bundle: 'false',
    stage: 'ctx',
    jwtIssuer: 'https://idp.example.com/',
    jwtAudience: 'billing-web, billing-cli',
    jwtScope: 'billing/api',
    approvalThresholds: '{"USD":"250000.00"}',
    auditRetentionDays: '3650',
  };
  await run(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'infra', 'app.ts')], {
    cwd: PROJECT_ROOT,
    // What the CLI passes to the app process.
    env: { ...process.env, CDK_OUTDIR: out, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_DEFAULT_ACCOUNT: '', CDK_DEFAULT_REGION: '' },
    timeout: 60_000,
  });
  const template = (name: string) => JSON.parse(readFileSync(join(out, `CtvBilling-ctx-${name}.template.json`), 'utf8'));
  const stateful = template('Stateful');
  const service = template('Service');

  const types = (t: { Resources: Record<string, { Type: string }> }) => Object.values(t.Resources).map((r) => r.Type);
  expect(types(stateful)).not.toContain('AWS::Cognito::UserPool');
  expect(stateful.Resources.AuditArchiveBucket.Properties.ObjectLockConfiguration.Rule.DefaultRetention).toEqual({ Mode: 'COMPLIANCE', Days: 3650 });

  const authorizer = Object.values(service.Resources as Record<string, any>).find((r) => r.Type === 'AWS::ApiGatewayV2::Authorizer');
  expect(authorizer.Properties.JwtConfiguration).toEqual({ Issuer: 'https://idp.example.com/', Audience: ['billing-web', 'billing-cli'] });
  const scopes = Object.values(service.Resources as Record<string, any>)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.AuthorizationType === 'JWT')
    .map((r) => r.Properties.AuthorizationScopes);
  expect(scopes.length).toBeGreaterThan(0);
  for (const s of scopes) expect(s).toEqual(['billing/api']);
  const functions = Object.values(service.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::Lambda::Function');
  for (const fn of functions) {
    expect(fn.Properties.Environment.Variables.APPROVAL_THRESHOLDS).toBe('{"USD":"250000.00"}');
    expect(fn.Properties.Environment.Variables.STAGE).toBe('ctx');
    expect(fn.Properties.Handler).toBe('index.handler');
  }
}, 90_000);
