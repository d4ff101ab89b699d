/**
 * The web console in AWS: the built single-page app (web/dist) in a private S3 bucket read only
 * by CloudFront through origin access control, security headers on every response, and the
 * HTTP API under `/v1/*` on the same distribution (same origin: no CORS, the console's API
 * calls are relative). Client-side routes (`/contracts/...`) are rewritten to /index.html by a
 * CloudFront function on the default behavior only, so API errors keep their status and body.
 *
 * `config.json`, written next to the app, tells the console how to sign in: Cognito's hosted
 * UI (authorization code + PKCE, the redirect back to `<origin>/auth/callback`) when the user
 * pool has a domain, otherwise a pasted token.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { PROJECT_ROOT } from './lambda';

export const WEB_DIST_DIR = join(PROJECT_ROOT, 'web', 'dist');

/** What the sign-in page reads from /config.json (web/src/lib/auth-config.ts). */
export type ConsoleSignIn =
  | { mode: 'cognito'; domain: string; clientId: string; scopes: string[] }
  | { mode: 'token' };

export interface WebConsoleProps {
  httpApi: apigwv2.IHttpApi;
  signIn: ConsoleSignIn;
  /** `build`: deploy web/dist (built now when missing); `placeholder`: a stub page (template tests). */
  assets: 'build' | 'placeholder';
}

/** Content-Security-Policy of the console: its own scripts only; API and token calls as listed. */
export function contentSecurityPolicy(signIn: ConsoleSignIn): string {
  const connect = signIn.mode === 'cognito' ? `'self' https://${signIn.domain}` : "'self'";
  return `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src ${connect}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'`;
}

/** Paths without a file extension are the console's own routes: serve the app for them. */
const SPA_REWRITE = `function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}`;

function consoleAssets(mode: WebConsoleProps['assets']): s3deploy.ISource {
  if (mode === 'placeholder') return s3deploy.Source.data('index.html', '<!doctype html><title>CTV billing console</title><p>Placeholder build.</p>');
  if (!existsSync(join(WEB_DIST_DIR, 'index.html'))) {
    // Like the Lambda bundles, the console is built at synthesis when it is not built yet.
    execFileSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(PROJECT_ROOT, 'web', 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit' });
  }
  // The build manifest (.vite/) serves the bundle-size test, not browsers.
  return s3deploy.Source.asset(WEB_DIST_DIR, { exclude: ['.vite', '.vite/**'] });
}

export class WebConsole extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** The body of config.json (may hold tokens such as the imported app client id). */
  readonly config: { auth: ConsoleSignIn };

  constructor(scope: Construct, id: string, props: WebConsoleProps) {
    super(scope, id);
    this.config = { auth: props.signIn };

    this.logBucket = new s3.Bucket(this, 'Logs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logging writes with ACLs.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });

    this.bucket = new s3.Bucket(this, 'Site', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3/',
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Security headers of the web console',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy(props.signIn), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.SAME_ORIGIN, override: true },
      },
    });

    // The HTTP API's default endpoint, `https://{apiId}.execute-api.{region}.amazonaws.com`.
    const apiDomain = Fn.select(2, Fn.split('/', props.httpApi.apiEndpoint));
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `CTV billing console (${Stack.of(this).stackName})`,
      defaultRootObject: 'index.html',
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [
          {
            eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
            function: new cloudfront.Function(this, 'SpaRoutes', { code: cloudfront.FunctionCode.fromInline(SPA_REWRITE), runtime: cloudfront.FunctionRuntime.JS_2_0 }),
          },
        ],
      },
      additionalBehaviors: {
        '/v1/*': {
          origin: new origins.HttpOrigin(apiDomain, { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY, originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2] }),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          // Authorization, If-Match, Idempotency-Key and the query string reach the API; Host does not (API Gateway routes on its own).
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
    });
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'Advertisers and staff sign in from anywhere; access is decided by Cognito and the API, not by country.' },
      { id: 'AwsSolutions-CFR2', reason: 'WAF is a per-stage cost decision; every API route but health and OpenAPI needs a verified JWT, and the console is static files.' },
      { id: 'AwsSolutions-CFR4', reason: 'The default *.cloudfront.net certificate cannot pin a minimum TLS version; a stage with a custom domain and certificate should set minimumProtocolVersion TLSv1.2_2021.' },
    );

    new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [consoleAssets(props.assets), s3deploy.Source.jsonData('config.json', this.config)],
      // Hashed assets never change; index.html and config.json are revalidated on every load.
      cacheControl: [s3deploy.CacheControl.fromString('no-cache')],
      memoryLimit: 512,
    });
    // The copying Lambda is a stack-level singleton that aws-cdk-lib creates for BucketDeployment.
    const stack = Stack.of(this);
    const bucketArn = stack.resolve(this.bucket.bucketArn) as { 'Fn::GetAtt': [string, string] };
    // cdk-nag names the assets bucket with the stack's account and region when they are known.
    const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    const assetsBucket = `arn:${shown(stack.partition, 'Partition')}:s3:::cdk-hnb659fds-assets-${shown(stack.account, 'AccountId')}-${shown(stack.region, 'Region')}/*`;
    for (const handler of stack.node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))) {
      Validations.of(handler).acknowledge(
        { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'The BucketDeployment handler writes its own logs only.' },
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: 'The BucketDeployment handler reads the CDK asset and replaces the console bucket\'s objects (grantRead / grantReadWrite action groups).',
        })),
        { id: `AwsSolutions-IAM5[Resource::${assetsBucket}]`, reason: 'Objects of the CDK assets bucket: the console build zip it copies.' },
        { id: `AwsSolutions-IAM5[Resource::<${bucketArn['Fn::GetAtt'][0]}.Arn>/*]`, reason: 'Objects of the console bucket, which the deployment replaces.' },
        { id: 'AwsSolutions-L1', reason: 'The BucketDeployment handler runtime is chosen by aws-cdk-lib and moves with its upgrades.' },
      );
    }
  }
}
