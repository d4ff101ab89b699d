/**
 * Synthesizes the app in-process from typed settings, the way infra/app.ts does from the
 * context (same cdk.json feature flags, same cdk-nag plugin), and small readers over the
 * synthesized templates.
 */
import { App, Duration, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppSettings } from '../../infra/config';
import { PROJECT_ROOT } from '../../infra/constructs/lambda';
import { type Deployment, defineStacks } from '../../infra/stacks';

export const TEST_SETTINGS: AppSettings = {
  stage: 'test',
  auth: { kind: 'cognito', callbackUrls: ['http://localhost:3000/callback'] },
  approvalThresholds: { USD: '100000.00', EUR: '100000.00', GBP: '100000.00' },
  lambdaCode: 'placeholder',
  auditArchiveRetention: Duration.days(2557),
};

export interface Synthesized {
  app: App;
  deployment: Deployment;
  stateful: Template;
  service: Template;
}

const cdkJsonContext = (): Record<string, unknown> =>
  (JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> }).context ?? {};

/** A fresh app with the deployment; `extend` may add constructs before synthesis. */
export function synthesize(overrides: Partial<AppSettings> = {}, extend?: (d: Deployment) => void): Synthesized {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'cdk-test-')), context: cdkJsonContext() });
  const deployment = defineStacks(app, { ...TEST_SETTINGS, ...overrides });
  extend?.(deployment);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    app,
    deployment,
    stateful: Template.fromStack(deployment.stateful),
    service: Template.fromStack(deployment.service),
  };
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export function resourcesOf(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

export function only<T>(record: Record<string, T>): [string, T] {
  const entries = Object.entries(record);
  if (entries.length !== 1) throw new Error(`expected exactly one, got ${entries.length}: ${entries.map(([k]) => k).join(', ')}`);
  return entries[0]!;
}

export const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

export interface PolicyStatement {
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
}

/** Every identity-policy statement of a template (AWS::IAM::Policy and roles' inline policies). */
export function identityStatements(template: Template): { owner: string; statement: PolicyStatement }[] {
  const out: { owner: string; statement: PolicyStatement }[] = [];
  for (const [id, policy] of Object.entries(resourcesOf(template, 'AWS::IAM::Policy'))) {
    for (const s of policy.Properties?.PolicyDocument?.Statement ?? []) out.push({ owner: id, statement: s });
  }
  for (const [id, role] of Object.entries(resourcesOf(template, 'AWS::IAM::Role'))) {
    for (const p of role.Properties?.Policies ?? []) for (const s of p.PolicyDocument?.Statement ?? []) out.push({ owner: id, statement: s });
  }
  return out;
}

/** The statements of the default policy attached to a function's role. */
export function functionStatements(template: Template, functionLogicalId: string): PolicyStatement[] {
  const fn = template.toJSON().Resources[functionLogicalId] as CfnResource;
  const roleRef = fn.Properties?.Role?.['Fn::GetAtt']?.[0] as string;
  const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).filter((p) =>
    asArray(p.Properties?.Roles).some((r: any) => r?.Ref === roleRef),
  );
  return policies.flatMap((p) => p.Properties?.PolicyDocument?.Statement ?? []);
}

/** The function of a group, found by the service name the Lambda factory gives it. */
export function functionOf(template: Template, folder: string): [string, CfnResource] {
  return only(
    Object.fromEntries(
      Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(
        ([, fn]) => fn.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === `ctv-billing-${folder}`,
      ),
    ),
  );
}
