/**
 * The web console's hosting in the synthesized template: private bucket behind CloudFront with
 * origin access control, security headers, the API under /v1/* on the same distribution, and
 * the sign-in settings the console reads from config.json.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { contentSecurityPolicy } from '../../infra/constructs/web-console';
import { resourcesOf, synthesize, type Synthesized } from './support';

let synth: Synthesized;
let template: Template;
beforeAll(() => {
  synth = synthesize({ auth: { kind: 'cognito', callbackUrls: ['https://console.example.com/auth/callback'], domainPrefix: 'ctv-billing-test' } });
  template = Template.fromStack(synth.deployment.console);
});

describe('web console hosting', () => {
  test('the site bucket is private, encrypted and TLS-only; CloudFront reads it through origin access control', () => {
    const site = Object.entries(resourcesOf(template, 'AWS::S3::Bucket')).find(([id]) => id.includes('Site'));
    expect(site?.[1].Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' } });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 's3:GetObject', Principal: { Service: 'cloudfront.amazonaws.com' }, Condition: Match.anyValue() })]) },
    });
  });

  test('serves the app over HTTPS with security headers and routes /v1/* to the HTTP API uncached', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https', FunctionAssociations: [Match.objectLike({ EventType: 'viewer-request' })] }),
        CacheBehaviors: [
          Match.objectLike({
            PathPattern: '/v1/*',
            ViewerProtocolPolicy: 'https-only',
            AllowedMethods: Match.arrayWith(['PUT', 'POST']),
            CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
            OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
          }),
        ],
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.anyValue(), Override: true },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31536000 }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
        }),
      },
    });
    // Client-side routes get index.html from the function, never through error responses
    // (those would turn the API's 403/404 JSON into the app's HTML).
    const [, distribution] = Object.entries(resourcesOf(template, 'AWS::CloudFront::Distribution'))[0]!;
    expect(distribution.Properties?.DistributionConfig.CustomErrorResponses).toBeUndefined();
  });

  test("writes config.json for Cognito's hosted UI (code + PKCE) with the API scope, and the CSP allows its token endpoint", () => {
    template.resourceCountIs('Custom::CDKBucketDeployment', 1);
    const stack = synth.deployment.console;
    const config = JSON.stringify(stack.resolve(stack.webConsole.config));
    expect(config).toContain('"mode":"cognito"');
    expect(config).toContain('ctv-billing-test.auth.');
    expect(config).toContain('ctv-billing/api');
    expect(config).toContain('CtvBilling-test-JwtAudience');
    expect(JSON.stringify(resourcesOf(template, 'AWS::CloudFront::ResponseHeadersPolicy'))).toContain("connect-src 'self' https://ctv-billing-test.auth.");
    expect(contentSecurityPolicy({ mode: 'cognito', domain: 'x.auth.eu-west-1.amazoncognito.com', clientId: 'c', scopes: [] })).toContain('connect-src \'self\' https://x.auth.eu-west-1.amazoncognito.com');
  });

  test('without a Cognito domain the console signs in with a pasted token', () => {
    const plain = synthesize();
    expect(plain.deployment.console.webConsole.config).toEqual({ auth: { mode: 'token' } });
  });
});
