/**
 * The daily chain digest, for the daily lifecycle job to call: every chain head and a hash of
 * the list, archived under `digests/<date>.json`.
 */
import { DynamoAuditRepository } from '../../shared/adapters/dynamodb/audit-repository';
import { S3AuditArchive } from '../../shared/adapters/s3/audit-archive';
import { archiveChainDigest } from '../../shared/domain/audit/digest';
import type { AuditArchive, AuditChainReader, ChainDigest } from '../../shared/domain/audit/ports';
import { config } from '../runtime/config';
import { dynamo } from '../runtime/clients';
import { s3 } from '../runtime/s3-client';

export interface ChainDigestDeps {
  reader: AuditChainReader;
  archive: AuditArchive;
}

function productionDeps(): ChainDigestDeps {
  const { TABLE_NAME, AUDIT_ARCHIVE_BUCKET } = config();
  return { reader: new DynamoAuditRepository(dynamo(), TABLE_NAME), archive: new S3AuditArchive(s3(), AUDIT_ARCHIVE_BUCKET) };
}

/** `date` is the day the digest stands for, `YYYY-MM-DD`. */
export function writeChainDigest(date: string, deps: ChainDigestDeps = productionDeps()): Promise<ChainDigest> {
  return archiveChainDigest(date, deps);
}
