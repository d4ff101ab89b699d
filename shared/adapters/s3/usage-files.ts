/**
 * Bulk usage files in the usage bucket: the object read as a stream of lines (gunzipped when
 * the key ends in .gz), and its report written beside it under `reports/`.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { reportKeyOf, type UsageFileReport } from '../../domain/usage/file-format';

export interface OpenedUsageFile {
  eTag: string | null;
  lines: AsyncIterable<string>;
}

export class UsageFileStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /** Streams the object line by line; it is never held in memory whole. */
  async open(key: string): Promise<OpenedUsageFile> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!(object.Body instanceof Readable)) throw new Error(`s3://${this.bucket}/${key} has no readable body`);
    const body: Readable = key.endsWith('.gz') ? object.Body.pipe(createGunzip()) : object.Body;
    // A stream error (a truncated gzip, a dropped connection) must fail the read, not end it quietly.
    const lines = createInterface({ input: body, crlfDelay: Infinity });
    body.on('error', (error) => lines.emit('error', error));
    return { eTag: object.ETag ?? null, lines };
  }

  async writeReport(report: UsageFileReport): Promise<string> {
    const key = reportKeyOf(report.source.key);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: `${JSON.stringify(report, null, 2)}\n`, ContentType: 'application/json' }),
    );
    return key;
  }

  async readReport(sourceKey: string): Promise<UsageFileReport | null> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: reportKeyOf(sourceKey) }));
      return JSON.parse((await object.Body?.transformToString()) ?? 'null') as UsageFileReport | null;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return null;
      throw error;
    }
  }
}
