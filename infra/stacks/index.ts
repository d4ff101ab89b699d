/**
 * The whole deployment of one stage: the stateful stack and the service stack on top of it.
 * Takes typed settings only; infra/app.ts reads them from the context and the environment.
 */
import { type App, Fn } from 'aws-cdk-lib';
import type { AppSettings } from '../config';
import { ConsoleStack } from './console-stack';
import { ServiceStack } from './service-stack';
import { StatefulStack } from './stateful-stack';
import { importJwt, statefulExportNames } from './stateful-refs';
import type { JwtIssuerSettings } from '../constructs/identity';

export interface Deployment {
  stateful: StatefulStack;
  service: ServiceStack;
  console: ConsoleStack;
}

export function defineStacks(app: App, settings: AppSettings): Deployment {
  const prefix = `CtvBilling-${settings.stage}`;
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    env: settings.env,
    description: `Contracts and billing (${settings.stage}): table, buckets, users`,
    terminationProtection: settings.stage === 'prod',
    stage: settings.stage,
    auth: settings.auth,
    auditArchiveRetention: settings.auditArchiveRetention,
    lambdaCode: settings.lambdaCode,
  });

  const names = statefulExportNames(settings.stage);
  let jwt: JwtIssuerSettings;
  if (settings.auth.kind === 'issuer') {
    jwt = { issuer: settings.auth.issuer, audience: settings.auth.audience, scope: settings.auth.scope };
  } else {
    if (!stateful.jwt) throw new Error('the stateful stack created no user pool');
    jwt = importJwt(names, stateful.jwt.scope);
  }

  const service = new ServiceStack(app, `${prefix}-Service`, {
    env: settings.env,
    description: `Contracts and billing (${settings.stage}): API, functions, audit consumer, schedules`,
    stage: settings.stage,
    stateful: names,
    jwt,
    approvalThresholds: settings.approvalThresholds,
    lambdaCode: settings.lambdaCode,
    ...(settings.billingMaxConcurrency !== undefined ? { billingMaxConcurrency: settings.billingMaxConcurrency } : {}),
  });
  service.addStackDependency(stateful);

  // The console signs in through Cognito's hosted UI when the user pool has a domain.
  const hosted = settings.auth.kind === 'cognito' && settings.auth.domainPrefix;
  const console = new ConsoleStack(app, `${prefix}-Console`, {
    env: settings.env,
    description: `Contracts and billing (${settings.stage}): web console on CloudFront`,
    httpApi: service.api.httpApi,
    signIn: hosted
      ? { mode: 'cognito', domain: `${hosted}.auth.${service.region}.amazoncognito.com`, clientId: Fn.select(0, jwt.audience), scopes: ['openid', 'email', jwt.scope] }
      : { mode: 'token' },
    assets: settings.lambdaCode === 'bundle' ? 'build' : 'placeholder',
  });
  console.addStackDependency(service);
  return { stateful, service, console };
}
