/**
 * Cognito pre-token-generation trigger (event version 2, so access tokens are customized too:
 * API Gateway's JWT authorizer is given access tokens). Runs on every sign-in and refresh, so
 * a change of groups or advertiser takes effect at the next token.
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { tokenClaims } from './claims';

export const handler = async (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> => {
  const claims = { ...tokenClaims(event.request.groupConfiguration?.groupsToOverride, event.request.userAttributes ?? {}) };
  event.response = {
    claimsAndScopeOverrideDetails: {
      idTokenGeneration: { claimsToAddOrOverride: claims },
      accessTokenGeneration: { claimsToAddOrOverride: claims },
    },
  };
  return event;
};
