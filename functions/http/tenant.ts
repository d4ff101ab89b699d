/**
 * Tenant isolation: a token holding the `advertiser` role sees only its own advertiser's data.
 * Another advertiser's resource answers 404, exactly as if it did not exist, so its existence
 * is not disclosed. The advertiser role restricts even when the token holds other roles.
 */
import { NotFoundError } from '../../shared/domain/kernel/errors';
import type { Identity } from './identity';

/** The advertiser the caller is confined to, or null for internal users. */
export const tenantOf = (identity: Identity): string | null => identity.advertiserId;

export function canSee(identity: Identity, advertiserId: string): boolean {
  const tenant = tenantOf(identity);
  return tenant === null || tenant === advertiserId;
}

/** Throws the same 404 as a missing resource when the caller may not see it. */
export function assertTenant(identity: Identity, advertiserId: string, entity: string, id: string): void {
  if (!canSee(identity, advertiserId)) throw new NotFoundError(entity, id);
}
