/**
 * Usage routes (ops, admin): impression and conversion batches, conversion reversals. Wiring
 * only: the batch size, the contract, the per-record shape check, then the use case.
 */
import { ContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DirectoryRepository } from '../../shared/adapters/dynamodb/directory-repository';
import { assertKnownPartners, usagePartnerReferences } from '../../shared/domain/directory/known-partners';
import { DynamoUsageRepository } from '../../shared/adapters/dynamodb/usage-repository';
import { assertBatchSize, requireUsageContract } from '../../shared/domain/usage/batch';
import { usageContractLookup } from '../../shared/domain/usage/contract-view';
import { ingestConversions } from '../../shared/domain/usage/ingest-conversions';
import { ingestImpressions } from '../../shared/domain/usage/ingest-impressions';
import { reverseConversion } from '../../shared/domain/usage/reverse-conversion';
import { IngestMode, type UsageContract, type UsageContractLookup } from '../../shared/domain/usage/types';
import { USAGE_OPERATIONS as ops } from '../../shared/schemas/api/usage';
import { parseConversion, parseImpression } from '../../shared/schemas/usage';
import { defineGroup, route } from '../http/group';
import { FunctionGroup } from '../http/routes';
import { dynamo } from '../runtime/clients';
import { config } from '../runtime/config';
import { MetricName } from '../runtime/metric-names';
import { metrics, MetricUnit } from '../runtime/observability';

let store: DynamoUsageRepository | undefined;
let contracts: UsageContractLookup | undefined;
const usageStore = () => (store ??= new DynamoUsageRepository(dynamo(), config().TABLE_NAME));
let directory: DirectoryRepository | undefined;
const partnerLookup = () => (directory ??= new DirectoryRepository(dynamo(), config().TABLE_NAME));
const contractLookup = () => (contracts ??= usageContractLookup(new ContractRepository(dynamo(), config().TABLE_NAME)));

/**
 * The batch's contract and the check that its partners exist, read together (one round trip
 * instead of two); a missing contract is still the answer before an unknown partner.
 */
async function contractAndPartners(contractId: string, records: readonly unknown[]): Promise<UsageContract> {
  const [contract, partners] = await Promise.allSettled([
    requireUsageContract(contractLookup(), contractId),
    assertKnownPartners(partnerLookup(), usagePartnerReferences(records)),
  ]);
  if (contract.status === 'rejected') throw contract.reason;
  if (partners.status === 'rejected') throw partners.reason;
  return contract.value;
}

export const handler = defineGroup(FunctionGroup.USAGE, {
  'POST /v1/usage/impressions': route(ops['POST /v1/usage/impressions'], async ({ body, identity, clock, requestId }) => {
    assertBatchSize(body.records.length);
    const contract = await contractAndPartners(body.contractId, body.records);
    const { accepted, duplicates } = await ingestImpressions(
      { store: usageStore(), clock },
      { contract, records: body.records.map(parseImpression), actor: identity.sub, origin: `api:${requestId}`, mode: IngestMode.ALL_OR_NOTHING },
    );
    metrics.addMetric(MetricName.INGEST_ROWS_ACCEPTED, MetricUnit.Count, accepted);
    return { status: 202, body: { accepted, duplicates } };
  }),

  'POST /v1/usage/conversions': route(ops['POST /v1/usage/conversions'], async ({ body, identity, clock, requestId }) => {
    assertBatchSize(body.records.length);
    const contract = await contractAndPartners(body.contractId, body.records);
    const { accepted, duplicates, touches } = await ingestConversions(
      { store: usageStore(), clock },
      { contract, records: body.records.map(parseConversion), actor: identity.sub, origin: `api:${requestId}`, mode: IngestMode.ALL_OR_NOTHING },
    );
    metrics.addMetric(MetricName.INGEST_ROWS_ACCEPTED, MetricUnit.Count, accepted);
    return { status: 202, body: { accepted, duplicates, ...(touches ? { touches } : {}) } };
  }),

  'POST /v1/usage/conversions/{id}/reversal': route(ops['POST /v1/usage/conversions/{id}/reversal'], async ({ body, params, identity, clock, requestId }) => {
    const contract = await requireUsageContract(contractLookup(), body.contractId);
    const reversed = await reverseConversion(
      { store: usageStore(), clock },
      { contract, conversionId: params.id, reversedAt: body.reversedAt, reason: body.reason, actor: identity.sub, origin: `api:${requestId}` },
    );
    return { status: 200, body: reversed };
  }),
});
