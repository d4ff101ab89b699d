/**
 * The audit archive in S3 (versioned, Object Lock in AWS): one object per entry, one per daily
 * digest, one per image too big for its entry.
 *   audit/<aggregate>/<seq, 12 digits>.json   the entry, canonical JSON, hash included
 *   digests/<YYYY-MM-DD>.json                 the chain heads of that day and their hash
 *   images/sha256/<hex>.json                  an item image (canonical JSON) named by its sha256
 *
 * Every write is `If-None-Match: *` (the bucket policy refuses a PutObject without it), so an
 * object, once written, is never replaced by a newer version through this code. A redelivered
 * entry finds its object there (412): it is read back and must be byte-identical, else the
 * write fails loudly. An image is content-addressed, so finding it there is success. A digest
 * stands as first written for its day.
 *
 * Reading for verification takes the OLDEST version of an entry object: on a versioned bucket
 * an overwrite can only add a newer version, never remove the first one (Object Lock). Where
 * the store cannot list versions (s3rver, the local stand-in), the current object is read and
 * `versions` is unknown.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  NoSuchKey,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import * as z from 'zod';
import { canonicalJson } from '../../domain/audit/canonical-json';
import type { AuditEntry } from '../../domain/audit/entry';
import type { AuditImageReader, AuditImageStore } from '../../domain/audit/images';
import type { ArchivedEntry, AuditArchive, AuditArchiveReader, ChainDigest, Page, PageRequest } from '../../domain/audit/ports';

export const ARCHIVE_PREFIXES = { entries: 'audit/', digests: 'digests/', images: 'images/' } as const;

/** Zero-padded like the table's sort keys, so a listing of one chain comes back in seq order. */
export function archiveEntryKey(aggregate: string, seq: number): string {
  return `${ARCHIVE_PREFIXES.entries}${aggregate}/${String(seq).padStart(12, '0')}.json`;
}

export function archiveDigestKey(date: string): string {
  return `${ARCHIVE_PREFIXES.digests}${date}.json`;
}

export function archiveImageKey(sha256: string): string {
  return `${ARCHIVE_PREFIXES.images}sha256/${sha256}.json`;
}

const DigestSchema = z.object({
  date: z.string(),
  chainCount: z.number().int().nonnegative(),
  chains: z.array(z.object({ aggregate: z.string(), lastSeq: z.number().int().nonnegative(), lastHash: z.string() })),
  chainsHash: z.string(),
});

export class ArchiveConflictError extends Error {
  override readonly name = 'ArchiveConflictError';
  readonly code = 'audit_archive_conflict';
  constructor(readonly key: string) {
    super(`archive object ${key} already exists with other content; it is left as it is`);
  }
}

type PutOutcome = 'written' | 'exists';

const isStatus = (error: unknown, status: number) => error instanceof S3ServiceException && error.$metadata.httpStatusCode === status;
/** What a store without version listing answers (s3rver: 405 MethodNotAllowed; others 501 NotImplemented). */
const versionsUnsupported = (error: unknown) =>
  error instanceof S3ServiceException && (error.name === 'NotImplemented' || error.name === 'MethodNotAllowed' || [405, 501].includes(error.$metadata.httpStatusCode ?? 0));

export class S3AuditArchive implements AuditArchive, AuditImageStore, AuditImageReader, AuditArchiveReader {
  /** Learned on the first read: false on a store that cannot list object versions. */
  private versionListing: boolean | undefined;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async putEntry(entry: AuditEntry): Promise<void> {
    const key = archiveEntryKey(entry.aggregate, entry.seq);
    const body = canonicalJson(entry);
    if ((await this.putOnce(key, body)) === 'exists' && (await this.readCurrent(key)) !== body) throw new ArchiveConflictError(key);
  }

  async putDigest(digest: ChainDigest): Promise<void> {
    await this.putOnce(archiveDigestKey(digest.date), canonicalJson(digest));
  }

  async putImage(sha256: string, text: string): Promise<string> {
    const key = archiveImageKey(sha256);
    await this.putOnce(key, text);
    return key;
  }

  readImage(key: string): Promise<string | undefined> {
    return this.readCurrent(key);
  }

  /** The digest archived for `date`, or undefined when there is none. */
  async readDigest(date: string): Promise<ChainDigest | undefined> {
    const text = await this.readCurrent(archiveDigestKey(date));
    if (text === undefined) return undefined;
    const parsed = DigestSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`archived digest ${archiveDigestKey(date)} is malformed: ${parsed.error.message}`);
    return parsed.data;
  }

  /** Aggregates with at least one archived entry, in key order. */
  async listArchivedAggregates(page: PageRequest = {}): Promise<Page<string>> {
    const out = await this.client.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: ARCHIVE_PREFIXES.entries,
        Delimiter: '/',
        MaxKeys: page.limit ?? 1000,
        ContinuationToken: page.cursor,
      }),
    );
    const items = (out.CommonPrefixes ?? [])
      .map((p) => p.Prefix ?? '')
      .filter((p) => p.length > ARCHIVE_PREFIXES.entries.length + 1)
      .map((p) => p.slice(ARCHIVE_PREFIXES.entries.length, -1));
    return out.IsTruncated && out.NextContinuationToken ? { items, cursor: out.NextContinuationToken } : { items };
  }

  /** Seqs of one aggregate's archived entries, ascending. */
  async listArchivedSeqs(aggregate: string, page: PageRequest = {}): Promise<Page<number>> {
    const prefix = `${ARCHIVE_PREFIXES.entries}${aggregate}/`;
    const out = await this.client.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: page.limit ?? 1000, ContinuationToken: page.cursor }),
    );
    const items = (out.Contents ?? [])
      .map((o) => o.Key ?? '')
      .filter((key) => /^\d{12}\.json$/.test(key.slice(prefix.length)))
      .map((key) => Number(key.slice(prefix.length, -'.json'.length)));
    return out.IsTruncated && out.NextContinuationToken ? { items, cursor: out.NextContinuationToken } : { items };
  }

  /** The entry as first archived (its oldest object version), and how many versions the object has. */
  async readArchivedEntry(aggregate: string, seq: number): Promise<ArchivedEntry | undefined> {
    const key = archiveEntryKey(aggregate, seq);
    const versions = this.versionListing === false ? undefined : await this.listVersions(key);
    if (versions === undefined) {
      const text = await this.readCurrent(key);
      return text === undefined ? undefined : { text };
    }
    const oldest = versions.at(-1);
    if (!oldest) return undefined;
    const text = await this.readCurrent(key, oldest);
    return text === undefined ? undefined : { text, versions: versions.length };
  }

  /**
   * Version ids of `key`, newest first (S3's order for one key), or undefined when the store
   * cannot list versions. Delete markers are not versions of the content and are left out.
   */
  private async listVersions(key: string): Promise<string[] | undefined> {
    const ids: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
        );
        for (const version of out.Versions ?? []) if (version.Key === key && version.VersionId) ids.push(version.VersionId);
        keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
        versionIdMarker = out.IsTruncated ? out.NextVersionIdMarker : undefined;
      } while (keyMarker);
    } catch (error) {
      if (!versionsUnsupported(error)) throw error;
      this.versionListing = false;
      return undefined;
    }
    this.versionListing = true;
    // An unversioned bucket lists its objects with the version id "null": one version.
    return ids;
  }

  private async putOnce(key: string, body: string): Promise<PutOutcome> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json', IfNoneMatch: '*' }),
      );
      return 'written';
    } catch (error) {
      if (isStatus(error, 412)) return 'exists';
      throw error;
    }
  }

  private async readCurrent(key: string, versionId?: string): Promise<string | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }));
      return (await object.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (error instanceof NoSuchKey || isStatus(error, 404)) return undefined;
      throw error;
    }
  }
}
