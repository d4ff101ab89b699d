/**
 * Idempotency responses too big for their DynamoDB record, in the exports bucket under
 * `idempotency/sha256/<hex>.json` (content-addressed; a lifecycle rule expires them after the
 * records' own retention).
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ResponseOverflow } from '../dynamodb/idempotency-store';

export const RESPONSE_OVERFLOW_PREFIX = 'idempotency/';

export const responseOverflowKey = (sha256: string) => `${RESPONSE_OVERFLOW_PREFIX}sha256/${sha256}.json`;

export class S3ResponseOverflow implements ResponseOverflow {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(sha256: string, text: string): Promise<string> {
    const key = responseOverflowKey(sha256);
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: 'application/json' }));
    return key;
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await object.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }
}
