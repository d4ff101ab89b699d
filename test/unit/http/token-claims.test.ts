/**
 * The Cognito pre-token-generation trigger, given events in the shape Cognito sends (event
 * version 2), and what the API then makes of the claims it adds.
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { identityOf } from '../../../functions/http/identity';
import { HttpError } from '../../../functions/http/errors';
import { ADVERTISER_ATTRIBUTE, tokenClaims } from '../../../functions/token-claims/claims';
import { handler } from '../../../functions/token-claims/handler';
import { ALL_ROLES } from '../../../shared/schemas/api/operation';

/** A sign-in event as Cognito sends it to a version-2 trigger. */
function cognitoEvent(groups: string[], attributes: Record<string, string> = {}, triggerSource = 'TokenGeneration_Authentication'): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource,
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_AbCdEf123',
    userName: 'jane',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '1example23456789' },
    request: {
      userAttributes: { sub: 'a36036a8-9f3c-4d6a-8f1e-0c6b1d2e3f40', 'cognito:user_status': 'CONFIRMED', email_verified: 'true', email: 'jane@example.com', ...attributes },
      groupConfiguration: { groupsToOverride: groups, iamRolesToOverride: [], preferredRole: undefined },
      scopes: ['openid', 'email', 'ctv-billing/api'],
    },
    response: { claimsAndScopeOverrideDetails: null as never },
  } as PreTokenGenerationV2TriggerEvent;
}

/** The claims API Gateway's JWT authorizer hands the handlers after verifying the access token. */
function verifiedClaims(event: PreTokenGenerationV2TriggerEvent) {
  const added = event.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride ?? {};
  return { requestContext: { authorizer: { jwt: { claims: { sub: event.request.userAttributes.sub, client_id: '1example23456789', ...added }, scopes: [] } } } } as never;
}

describe('pre-token-generation trigger', () => {
  it('puts the role groups in the ID and the access token, in a fixed order, ignoring other groups', async () => {
    const event = await handler(cognitoEvent(['finance', 'eu-west-1_AbCdEf123_Google', 'approver']));
    const details = event.response.claimsAndScopeOverrideDetails;
    expect(details.accessTokenGeneration?.claimsToAddOrOverride).toEqual({ roles: 'approver finance' });
    expect(details.idTokenGeneration?.claimsToAddOrOverride).toEqual({ roles: 'approver finance' });
    expect(identityOf(verifiedClaims(event))).toEqual({ sub: 'a36036a8-9f3c-4d6a-8f1e-0c6b1d2e3f40', roles: ['approver', 'finance'], advertiserId: null });
  });

  it('gives an advertiser user its advertiser from the admin-only attribute, and the API confines the token to it', async () => {
    const event = await handler(cognitoEvent(['advertiser'], { [ADVERTISER_ATTRIBUTE]: 'adv_42' }, 'TokenGeneration_RefreshTokens'));
    expect(event.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride).toEqual({ roles: 'advertiser', advertiserId: 'adv_42' });
    expect(identityOf(verifiedClaims(event))).toMatchObject({ roles: ['advertiser'], advertiserId: 'adv_42' });
  });

  it('a staff account that somehow carries an advertiser id is confined to that advertiser, not widened', async () => {
    const event = await handler(cognitoEvent(['ops', 'admin'], { [ADVERTISER_ATTRIBUTE]: 'adv_7' }));
    expect(identityOf(verifiedClaims(event))).toMatchObject({ roles: ['ops', 'admin'], advertiserId: 'adv_7' });
  });

  it('a user in no role group signs in with no roles (every route then answers 403)', async () => {
    const event = await handler(cognitoEvent([]));
    expect(event.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride).toEqual({ roles: '' });
    expect(identityOf(verifiedClaims(event)).roles).toEqual([]);
  });

  it('an advertiser-group user without the attribute gets a token the API refuses with a clear 401', async () => {
    const event = await handler(cognitoEvent(['advertiser'], { [ADVERTISER_ATTRIBUTE]: '  ' }));
    expect(event.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride).toEqual({ roles: 'advertiser' });
    const refused = (() => {
      try {
        identityOf(verifiedClaims(event));
        return null;
      } catch (error) {
        return error as HttpError;
      }
    })();
    expect(refused?.status).toBe(401);
    expect(refused?.message).toMatch(/advertiserId/);
  });

  it('for any groups, the roles claim lists exactly the known roles among them', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...ALL_ROLES), fc.string({ maxLength: 12 }))), (groups) => {
        const roles = tokenClaims(groups, {}).roles.split(' ').filter(Boolean);
        expect(new Set(roles)).toEqual(new Set(ALL_ROLES.filter((r) => groups.includes(r))));
        expect(roles.length).toBe(new Set(roles).size);
      }),
    );
  });
});
