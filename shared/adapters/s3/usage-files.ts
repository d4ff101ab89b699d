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
  /** Read lazily: iteration starts the line reader, so no line is lost to awaits before it. */
  lines: AsyncIterable<string>;
  /** Releases the connection when the file is not read to its end (a file-level failure). */
  close(): void;
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
    const raw: Readable = object.Body;
    const body: Readable = key.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
    return {
      eTag: object.ETag ?? null,
      // readline starts reading as soon as it is created and drops lines nobody listens to yet:
      // create it only when the caller starts iterating (the body waits, paused, until then).
      lines: {
        [Symbol.asyncIterator]: () => {
          const reader = createInterface({ input: body, crlfDelay: Infinity });
          // A stream error (a truncated gzip, a dropped connection) must fail the read, not end it quietly.
          body.on('error', (error) => reader.emit('error', error));
          raw.on('error', (error) => reader.emit('error', error));
          return reader[Symbol.asyncIterator]();
        },
      },
      close: () => {
        raw.destroy();
        if (body !== raw) body.destroy();
      },
    };
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
