/**
 * Synthesizes the app in-process from typed settings, the way infra/app.ts does from the
 * context, with the same cdk-nag plugin attached.
 */
import { App, Duration, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppSettings } from '../../infra/config';
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

export function synthesize(overrides: Partial<AppSettings> = {}): Synthesized {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'cdk-test-')) });
  const deployment = defineStacks(app, { ...TEST_SETTINGS, ...overrides });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    app,
    deployment,
    stateful: Template.fromStack(deployment.stateful),
    service: Template.fromStack(deployment.service),
  };
}
