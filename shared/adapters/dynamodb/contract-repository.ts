/**
 * The contract aggregate on the table: one partition per contract (`CONTRACT#<id>`) holding
 * the contract item, its versions (`VERSION#0001`) and their approvals
 * (`VERSION#0001#APPROVAL#<approver>`), so a contract is read with one Query. Lists use gsi1
 * (by advertiser, then status) and gsi2 (all contracts by status), never a Scan.
 *
 * Every write of the aggregate is ONE TransactWriteItems: each item is put on the condition
 * that its `version` is still the one read (or that it does not exist yet), approvals only if
 * that approver has none on the version. DynamoDB's cancellation becomes a ConflictError here:
 * `already_approved` when an approval item existed, else `concurrent_update`.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../domain/kernel/errors';
import type { AggregateChange, Approval, Contract, ContractAggregate, ContractVersion } from '../../domain/contracts/model';
import { VersionStatus, type ContractStatus } from '../../domain/contracts/status';
import type { ContractStore } from '../../domain/contracts/store';
import type { Credit } from '../../domain/credits/model';
import { decodeCursor, encodeCursor } from './cursor';
import { INDEXES, keys } from './table';
import { queryShardsPage } from './sharded-index';

/** Entity type names as the audit log's action table knows them (shared/domain/audit/entry.ts). */
export const ContractEntity = { CONTRACT: 'contract', VERSION: 'version', APPROVAL: 'approval', CREDIT: 'credit' } as const;

export const contractAggregateId = (contractId: string) => `contract#${contractId}`;

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'entityType', 'aggregate'] as const;

function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...item };
  for (const name of KEY_ATTRIBUTES) delete out[name];
  return out as T;
}

function contractItem(contract: Contract): Record<string, unknown> {
  return {
    ...keys.contract(contract.id),
    ...keys.contractByAdvertiser(contract.advertiserId, contract.status, contract.createdAt, contract.id),
    ...keys.contractByStatus(contract.status, contract.createdAt, contract.id),
    entityType: ContractEntity.CONTRACT,
    aggregate: contractAggregateId(contract.id),
    ...contract,
  };
}

function versionItem(version: ContractVersion): Record<string, unknown> {
  const pending =
    version.status === VersionStatus.PENDING_APPROVAL && version.submittedAt
      ? keys.pendingApproval(version.submittedAt, keys.pendingVersionRef(version.contractId, version.number))
      : {};
  return { ...keys.version(version.contractId, version.number), ...pending, entityType: ContractEntity.VERSION, aggregate: contractAggregateId(version.contractId), ...version };
}

function approvalItem(approval: Approval): Record<string, unknown> {
  return {
    ...keys.approval(approval.contractId, approval.versionNumber, approval.approverId),
    entityType: ContractEntity.APPROVAL,
    aggregate: contractAggregateId(approval.contractId),
    // Approvals are never changed; the lock attributes keep the "every item" shape uniform.
    version: 1,
    actor: approval.approverId,
    updatedAt: approval.at,
    ...approval,
  };
}

/** What the approval inbox index points at. */
export type PendingRef = { kind: 'version'; contractId: string; number: number } | { kind: 'credit'; contractId: string; creditId: string };

/** Credits' entity type (credit-repository.ts), named here to keep this module free of it. */
const PENDING_CREDIT_ENTITY = 'credit';

export interface ContractListQuery {
  advertiserId?: string;
  status?: ContractStatus;
  limit: number;
  cursor?: string;
}

export class ContractRepository implements ContractStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(contractId: string): Promise<ContractAggregate | null> {
    let contract: Contract | undefined;
    const versions: ContractVersion[] = [];
    const approvals: Approval[] = [];
    const credits: Credit[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.contract(contractId).pk },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.entityType === ContractEntity.CONTRACT) contract = strip<Contract>(item);
        else if (item.entityType === ContractEntity.VERSION) versions.push(strip<ContractVersion>(item));
        else if (item.entityType === ContractEntity.APPROVAL) approvals.push(strip<Approval>(item));
        else if (item.entityType === ContractEntity.CREDIT) credits.push(strip<Credit>(item));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    if (!contract) return null;
    versions.sort((a, b) => a.number - b.number);
    approvals.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    credits.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
    return { contract, versions, approvals, credits };
  }

  async commit(change: AggregateChange): Promise<void> {
    const put = (item: Record<string, unknown>, expectedVersion: number | null) =>
      expectedVersion === null
        ? { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }
        : {
            Put: {
              TableName: this.tableName,
              Item: item,
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': expectedVersion },
            },
          };
    const items = [
      put(contractItem(change.contract.next), change.contract.expectedVersion),
      ...change.versions.map((v) => put(versionItem(v.next), v.expectedVersion)),
      ...change.approvals.map((a) => put(approvalItem(a), null)),
    ];
    const firstApproval = 1 + change.versions.length;
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failedApproval = reasons.some((r, i) => i >= firstApproval && r.Code === 'ConditionalCheckFailed');
      if (failedApproval) throw new ConflictError('this approver has already approved the version', 'already_approved', { cause: error });
      if (reasons.some((r) => r.Code === 'ConditionalCheckFailed') || reasons.some((r) => r.Code === 'TransactionConflict')) {
        throw new ConflictError('the contract was changed by another request; retry', 'concurrent_update', { cause: error });
      }
      throw error;
    }
  }

  async list(query: ContractListQuery): Promise<{ items: Contract[]; nextCursor: string | null }> {
    const statusPrefix = query.status ? `${query.status}#` : '';
    const contracts = (items: Record<string, unknown>[]) => items.filter((i) => i.entityType === ContractEntity.CONTRACT).map((i) => strip<Contract>(i));
    if (!query.advertiserId) {
      // Across advertisers: the contract index's shards, merged by status, creation and id.
      const page = await queryShardsPage<Record<string, unknown>>(
        {
          client: this.client,
          tableName: this.tableName,
          index: INDEXES.byCollection,
          partitions: keys.allContractPartitions,
          query: {
            KeyConditionExpression: statusPrefix ? 'gsi2pk = :ipk AND begins_with(gsi2sk, :prefix)' : 'gsi2pk = :ipk',
            ...(statusPrefix ? { ExpressionAttributeValues: { ':prefix': statusPrefix } } : {}),
          },
        },
        { limit: query.limit, cursor: query.cursor },
      );
      return { items: contracts(page.items), nextCursor: page.nextCursor };
    }
    const gsi1pk = keys.contractByAdvertiser(query.advertiserId, '', '', '').gsi1pk;
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEXES.byOwner.name,
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
        ExpressionAttributeValues: { ':pk': gsi1pk, ':prefix': `CONTRACT#${statusPrefix}` },
        Limit: query.limit,
        ExclusiveStartKey: decodeCursor(query.cursor, { gsi1pk }),
      }),
    );
    return { items: contracts(page.Items ?? []), nextCursor: encodeCursor(page.LastEvaluatedKey) };
  }

  /**
   * One page of the approval inbox: versions and credits awaiting approval, oldest submission
   * first, from the sparse `APPROVALS` part of gsi2. `Limit` counts items read, so a page may be
   * short; the cursor continues after the last item read.
   */
  async pendingApprovals(query: { limit: number; cursor?: string }): Promise<{ items: PendingRef[]; nextCursor: string | null }> {
    const pk = keys.pendingApproval('', '').gsi2pk;
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEXES.byCollection.name,
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        Limit: query.limit,
        ExclusiveStartKey: decodeCursor(query.cursor, { gsi2pk: pk }),
      }),
    );
    const items: PendingRef[] = [];
    for (const item of page.Items ?? []) {
      if (item.entityType === ContractEntity.VERSION) items.push({ kind: 'version', contractId: item.contractId as string, number: item.number as number });
      else if (item.entityType === PENDING_CREDIT_ENTITY) items.push({ kind: 'credit', contractId: item.contractId as string, creditId: item.id as string });
    }
    return { items, nextCursor: encodeCursor(page.LastEvaluatedKey) };
  }

  /** Every ACTIVE contract's id, paging through each shard of gsi2 in turn (the daily lifecycle job's input). */
  async *activeContractIds(): AsyncIterable<string> {
    for (const partition of keys.allContractPartitions) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: INDEXES.byCollection.name,
            KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :prefix)',
            ExpressionAttributeValues: { ':pk': partition, ':prefix': 'ACTIVE#' },
            ProjectionExpression: 'id, entityType',
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) if (item.entityType === ContractEntity.CONTRACT) yield item.id as string;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
  }
}
