/**
 * Changing a directory entry (advertiser or partner): guard clauses, then the next record with
 * its lock counter moved on. The store writes it only if the counter it replaces is still the
 * one read, so a stale If-Match is a 412 whether it was stale on arrival or became stale since.
 */
import { PreconditionFailedError, ValidationError } from '../kernel/errors';
import { isKnownCurrency } from '../kernel/currencies';
import { isTimeZone } from '../kernel/calendar';
import type { Advertiser, BillingProfile, Partner } from '../contracts/store';

export interface AdvertiserChanges {
  name: string;
  currency: string;
  timezone: string;
  billingProfile: BillingProfile | null;
}

function assertLock(current: { version: number }, expected: number | undefined): void {
  if (expected !== undefined && expected !== current.version) throw new PreconditionFailedError();
}

/** The advertiser fields the domain checks beyond their shape (currency table, zone database). */
export function advertiserFieldProblems(fields: { currency: string; timezone: string }) {
  return [
    ...(isKnownCurrency(fields.currency) ? [] : [{ path: 'currency', message: `unknown ISO 4217 currency "${fields.currency}"` }]),
    ...(isTimeZone(fields.timezone) ? [] : [{ path: 'timezone', message: `unknown IANA time zone "${fields.timezone}"` }]),
  ];
}

export function reviseAdvertiser(current: Advertiser, changes: AdvertiserChanges, expected: number | undefined, actor: string, now: Date): Advertiser {
  assertLock(current, expected);
  const details = advertiserFieldProblems(changes);
  // Contracts are priced in the advertiser's currency and checked against it when created.
  if (changes.currency !== current.currency) details.push({ path: 'currency', message: `the advertiser is billed in ${current.currency}; the billing currency cannot change` });
  if (details.length > 0) throw new ValidationError('the advertiser is not valid', details);
  return {
    ...current,
    name: changes.name,
    timezone: changes.timezone,
    billingProfile: changes.billingProfile,
    updatedAt: now.toISOString(),
    actor,
    version: current.version + 1,
  };
}

export function revisePartner(current: Partner, changes: { name: string }, expected: number | undefined, actor: string, now: Date): Partner {
  assertLock(current, expected);
  return { ...current, name: changes.name, updatedAt: now.toISOString(), actor, version: current.version + 1 };
}
