/**
 * What billing sees of a contract: its approved versions (and approved credits) as the engine's ContractTerms
 * (FORMAT.md). Versions are in ascending effectiveFrom; superseded, rejected and open versions
 * are left out, and so are termination versions (they only move endDate, their terms are the
 * ones already in force). `versionNumbers[i]` is the contract version number behind
 * `versions[i]`, for explaining invoice lines.
 */
import { localDay } from '../kernel/calendar';
import type { ContractTerms, Version } from '../terms/types';
import type { Contract, ContractVersion } from './model';
import type { Credit } from '../credits/model';
import { creditsForRating } from '../credits/rated-credits';
import { VersionKind, VersionStatus } from './status';

export function termsVersions(versions: readonly ContractVersion[]): ContractVersion[] {
  return versions
    .filter((v) => v.status === VersionStatus.APPROVED && v.kind !== VersionKind.TERMINATION)
    .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : a.effectiveFrom > b.effectiveFrom ? 1 : a.number - b.number));
}

export function toContractTerms(
  contract: Contract,
  approvedVersions: readonly ContractVersion[],
  credits: readonly Credit[] = [],
): ContractTerms & { versionNumbers: number[] } {
  const versions = termsVersions(approvedVersions);
  const rated = creditsForRating(credits);
  return {
    currency: contract.currency,
    timezone: contract.timezone,
    startDate: contract.startDate,
    endDate: contract.endDate,
    rounding: contract.rounding,
    versions: versions.map((v): Version => ({ ...structuredClone(v.terms), effectiveFrom: v.effectiveFrom, recordedAt: v.recordedAt })),
    versionNumbers: versions.map((v) => v.number),
    // Approved credits only, each seen from its approval instant (FORMAT.md v2 §6).
    ...(rated.length > 0 ? { credits: rated } : {}),
  };
}

/** The approved version whose terms apply on `day`, or null (before the start, or none approved). */
export function versionInEffect(contract: Contract, versions: readonly ContractVersion[], day: string): ContractVersion | null {
  if (day < contract.startDate || day > contract.endDate) return null;
  let current: ContractVersion | null = null;
  for (const v of termsVersions(versions)) if (v.effectiveFrom <= day) current = v;
  return current;
}

/** "Today" for a contract is a day in its own time zone. */
export const contractToday = (contract: Pick<Contract, 'timezone'>, now: Date): string => localDay(now, contract.timezone);
