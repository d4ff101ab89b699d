/**
 * Bulk usage files in the usage bucket: the object read as a stream of lines (gunzipped when
 * the key ends in .gz), and its report written beside it under `reports/`.
 *
 * The file is not trusted: lines are split on the raw bytes, a line longer than maxLineBytes is
 * never accumulated (its bytes are skipped to the next newline and it comes out as
 * OVERSIZE_LINE), and the bytes read after gunzip are counted so a file past maxFileBytes (a
 * gzip bomb) stops with UsageFileTooLarge. Memory stays bounded by one line and one chunk.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MAX_FILE_BYTES, MAX_LINE_BYTES, OVERSIZE_LINE, reportKeyOf, UsageFileTooLarge, type FileLine, type UsageFileReport } from '../../domain/usage/file-format';

export interface OpenedUsageFile {
  eTag: string | null;
  /** Read lazily: iteration starts reading, so no line is lost to awaits before it. */
  lines: AsyncIterable<FileLine>;
  /** Releases the connection when the file is not read to its end (a file-level failure). */
  close(): void;
}

export interface UsageFileLimits {
  maxLineBytes: number;
  /** Bytes after decompression. */
  maxFileBytes: number;
}

export const DEFAULT_USAGE_FILE_LIMITS: UsageFileLimits = { maxLineBytes: MAX_LINE_BYTES, maxFileBytes: MAX_FILE_BYTES };

export class UsageFileStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly limits: UsageFileLimits = DEFAULT_USAGE_FILE_LIMITS,
  ) {}

  /** Streams the object line by line; it is never held in memory whole, nor any line beyond the limit. */
  async open(key: string): Promise<OpenedUsageFile> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!(object.Body instanceof Readable)) throw new Error(`s3://${this.bucket}/${key} has no readable body`);
    const raw: Readable = object.Body;
    const body: Readable = key.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
    // A stream error (a truncated gzip, a dropped connection) must fail the read, not end it quietly.
    if (body !== raw) raw.on('error', (error) => body.destroy(error));
    return {
      eTag: object.ETag ?? null,
      lines: { [Symbol.asyncIterator]: () => boundedLines(body, this.limits) },
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

const NEWLINE = 0x0a;

/** The lines of a byte stream, each at most `maxLineBytes` (else OVERSIZE_LINE), at most `maxFileBytes` in all. */
export async function* boundedLines(body: Readable, limits: UsageFileLimits): AsyncGenerator<FileLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversize = false;
  let total = 0;
  // CRLF files: the CR is part of the line's bytes until here, and counts against the limit.
  const take = (): FileLine => {
    if (oversize) return OVERSIZE_LINE;
    const text = Buffer.concat(pending, pendingBytes).toString('utf8');
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limits.maxFileBytes) throw new UsageFileTooLarge(limits.maxFileBytes);
    let start = 0;
    while (start <= chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      const stop = end < 0 ? chunk.length : end;
      if (!oversize && stop > start) {
        if (pendingBytes + (stop - start) > limits.maxLineBytes + 1) {
          oversize = true;
          pending = [];
          pendingBytes = 0;
        } else {
          pending.push(Buffer.from(chunk.subarray(start, stop)));
          pendingBytes += stop - start;
        }
      }
      if (end < 0) break;
      const line = take();
      yield line !== OVERSIZE_LINE && Buffer.byteLength(line) > limits.maxLineBytes ? OVERSIZE_LINE : line;
      pending = [];
      pendingBytes = 0;
      oversize = false;
      start = end + 1;
    }
  }
  if (oversize || pendingBytes > 0) {
    const line = take();
    yield line !== OVERSIZE_LINE && Buffer.byteLength(line) > limits.maxLineBytes ? OVERSIZE_LINE : line;
  }
}
