/**
 * Partner ids named in contract terms or usage must be partners of the directory: a share or a
 * usage record for an unknown partner would pay nobody (or the wrong party) once billed. The
 * check runs before anything is stored and names every unknown partner with its field path.
 */
import { ValidationError, type ErrorDetail } from '../kernel/errors';
import type { PartnerLookup } from '../contracts/store';
import type { Charge } from '../terms/types';

/** A 1,000-record batch naming one unknown partner throughout needs no 1,000 details. */
const MAX_DETAILS = 50;

export interface PartnerReference {
  partnerId: string;
  /** Where the request names it, e.g. `terms.partners.0.partnerId`. */
  path: string;
}

export async function assertKnownPartners(lookup: PartnerLookup, references: readonly PartnerReference[]): Promise<void> {
  if (references.length === 0) return;
  const known = await lookup.existingPartnerIds([...new Set(references.map((r) => r.partnerId))]);
  const details: ErrorDetail[] = references
    .filter((r) => !known.has(r.partnerId))
    .map((r) => ({ path: r.path, message: unknownPartnerError(r.partnerId).message }))
    .slice(0, MAX_DETAILS);
  if (details.length === 0) return;
  const unknown = [...new Set(references.filter((r) => !known.has(r.partnerId)).map((r) => r.partnerId))];
  throw new ValidationError(`unknown partner${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, details, 'unknown_partner');
}

/** The partner ids a version's terms name: its shares and its CPA charges' partner overrides. */
export const termsPartnerReferences = (
  terms: { partners: readonly { partnerId: string }[]; charges?: readonly Charge[] },
  prefix = 'terms',
): PartnerReference[] => [
  ...terms.partners.map((share, i) => ({ partnerId: share.partnerId, path: `${prefix}.partners.${i}.partnerId` })),
  ...(terms.charges ?? []).flatMap((charge, c) =>
    charge.kind === 'CPA'
      ? (charge.partnerOverrides ?? []).flatMap((override, o) =>
          override.partnerIds.map((partnerId, p) => ({ partnerId, path: `${prefix}.charges.${c}.partnerOverrides.${o}.partnerIds.${p}` })),
        )
      : [],
  ),
];

/**
 * The partner ids usage records name. Records arrive unchecked (each is judged on its own
 * later), so only a non-empty string partnerId counts; a record without one names no partner.
 */
export function usagePartnerReferences(records: readonly unknown[], prefix = 'records'): PartnerReference[] {
  return records.flatMap((record, i) => {
    const partnerId = rawPartnerIdOf(record);
    return partnerId !== null ? [{ partnerId, path: `${prefix}.${i}.partnerId` }] : [];
  });
}

/** The partner id a raw record names (a non-empty string), else null: the same rule as usagePartnerReferences. */
export function rawPartnerIdOf(record: unknown): string | null {
  const partnerId = typeof record === 'object' && record !== null ? (record as { partnerId?: unknown }).partnerId : undefined;
  return typeof partnerId === 'string' && partnerId.length > 0 ? partnerId : null;
}

/** What a bulk file's row report says of a row naming a partner the directory does not have. */
export const unknownPartnerError = (partnerId: string) => ({ path: 'partnerId', message: `no partner "${partnerId}" in the directory` });

/**
 * The directory's answer per partner id, remembered: a bulk file names the same few partners on
 * millions of rows, so each distinct id is asked about once (one BatchGet for the ids new to a
 * batch), never once per row. Scoped to one file, so a partner added meanwhile counts for the next.
 */
export function rememberingPartnerLookup(lookup: PartnerLookup) {
  const known = new Map<string, boolean>();
  return {
    /** The ids among `ids` that are not in the directory. */
    async unknownAmong(ids: Iterable<string>): Promise<Set<string>> {
      const distinct = [...new Set(ids)];
      const unasked = distinct.filter((id) => !known.has(id));
      if (unasked.length > 0) {
        const found = await lookup.existingPartnerIds(unasked);
        for (const id of unasked) known.set(id, found.has(id));
      }
      return new Set(distinct.filter((id) => known.get(id) === false));
    },
  };
}
