/**
 * An aggregate's audit trail as the API shows it (GET /v1/contracts/{id}/audit): entries in
 * seq order, each with its hash and prevHash so a reader can check the links, paged by cursor.
 */
import { toAuditTrailItem, type AuditTrailItem } from './entry';
import type { AuditChainReader, Page, PageRequest } from './ports';

export async function readAuditTrail(
  reader: Pick<AuditChainReader, 'listEntries'>,
  aggregate: string,
  page?: PageRequest,
): Promise<Page<AuditTrailItem>> {
  const { items, cursor } = await reader.listEntries(aggregate, page);
  return cursor ? { items: items.map(toAuditTrailItem), cursor } : { items: items.map(toAuditTrailItem) };
}
