/**
 * The stores and settings of the contract lifecycle Lambdas (contracts, approvals, directory,
 * lifecycle), built once per container on first use from the validated runtime configuration.
 */
import { randomUUID } from 'node:crypto';
import { ContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { CreditRepository } from '../../shared/adapters/dynamodb/credit-repository';
import { DirectoryRepository } from '../../shared/adapters/dynamodb/directory-repository';
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { DynamoUsageRepository } from '../../shared/adapters/dynamodb/usage-repository';
import { InvoiceRepository } from '../../shared/adapters/dynamodb/invoice-repository';
import type { ImpactPorts } from '../../shared/domain/contracts/impact';
import { parseThresholds, type ApprovalThresholds } from '../../shared/domain/contracts/approval-policy';
import { dynamo } from '../runtime/clients';
import { config } from '../runtime/config';

let built: { contracts: ContractRepository; credits: CreditRepository; directory: DirectoryRepository; audit: DynamoAuditRepository; thresholds: ApprovalThresholds } | undefined;

export function lifecycleDeps() {
  if (!built) {
    const { TABLE_NAME, APPROVAL_THRESHOLDS } = config();
    built = {
      contracts: new ContractRepository(dynamo(), TABLE_NAME),
      credits: new CreditRepository(dynamo(), TABLE_NAME),
      directory: new DirectoryRepository(dynamo(), TABLE_NAME),
      audit: new DynamoAuditRepository(dynamo(), TABLE_NAME),
      thresholds: parseThresholds(APPROVAL_THRESHOLDS),
    };
  }
  return built;
}

let rating: ImpactPorts | undefined;

/** What re-rating a contract reads (impact preview, spend to date): stored usage and what runs invoiced. */
export function ratingDeps(): ImpactPorts {
  if (!rating) {
    const { TABLE_NAME } = config();
    rating = { usage: new DynamoUsageRepository(dynamo(), TABLE_NAME), invoices: new InvoiceRepository(dynamo(), TABLE_NAME) };
  }
  return rating;
}

/** Ids are random and prefixed by kind, so a contract id is never mistaken for an advertiser's. */
export const newId = (prefix: 'ctr' | 'adv' | 'ptn' | 'crd') => () => `${prefix}_${randomUUID()}`;
