/**
 * The billing workflow against DynamoDB Local and s3rver: a fresh table and bucket, the Lambda
 * environment pointing at them (set before any handler reads its configuration), the local
 * executor of the synthesized state machine registered as this process's billing workflow,
 * and seeding of contracts and usage through the real repositories.
 */
import { inject } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DynamoUsageRepository } from '../../shared/adapters/dynamodb/usage-repository';
import { InvoicesOnTable } from '../support/invoices';
import { BillingRunRepository } from '../../shared/adapters/dynamodb/billing-run-repository';
import { planImpressions } from '../../shared/domain/usage/ingest-impressions';
import { systemClock } from '../../shared/domain/kernel/clock';
import type { Contract, ContractVersion } from '../../shared/domain/contracts/model';
import type { Impression, VersionTerms } from '../../shared/domain/terms/types';
import { LocalBillingWorkflow, synthesizeBillingWorkflow, type LocalWorkflowHooks } from '../../scripts/lib/local-workflow';
import { useLocalBillingWorkflow } from '../../functions/runtime/workflow';
import { documentClient, freshBucket, freshTable, s3Client } from '../support/aws';
import { dynamoEndpoint } from '../support/endpoints';

export interface WorkflowEnvironment {
  table: string;
  bucket: string;
  workflow: LocalBillingWorkflow;
  /** Mutable: tests set and clear `beforeTask`. */
  hooks: LocalWorkflowHooks;
  contracts: ContractRepository;
  usage: DynamoUsageRepository;
  invoices: InvoicesOnTable;
  runs: BillingRunRepository;
  exportKeys(period: string): Promise<string[]>;
}

export async function workflowEnvironment(): Promise<WorkflowEnvironment> {
  const [table, bucket] = await Promise.all([freshTable(), freshBucket()]);
  Object.assign(process.env, {
    TABLE_NAME: table,
    EXPORTS_BUCKET: bucket,
    DYNAMODB_ENDPOINT: dynamoEndpoint(),
    S3_ENDPOINT: inject('s3Endpoint'),
    AWS_REGION: 'us-east-1',
  });
  await synthesizeBillingWorkflow();
  const hooks: LocalWorkflowHooks = {};
  const s3 = s3Client();
  const workflow = new LocalBillingWorkflow({
    exportsBucket: bucket,
    s3,
    hooks: { beforeTask: (call) => hooks.beforeTask?.(call) },
    retryIntervalMs: 5,
  });
  useLocalBillingWorkflow(workflow);
  const client = documentClient();
  return {
    table,
    bucket,
    workflow,
    hooks,
    contracts: new ContractRepository(client, table),
    usage: new DynamoUsageRepository(client, table),
    invoices: new InvoicesOnTable(client, table, systemClock),
    runs: new BillingRunRepository(client, table, systemClock),
    async exportKeys(period) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `exports/${period}/` }));
      return (listed.Contents ?? []).map((o) => o.Key!).sort();
    },
  };
}

export const flatCpm = (rate: string): VersionTerms => ({
  charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate } }],
  minimumCommitment: null,
  budgetCap: null,
  agencyCommissionPct: null,
  partners: [],
});

const AT = '2026-01-01T00:00:00Z';

function version(contractId: string, number: number, effectiveFrom: string, terms: VersionTerms, recordedAt: string): ContractVersion {
  return {
    contractId,
    number,
    kind: number === 1 ? 'INITIAL' : 'AMENDMENT',
    status: 'APPROVED',
    effectiveFrom,
    terms,
    backdated: number > 1,
    recordedAt,
    renewal: null,
    termination: null,
    authors: ['ops-1'],
    requirement: { approvals: 1, financeRequired: false, committedValue: '0', threshold: '100000.00' },
    rejection: null,
    supersededBy: null,
    createdBy: 'ops-1',
    createdAt: recordedAt,
    submittedAt: recordedAt,
    updatedAt: recordedAt,
    actor: 'approver-1',
    version: 1,
  };
}

/** A contract as approval leaves it: ACTIVE (or another status), its first version APPROVED. */
export async function seedContract(
  env: WorkflowEnvironment,
  id: string,
  options: { status?: Contract['status']; rate?: string; versionStatus?: ContractVersion['status']; term?: [string, string] } = {},
): Promise<Contract> {
  const contract: Contract = {
    id,
    advertiserId: 'adv-1',
    name: `contract ${id}`,
    currency: 'USD',
    timezone: 'UTC',
    startDate: options.term?.[0] ?? '2026-01-01',
    endDate: options.term?.[1] ?? '2026-12-31',
    rounding: 'HALF_EVEN',
    autoRenew: false,
    status: options.status ?? 'ACTIVE',
    terminatedOn: null,
    createdBy: 'ops-1',
    createdAt: AT,
    updatedAt: AT,
    actor: 'approver-1',
    version: 1,
  };
  await env.contracts.commit({
    contract: { next: contract, expectedVersion: null },
    versions: [{ next: { ...version(id, 1, contract.startDate, flatCpm(options.rate ?? '10'), AT), status: options.versionStatus ?? 'APPROVED' }, expectedVersion: null }],
    approvals: [],
  });
  return contract;
}

/** An approved amendment with new terms from `effectiveFrom`, recorded (approved) at `recordedAt`. */
export async function seedAmendment(env: WorkflowEnvironment, contractId: string, effectiveFrom: string, terms: VersionTerms, recordedAt: string): Promise<void> {
  const aggregate = (await env.contracts.get(contractId))!;
  const next = aggregate.versions.length + 1;
  await env.contracts.commit({
    contract: { next: { ...aggregate.contract, version: aggregate.contract.version + 1, updatedAt: recordedAt }, expectedVersion: aggregate.contract.version },
    versions: [{ next: version(contractId, next, effectiveFrom, terms, recordedAt), expectedVersion: null }],
    approvals: [],
  });
}

/** `perDay` first-party impressions of charge `ctv` on every day of the period. */
export async function seedDailyImpressions(env: WorkflowEnvironment, contractId: string, period: string, perDay: number): Promise<void> {
  const [year, month] = period.split('-').map(Number) as [number, number];
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const records: Impression[] = Array.from({ length: days }, (_, i) => ({
    date: `${period}-${String(i + 1).padStart(2, '0')}`,
    chargeId: 'ctv',
    count: perDay,
    source: 'FIRST_PARTY',
  }));
  const { planned } = planImpressions(records, '2026-11-02T00:00:00Z');
  await env.usage.putImpressions(contractId, planned, { actor: 'ops-1', origin: 'api', ingestedAt: '2026-11-02T00:00:00Z' });
}

/** An error named as the AWS SDK names a throttled DynamoDB request. */
export function throttled(): Error {
  return Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded'), {
    name: 'ProvisionedThroughputExceededException',
  });
}
