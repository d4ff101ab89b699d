/**
 * Stored shapes the benchmarks write directly, as approval leaves them (setup, never timed):
 * the routes under test read them, so no lifecycle through the API is needed first.
 */
import type { ContractVersion } from '../../shared/domain/contracts/model';
import { VersionTermsSchema } from '../../shared/schemas/terms';

/** Version 1 of a contract, INITIAL and APPROVED, with the given terms (charges as the API takes them). */
export function approvedInitialVersion(contractId: string, effectiveFrom: string, charges: unknown[], at: string): ContractVersion {
  return {
    contractId,
    number: 1,
    kind: 'INITIAL',
    status: 'APPROVED',
    effectiveFrom,
    terms: VersionTermsSchema.parse({ charges }),
    backdated: false,
    recordedAt: at,
    renewal: null,
    termination: null,
    authors: ['bench'],
    requirement: { approvals: 1, financeRequired: false, committedValue: '0', threshold: '100000.00' },
    rejection: null,
    supersededBy: null,
    createdBy: 'bench',
    createdAt: at,
    submittedAt: at,
    updatedAt: at,
    actor: 'bench',
    version: 1,
  };
}
