/**
 * The audit archive in S3 (Object Lock in AWS): one object per entry and one per daily digest.
 *   audit/<aggregate>/<seq, 12 digits>.json   the entry, canonical JSON, hash included
 *   digests/<YYYY-MM-DD>.json                 the chain heads of that day and their hash
 * Entry bodies are a pure function of the entry, so writing one again is harmless.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { canonicalJson } from '../../domain/audit/canonical-json';
import type { AuditEntry } from '../../domain/audit/entry';
import type { AuditArchive, ChainDigest } from '../../domain/audit/ports';

/** Zero-padded like the table's sort keys, so a listing of one chain comes back in seq order. */
export function archiveEntryKey(aggregate: string, seq: number): string {
  return `audit/${aggregate}/${String(seq).padStart(12, '0')}.json`;
}

export function archiveDigestKey(date: string): string {
  return `digests/${date}.json`;
}

const DigestSchema = z.object({
  date: z.string(),
  chainCount: z.number().int().nonnegative(),
  chains: z.array(z.object({ aggregate: z.string(), lastSeq: z.number().int().nonnegative(), lastHash: z.string() })),
  chainsHash: z.string(),
});

export class S3AuditArchive implements AuditArchive {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async putEntry(entry: AuditEntry): Promise<void> {
    await this.put(archiveEntryKey(entry.aggregate, entry.seq), canonicalJson(entry));
  }

  async putDigest(digest: ChainDigest): Promise<void> {
    await this.put(archiveDigestKey(digest.date), canonicalJson(digest));
  }

  /** The digest archived for `date`, or undefined when there is none. */
  async readDigest(date: string): Promise<ChainDigest | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: archiveDigestKey(date) }));
      const parsed = DigestSchema.safeParse(JSON.parse((await object.Body?.transformToString()) ?? 'null'));
      if (!parsed.success) throw new Error(`archived digest ${archiveDigestKey(date)} is malformed: ${parsed.error.message}`);
      return parsed.data;
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  private async put(key: string, body: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }),
    );
  }
}
