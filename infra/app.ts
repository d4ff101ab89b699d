/**
 * The CDK app entry point, and the only place that reads the environment or the CDK context.
 *
 * Context keys (`-c key=value` or cdk.json "context"):
 *   stage               deployment stage, default `dev`
 *   bundle              `false` synthesizes placeholder code instead of bundling the handlers
 *   jwtIssuer           external OIDC issuer URL; without it a Cognito user pool is created
 *   jwtAudience         comma-separated audiences (app client ids) for jwtIssuer
 *   jwtScope            scope every authorized route requires, default `ctv-billing/api`
 *   authCallbackUrls    comma-separated OAuth callback URLs of the created user pool's client (required outside dev)
 *   authDomainPrefix    Cognito domain prefix for the created user pool's sign-in pages
 *   approvalThresholds  JSON like {"USD":"100000.00","EUR":"90000.00"}
 *   auditRetentionDays  Object Lock retention of the audit archive, default 2557 (7 years)
 *   billingMaxConcurrency  contracts a billing run rates at once, default 10 (docs/scale.md: 100 at 1M contracts)
 * Environment: CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION (set by the CDK CLI from the profile).
 */
import { App, Duration, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  type AppSettings,
  type AuthSettings,
  assertStageName,
  DEFAULT_API_SCOPE,
  DEFAULT_AUDIT_ARCHIVE_RETENTION_DAYS,
  resolveCallbackUrls,
  parseApprovalThresholds,
} from './config';
import { defineStacks } from './stacks';

const app = new App();

const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
};
const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? [];

function authSettings(stage: string): AuthSettings {
  const issuer = context('jwtIssuer');
  if (!issuer) {
    const domainPrefix = context('authDomainPrefix');
    return {
      kind: 'cognito',
      callbackUrls: resolveCallbackUrls(stage, list(context('authCallbackUrls'))),
      ...(domainPrefix ? { domainPrefix } : {}),
    };
  }
  const audience = list(context('jwtAudience'));
  if (audience.length === 0) throw new Error('context jwtAudience is required with jwtIssuer');
  return { kind: 'issuer', issuer, audience, scope: context('jwtScope') ?? DEFAULT_API_SCOPE };
}

const retentionDays = Number(context('auditRetentionDays') ?? DEFAULT_AUDIT_ARCHIVE_RETENTION_DAYS);
if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new Error('context auditRetentionDays must be a positive integer');

// Empty strings count as unset: a half-specified environment is not a valid CDK env.
const billingMaxConcurrency = context('billingMaxConcurrency');
if (billingMaxConcurrency !== undefined && !/^[1-9]\d*$/.test(billingMaxConcurrency)) throw new Error('context billingMaxConcurrency must be a positive integer');

const account = process.env.CDK_DEFAULT_ACCOUNT || undefined;
const region = process.env.CDK_DEFAULT_REGION || undefined;

const stage = assertStageName(context('stage') ?? 'dev');
const settings: AppSettings = {
  stage,
  ...(account || region ? { env: { account, region } } : {}),
  auth: authSettings(stage),
  approvalThresholds: parseApprovalThresholds(app.node.tryGetContext('approvalThresholds')),
  lambdaCode: context('bundle') === 'false' ? 'placeholder' : 'bundle',
  auditArchiveRetention: Duration.days(retentionDays),
  ...(billingMaxConcurrency !== undefined ? { billingMaxConcurrency: Number(billingMaxConcurrency) } : {}),
};

defineStacks(app, settings);

// cdk-nag 3 is a CDK policy-validation plugin (its README and NagPack typings): synthesis
// fails on any AwsSolutions finding that is not acknowledged with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
