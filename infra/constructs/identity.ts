/**
 * The user directory that issues the API's JWTs when no external issuer is configured:
 * a Cognito user pool with a resource server whose one scope every authorized route requires.
 *
 * A user pool holds people's accounts, so it lives with the stateful resources (fixed logical
 * id, retained on delete). Roles are Cognito groups (one per API role) and an advertiser's
 * account carries its advertiser in `custom:advertiserId`, an attribute only administrators
 * can write (the app client may not). The pre-token-generation trigger
 * (functions/token-claims) turns both into the `roles` and `advertiserId` claims of the ID and
 * access tokens; the handlers read them from the verified claims.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ADVERTISER_ATTRIBUTE_NAME } from '../../functions/token-claims/claims';
import { ALL_ROLES } from '../../shared/schemas/api/operation';

export interface JwtIssuerSettings {
  issuer: string;
  audience: string[];
  /** OAuth scope required on every authorized route, `<resource server>/<scope>`. */
  scope: string;
}

export interface UserDirectoryProps {
  stage: string;
  callbackUrls: string[];
  /** Cognito domain prefix for the hosted sign-in pages (globally unique per region); none without it. */
  domainPrefix?: string;
  /** The pre-token-generation trigger (functions/token-claims/handler.ts). */
  tokenClaims: lambda.IFunction;
}

const RESOURCE_SERVER_ID = 'ctv-billing';
const API_SCOPE = 'api';

export class UserDirectory extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly jwt: JwtIssuerSettings;

  constructor(scope: Construct, id: string, props: UserDirectoryProps) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `ctv-billing-${props.stage}`,
      // Staff and advertisers are invited by operations; nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      customAttributes: { [ADVERTISER_ATTRIBUTE_NAME]: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }) },
      // Access-token customization (trigger event version 2) needs the Essentials plan or above.
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (this.userPool.node.defaultChild as cognito.CfnUserPool).overrideLogicalId('UserPool');
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Threat protection needs the Plus feature plan. Accounts are invite-only with TOTP MFA ' +
        'required and a 12-character password policy; the Plus plan is a cost decision per stage.',
    });

    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, props.tokenClaims, cognito.LambdaVersion.V2_0);
    for (const role of ALL_ROLES) {
      new cognito.CfnUserPoolGroup(this, `Role-${role}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description: `Members get the API role "${role}" in their tokens`,
      });
    }

    const apiScope = new cognito.ResourceServerScope({
      scopeName: API_SCOPE,
      scopeDescription: 'Call the contracts and billing API (roles are checked per route by the service)',
    });
    const server = this.userPool.addResourceServer('ResourceServer', {
      identifier: RESOURCE_SERVER_ID,
      scopes: [apiScope],
    });

    this.client = this.userPool.addClient('WebClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.resourceServer(server, apiScope)],
        callbackUrls: props.callbackUrls,
      },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
      preventUserExistenceErrors: true,
      // Users may edit their own profile but never the attribute that decides their advertiser.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true, fullname: true }),
      readAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true, emailVerified: true, fullname: true }).withCustomAttributes(ADVERTISER_ATTRIBUTE_NAME),
    });

    if (props.domainPrefix) {
      this.userPool.addDomain('SignInDomain', {
        cognitoDomain: { domainPrefix: props.domainPrefix },
        managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
      });
    }

    const { region } = Stack.of(this);
    this.jwt = {
      issuer: `https://cognito-idp.${region}.amazonaws.com/${this.userPool.userPoolId}`,
      // Cognito access tokens carry the app client id in `client_id`, which API Gateway
      // checks against the audience list.
      audience: [this.client.userPoolClientId],
      scope: `${RESOURCE_SERVER_ID}/${API_SCOPE}`,
    };
  }
}
