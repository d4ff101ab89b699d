/**
 * Finance exports in S3, one folder per period:
 *   exports/<YYYY-MM>/invoices.csv, invoices.jsonl, invoice-lines.csv, invoice-lines.jsonl,
 *                     partner-payouts.csv, payments.csv, partner-payments.csv, aging.csv,
 *                     journal.csv, manifest.json
 * The contents are built by the pure domain (shared/domain/exports/finance-export.ts) page by
 * page: documents are read a page at a time from the invoice index and each page's rows are
 * appended to every file, so no period is ever held whole. A file that outgrows a part
 * (PART_BYTES) goes up as an S3 multipart upload, part by part; a small one is one PutObject at
 * the end. Nothing becomes visible before the journal is known to balance: multipart uploads
 * are completed (and small files put) only after the builder's last check, and aborted when it
 * refuses or anything fails, so an unbalanced period still writes no file. Last comes the
 * manifest (file names, row counts, byte sizes, sha256), so a manifest always describes a
 * complete set. Writing a period again replaces its files with the
 * period's current documents (statuses move after a run: DRAFT -> FINALIZED -> VOID). Only the
 * billing workflow writes; the API's GET lists what the manifest names.
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Clock } from '../../domain/kernel/clock';
import { assertPeriod } from '../../domain/kernel/calendar';
import { EXPORT_FILES, ExportFormat, PeriodExportBuilder, type CurrencyBalanceList, type ExportChunks } from '../../domain/exports/finance-export';
import type { Invoice } from '../../domain/invoices/invoice';
import type { StatementRecord } from '../../domain/partner-statements/statement';

export const MANIFEST_NAME = 'manifest.json';
/** Presigned GETs are short-lived: finance downloads right after listing. */
export const PRESIGNED_URL_SECONDS = 900;

/** Parts of a multipart upload: S3 takes 5 MiB at least (but the last), 10,000 parts at most. */
export const PART_BYTES = 8 * 1024 * 1024;

export interface PeriodInvoiceSource {
  /** The period's documents with their lines, a bounded page at a time. */
  pagePeriodInvoices(period: string): AsyncIterable<Invoice[]>;
}

/** The period's issued partner statements (their payments are exported and journaled). */
export interface PeriodStatementSource {
  listPeriodStatements(period: string): Promise<StatementRecord[]>;
}

export interface ManifestFile {
  key: string;
  /** The S3 object version written (versioned buckets): the listing presigns exactly this one. */
  versionId?: string;
  name: string;
  format: ExportFormat;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ExportManifest {
  period: string;
  generatedAt: string;
  files: ManifestFile[];
  /** Journal debits and credits per currency (equal, or nothing was written). */
  balances: CurrencyBalanceList;
}

export interface ExportItem {
  key: string;
  url: string;
  format: ExportFormat;
}

export function exportPrefix(period: string): string {
  return `exports/${period}/`;
}

/**
 * One export file as it is written: text appended page by page, hashed and counted as it goes,
 * sent as multipart parts once it outgrows a part. Visible only after `complete`.
 */
class ExportFileUpload {
  private readonly hash = createHash('sha256');
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private uploadId: string | undefined;
  private readonly parts: { ETag: string; PartNumber: number }[] = [];
  bytes = 0;
  rows = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    readonly key: string,
    private readonly contentType: string,
    private readonly partBytes: number,
  ) {}

  async append(text: string, rows: number): Promise<void> {
    if (text === '') return;
    const chunk = Buffer.from(text, 'utf8');
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.rows += rows;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= this.partBytes) await this.sendPart();
  }

  private async sendPart(): Promise<void> {
    this.uploadId ??= (await this.s3.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: this.contentType }))).UploadId!;
    const PartNumber = this.parts.length + 1;
    const out = await this.s3.send(new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber, Body: Buffer.concat(this.pending) }));
    this.parts.push({ ETag: out.ETag!, PartNumber });
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** sha256 of everything appended (hex); call once, after the last append. */
  digest(): string {
    return this.hash.digest('hex');
  }

  /** Makes the file visible: the multipart upload completed, or the small file put whole. */
  async complete(sha256: string): Promise<string | undefined> {
    if (this.uploadId === undefined) {
      const put = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: Buffer.concat(this.pending),
          ContentType: this.contentType,
          ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
        }),
      );
      return put.VersionId;
    }
    if (this.pendingBytes > 0) await this.sendPart();
    const done = await this.s3.send(
      new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }),
    );
    this.uploadId = undefined;
    return done.VersionId;
  }

  /** Drops the parts sent; the previous object under the key (if any) stays as it was. */
  async abort(): Promise<void> {
    if (this.uploadId === undefined) return;
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: uploadId }));
  }
}

function formatOf(key: string): ExportFormat {
  if (key.endsWith('.csv')) return ExportFormat.CSV;
  if (key.endsWith('.jsonl')) return ExportFormat.JSONL;
  return ExportFormat.JSON;
}

export class FinanceExports {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly invoices: PeriodInvoiceSource,
    private readonly clock: Clock,
    /** Without it the export has no partner payments (an empty partner-payments.csv). */
    private readonly statements?: PeriodStatementSource,
    /** Size of a multipart part (tests use small parts to send many). */
    private readonly partBytes = PART_BYTES,
  ) {}

  /** The export's day (UTC): aging.csv ages the period's open documents as of it. */
  private today(): string {
    return this.clock.now().toISOString().slice(0, 10);
  }

  /** Writes the period's export; throws JournalUnbalancedError (and writes nothing) if debits differ from credits. */
  async writePeriodExport(period: string): Promise<ExportManifest> {
    assertPeriod(period);
    return (await this.write(period, false)).manifest;
  }

  /**
   * Brings the period's export up to date with its documents (statuses move after a run:
   * finalized, voided, credit notes added): rebuilt from the stored documents, made visible only
   * when a file's content differs from the stored manifest. Returns whether it wrote.
   */
  async ensureCurrentExport(period: string): Promise<{ manifest: ExportManifest; written: boolean }> {
    assertPeriod(period);
    return this.write(period, true);
  }

  private async write(period: string, onlyIfChanged: boolean): Promise<{ manifest: ExportManifest; written: boolean }> {
    const prefix = exportPrefix(period);
    const builder = new PeriodExportBuilder(period, this.today());
    const uploads = new Map(EXPORT_FILES.map((f) => [f.name, new ExportFileUpload(this.s3, this.bucket, `${prefix}${f.name}`, f.contentType, this.partBytes)]));
    const append = async (chunks: ExportChunks) => {
      for (const [name, { text, rows }] of chunks) await uploads.get(name)!.append(text, rows);
    };
    try {
      await append(builder.start());
      for await (const page of this.invoices.pagePeriodInvoices(period)) await append(builder.page(page));
      const finished = builder.finish((await this.statements?.listPeriodStatements(period)) ?? []);
      await append(finished.chunks);
      const digests = new Map([...uploads].map(([name, upload]) => [name, upload.digest()]));
      if (onlyIfChanged) {
        const stored = await this.readManifest(period);
        const same = stored !== undefined && stored.files.length === uploads.size && [...digests].every(([name, sha256]) => stored.files.some((m) => m.name === name && m.sha256 === sha256));
        if (same) {
          await Promise.all([...uploads.values()].map((u) => u.abort()));
          return { manifest: stored, written: false };
        }
      }
      const files: ManifestFile[] = [];
      for (const { name, format } of EXPORT_FILES) {
        const upload = uploads.get(name)!;
        const sha256 = digests.get(name)!;
        const versionId = await upload.complete(sha256);
        files.push({ key: upload.key, name, format, rows: upload.rows, bytes: upload.bytes, sha256, ...(versionId ? { versionId } : {}) });
      }
      // Last: a manifest names only files that were all written.
      const manifest: ExportManifest = { period, generatedAt: this.clock.now().toISOString(), files, balances: finished.balances };
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: `${prefix}${MANIFEST_NAME}`,
          Body: JSON.stringify(manifest, null, 2),
          ContentType: 'application/json',
        }),
      );
      return { manifest, written: true };
    } catch (error) {
      await Promise.allSettled([...uploads.values()].map((u) => u.abort()));
      throw error;
    }
  }

  async readManifest(period: string): Promise<ExportManifest | undefined> {
    return (await this.readManifestObject(period))?.manifest;
  }

  /** The period's manifest with the object version it was read from. */
  private async readManifestObject(period: string): Promise<{ manifest: ExportManifest; versionId?: string } | undefined> {
    assertPeriod(period);
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: `${exportPrefix(period)}${MANIFEST_NAME}` }));
      const manifest = JSON.parse(await out.Body!.transformToString()) as ExportManifest;
      return { manifest, ...(out.VersionId ? { versionId: out.VersionId } : {}) };
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      // S3 never serves half an object, but s3rver (the local stack) can while the workflow
      // rewrites the manifest: an unreadable manifest lists nothing rather than answering 500.
      if (error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  /**
   * The period's files with presigned GET URLs, read only: the manifest names the files, so a
   * listing never mixes files of two exports, and in a versioned bucket each URL is pinned to
   * the object version the manifest's export wrote (a rewrite in progress cannot swap a file
   * under it). Empty when the period was never exported.
   */
  async listExports(period: string): Promise<{ items: ExportItem[] }> {
    const read = await this.readManifestObject(period);
    if (!read) return { items: [] };
    const manifestKey = `${exportPrefix(period)}${MANIFEST_NAME}`;
    const objects = [
      ...read.manifest.files.map((f) => ({ key: f.key, versionId: f.versionId })),
      { key: manifestKey, versionId: read.versionId },
    ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const items = await Promise.all(
      objects.map(async ({ key, versionId }) => ({
        key,
        url: await getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }), {
          expiresIn: PRESIGNED_URL_SECONDS,
        }),
        format: formatOf(key),
      })),
    );
    return { items };
  }
}
