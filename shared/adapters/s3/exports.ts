/**
 * Finance exports in S3, one folder per period:
 *   exports/<YYYY-MM>/invoices.csv, invoices.jsonl, invoice-lines.csv, invoice-lines.jsonl,
 *                     partner-payouts.csv, payments.csv, partner-payments.csv, aging.csv,
 *                     journal.csv, manifest.json
 * The contents are built by the pure domain (shared/domain/exports/finance-export.ts), which
 * refuses an unbalanced journal before anything is formatted; this adapter then writes the data
 * files and, last, the manifest (file names, row counts, byte sizes, sha256), so a manifest
 * always describes a complete set. Writing a period again replaces its files with the
 * period's current documents (statuses move after a run: DRAFT -> FINALIZED -> VOID). Only the
 * billing workflow writes; the API's GET lists what the manifest names.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Clock } from '../../domain/kernel/clock';
import { assertPeriod } from '../../domain/kernel/calendar';
import { buildPeriodExport, ExportFormat, type CurrencyBalanceList, type PeriodExport } from '../../domain/exports/finance-export';
import type { Invoice } from '../../domain/invoices/invoice';
import type { StatementRecord } from '../../domain/partner-statements/statement';

export const MANIFEST_NAME = 'manifest.json';
/** Presigned GETs are short-lived: finance downloads right after listing. */
export const PRESIGNED_URL_SECONDS = 900;

export interface PeriodInvoiceSource {
  listPeriodInvoices(period: string): Promise<Invoice[]>;
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

const sha256Of = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

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
  ) {}

  private async build(period: string): Promise<PeriodExport> {
    const [invoices, statements] = await Promise.all([this.invoices.listPeriodInvoices(period), this.statements?.listPeriodStatements(period) ?? []]);
    return buildPeriodExport(period, invoices, this.today(), statements);
  }

  /** The export's day (UTC): aging.csv ages the period's open documents as of it. */
  private today(): string {
    return this.clock.now().toISOString().slice(0, 10);
  }

  /** Writes the period's export; throws JournalUnbalancedError (and writes nothing) if debits differ from credits. */
  async writePeriodExport(period: string): Promise<ExportManifest> {
    assertPeriod(period);
    return this.write(period, await this.build(period));
  }

  /**
   * Brings the period's export up to date with its documents (statuses move after a run:
   * finalized, voided, credit notes added): rebuilt from the stored documents, written only
   * when a file's content differs from the stored manifest. Returns whether it wrote.
   */
  async ensureCurrentExport(period: string): Promise<{ manifest: ExportManifest; written: boolean }> {
    assertPeriod(period);
    const built = await this.build(period);
    const stored = await this.readManifest(period);
    const same =
      stored !== undefined &&
      stored.files.length === built.files.length &&
      built.files.every((f) => stored.files.some((m) => m.name === f.name && m.sha256 === sha256Of(f.body)));
    if (same) return { manifest: stored, written: false };
    return { manifest: await this.write(period, built), written: true };
  }

  private async write(period: string, built: PeriodExport): Promise<ExportManifest> {
    const prefix = exportPrefix(period);
    const files: ManifestFile[] = [];
    for (const file of built.files) {
      const body = Buffer.from(file.body, 'utf8');
      const sha256 = sha256Of(file.body);
      const key = `${prefix}${file.name}`;
      const put = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: file.contentType,
          ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
        }),
      );
      files.push({ key, name: file.name, format: file.format, rows: file.rows, bytes: body.length, sha256, ...(put.VersionId ? { versionId: put.VersionId } : {}) });
    }
    // Last: a manifest names only files that were all written.
    const manifest: ExportManifest = { period, generatedAt: this.clock.now().toISOString(), files, balances: built.balances };
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `${prefix}${MANIFEST_NAME}`,
        Body: JSON.stringify(manifest, null, 2),
        ContentType: 'application/json',
      }),
    );
    return manifest;
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
