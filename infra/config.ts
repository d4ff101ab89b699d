/**
 * Typed settings of the CDK app. Nothing here reads the environment or the CDK context:
 * infra/app.ts does that once and hands these settings down as props, so every stack and
 * construct can be built in a test from plain values.
 */
import { Duration } from 'aws-cdk-lib';

/** How the API's JWTs are issued. */
export type AuthSettings =
  /** A Cognito user pool is created with the stateful resources and its issuer is used. */
  | { kind: 'cognito'; callbackUrls: string[]; domainPrefix?: string }
  /** An existing OIDC issuer (Cognito elsewhere, or any IdP); `audience` is checked by API Gateway. */
  | { kind: 'issuer'; issuer: string; audience: string[]; scope: string };

/**
 * How Lambda code is produced. `bundle` runs esbuild on functions/<group>/handler.ts;
 * `placeholder` uses an inline stub so the template can be synthesized before (or without)
 * the handlers, e.g. in infra tests that only look at the template.
 */
export type LambdaCodeMode = 'bundle' | 'placeholder';

export interface AppSettings {
  /** Deployment stage, part of every stack name; `prod` turns on stack termination protection. */
  stage: string;
  /** Undefined = environment-agnostic stacks (synth works offline with no account). */
  env?: { account?: string; region?: string };
  auth: AuthSettings;
  /** Currency -> committed value (decimal string) at or above which two approvals are needed. */
  approvalThresholds: Record<string, string>;
  lambdaCode: LambdaCodeMode;
  /** Object Lock COMPLIANCE default retention of the audit archive. */
  auditArchiveRetention: Duration;
  /** Contracts a billing run rates at once (the Distributed Map's MaxConcurrency); the construct's default when unset. */
  billingMaxConcurrency?: number;
}

/** API.md: 100,000.00 in USD, EUR or GBP unless configured otherwise. */
export const DEFAULT_APPROVAL_THRESHOLDS: Readonly<Record<string, string>> = {
  USD: '100000.00',
  EUR: '100000.00',
  GBP: '100000.00',
};

/** Seven years: the usual retention for accounting records. */
export const DEFAULT_AUDIT_ARCHIVE_RETENTION_DAYS = 2557;

/** The OAuth scope every authorized route requires when the user pool is created here. */
export const DEFAULT_API_SCOPE = 'ctv-billing/api';

/** Only the dev stage falls back to these: a deployed console must name its own callback URLs. */
export const DEFAULT_CALLBACK_URLS = ['http://localhost:3000/callback'];

/**
 * The OAuth callback URLs of the created user pool's web client. Outside the `dev` stage they
 * must be given explicitly (context `authCallbackUrls`): a localhost default there would leave
 * the hosted sign-in unusable, or redirect codes to whatever listens on a user's port 3000.
 */
export function resolveCallbackUrls(stage: string, given: readonly string[]): string[] {
  if (given.length === 0) {
    if (stage === 'dev') return [...DEFAULT_CALLBACK_URLS];
    throw new Error(
      `stage "${stage}": set the OAuth callback URLs of the web client explicitly, e.g. ` +
        `-c authCallbackUrls=https://console.example.com/callback (comma-separated); the localhost default is only for the dev stage`,
    );
  }
  for (const url of given) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`authCallbackUrls: "${url}" is not a URL`);
    }
    const local = parsed.hostname === 'localhost' || parsed.hostname === '127.0.0.1';
    if (parsed.protocol !== 'https:' && !(local && parsed.protocol === 'http:')) {
      throw new Error(`authCallbackUrls: "${url}" must use https (plain http only for localhost)`);
    }
  }
  return [...given];
}

const CURRENCY = /^[A-Z]{3}$/;
const DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;

/**
 * Validates approval thresholds given as a JSON string or an object (cdk.json context may be
 * either). Amounts stay decimal strings: the Lambdas parse them with big.js.
 */
export function parseApprovalThresholds(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null || raw === '') return { ...DEFAULT_APPROVAL_THRESHOLDS };
  const value: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('approvalThresholds must be an object like {"USD":"100000.00"}');
  }
  const out: Record<string, string> = {};
  for (const [currency, amount] of Object.entries(value)) {
    if (!CURRENCY.test(currency)) throw new Error(`approvalThresholds: "${currency}" is not an ISO 4217 code`);
    if (typeof amount !== 'string' || !DECIMAL.test(amount)) {
      throw new Error(`approvalThresholds.${currency} must be a decimal string, got ${JSON.stringify(amount)}`);
    }
    out[currency] = amount;
  }
  return out;
}

/** Stage names end up in stack names and resource names: keep them short and DNS-safe. */
export function assertStageName(stage: string): string {
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new Error(`stage "${stage}" must be 1-20 lowercase letters, digits or dashes, starting with a letter`);
  }
  return stage;
}
