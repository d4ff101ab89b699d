/**
 * What a Cognito user's tokens say about them, derived from the user pool's own records: the
 * user's groups become the `roles` claim and the admin-only `custom:advertiserId` attribute
 * becomes `advertiserId`. The API reads only these two claims (functions/http/identity.ts),
 * so this mapping is the whole of a deployed user's authorization.
 */
import { ALL_ROLES } from '../../shared/schemas/api/operation';

/** The custom user attribute that ties an advertiser's account to its advertiser (set by admins only). */
export const ADVERTISER_ATTRIBUTE_NAME = 'advertiserId';
export const ADVERTISER_ATTRIBUTE = `custom:${ADVERTISER_ATTRIBUTE_NAME}`;

export interface TokenClaims {
  /** Known roles, space-separated in a fixed order (a string claim; identity.ts splits it). */
  roles: string;
  advertiserId?: string;
}

/**
 * Groups that are not roles (e.g. Cognito's own `<pool>_Google` federation groups) are ignored;
 * a blank advertiser attribute is no advertiser. A user with an advertiser id is confined to
 * that advertiser by the API whatever their groups, so an id set on a staff account by mistake
 * narrows its access rather than widening it.
 */
export function tokenClaims(groups: readonly string[] | undefined, attributes: Readonly<Record<string, string | undefined>>): TokenClaims {
  const member = new Set(groups ?? []);
  const roles = ALL_ROLES.filter((role) => member.has(role)).join(' ');
  const advertiserId = attributes[ADVERTISER_ATTRIBUTE]?.trim();
  return advertiserId ? { roles, advertiserId } : { roles };
}
