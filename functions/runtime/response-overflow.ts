/**
 * The idempotency store's overflow (responses too big for their record) in the exports bucket.
 * Loaded by the HTTP kit only when a response overflows or a replay reads one back (group.ts),
 * so the S3 client is not evaluated when an API function starts.
 */
import { S3ResponseOverflow } from '../../shared/adapters/s3/response-overflow';
import { s3 } from './s3-client';
import { config } from './config';

export const responseOverflow = () => new S3ResponseOverflow(s3(), config().EXPORTS_BUCKET);
