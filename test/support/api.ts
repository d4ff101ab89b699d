/**
 * The local API for API tests: real handlers behind the local API Gateway stand-in, on a fresh
 * table and fresh buckets of the suite's DynamoDB Local and s3rver.
 *
 *   const api = await startTestApi();            // in beforeAll, BEFORE anything imports a handler
 *   const ops = await api.token({ sub: 'alice', roles: ['ops'] });
 *   const res = await api.request('POST', '/v1/advertisers', { token: ops, body: { ... } });
 *   expect(res.status).toBe(201); res.json.id ...
 *   await api.stop();                           // in afterAll
 *
 * Handlers read their configuration from process.env once, at first import; the local API
 * imports them lazily on their first request, so setting the environment here first is enough
 * as long as the test file does not import `functions/<group>/handler` itself beforehand.
 * Vitest runs each test file in its own module graph, so every file gets its own table.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamoDBRecord } from 'aws-lambda';
import { inject } from 'vitest';
import { LOCAL_AWS } from '../../scripts/lib/dynamodb-local';
import { mintDevToken, type DevTokenInput } from '../../scripts/lib/dev-auth';
import { startLocalApi, type LocalApiOptions } from '../../scripts/lib/local-api';
import { startStreamPoller, type FailedBatch, type StreamHandler, type StreamPoller } from '../../scripts/lib/stream-poller';
import { freshBucket, freshTable, s3Client } from './aws';
import { dynamoEndpoint } from './endpoints';

export interface TestResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  json: any;
  text: string;
}

export interface RequestOptions {
  token?: string;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TestApi {
  url: string;
  tableName: string;
  buckets: { exports: string; usage: string; auditArchive: string };
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  token(claims: DevTokenInput): Promise<string>;
  stop(): Promise<void>;
}

/** Points the handlers' configuration (functions/runtime/config.ts) at the suite's engines. */
async function configureEnvironment(): Promise<{ tableName: string; buckets: TestApi['buckets'] }> {
  const s3 = s3Client();
  const [tableName, exportsBucket, usage, auditArchive] = await Promise.all([freshTable(), freshBucket(s3), freshBucket(s3), freshBucket(s3)]);
  s3.destroy();
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: dynamoEndpoint(),
    S3_ENDPOINT: inject('s3Endpoint'),
    EXPORTS_BUCKET: exportsBucket,
    USAGE_BUCKET: usage,
    AUDIT_ARCHIVE_BUCKET: auditArchive,
    AWS_REGION: LOCAL_AWS.region,
    STAGE: 'test',
  });
  return { tableName, buckets: { exports: exportsBucket, usage, auditArchive } };
}

let started = false;

export async function startTestApi(options: Pick<LocalApiOptions, 'outsideApi' | 'aroundRequest'> = {}): Promise<TestApi> {
  if (started) throw new Error('startTestApi() runs once per test file (the handlers keep the first configuration they read)');
  started = true;
  const { tableName, buckets } = await configureEnvironment();
  const api = await startLocalApi(options);
  return {
    url: api.url,
    tableName,
    buckets,
    token: (claims) => mintDevToken(claims),
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined;
      if (typeof options.body === 'string') body = options.body;
      else if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${api.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, json, text };
    },
    stop: () => api.stop(),
  };
}

/**
 * Feeds the table's stream to the real audit Lambda (functions/audit/handler.ts), as the event
 * source mapping does in AWS. Call after startTestApi(); `await poller.drain()` before asserting
 * on audit entries. `failures` collects what would reach the on-failure queue.
 */
export async function startTestAuditPoller(): Promise<StreamPoller & { failures: FailedBatch[] }> {
  const tableName = process.env.TABLE_NAME;
  if (!tableName) throw new Error('call startTestApi() before startTestAuditPoller()');
  const entry = resolve(import.meta.dirname, '..', '..', 'functions', 'audit', 'handler.ts');
  if (!existsSync(entry)) throw new Error('the audit Lambda (functions/audit/handler.ts) does not exist yet');
  const { handler } = (await import(/* @vite-ignore */ pathToFileURL(entry).href)) as { handler: StreamHandler };
  const failures: FailedBatch[] = [];
  const poller = await startStreamPoller({
    tableName,
    endpoint: dynamoEndpoint(),
    handler,
    intervalMs: 50,
    retryDelayMs: 10,
    onFailure: (batch) => {
      failures.push(batch);
      console.error(`[audit poller] ${batch.records.length} record(s) sent to the on-failure destination: ${batch.reason}`);
    },
  });
  return Object.assign(poller, { failures });
}

export interface TestEventsPoller extends StreamPoller {
  /** The JSON Lines file the events go to. */
  file: string;
  /** The stream handler the poller calls (the real functions/events/handler.ts with a JSON Lines sink), to redeliver records by hand. */
  handler: StreamHandler;
  /** Every record the poller delivered, in order (retries included), as Lambda received them. */
  delivered: DynamoDBRecord[];
  failures: FailedBatch[];
}

/**
 * Feeds the table's stream to the real domain-events Lambda (functions/events/handler.ts), as
 * its own event source mapping does in AWS, publishing to a JSON Lines file as `npm start` does.
 * Call after startTestApi(); `await poller.drain()` before reading the file.
 */
export async function startTestEventsPoller(file: string): Promise<TestEventsPoller> {
  const tableName = process.env.TABLE_NAME;
  if (!tableName) throw new Error('call startTestApi() before startTestEventsPoller()');
  const { eventsHandlerPublishingTo } = await import('../../functions/events/handler');
  const { JsonlEventSink } = await import('../../scripts/lib/jsonl-event-sink');
  const handler: StreamHandler = eventsHandlerPublishingTo(new JsonlEventSink(file, () => undefined));
  const delivered: DynamoDBRecord[] = [];
  const failures: FailedBatch[] = [];
  const poller = await startStreamPoller({
    tableName,
    endpoint: dynamoEndpoint(),
    functionName: 'events',
    handler: (event, context) => {
      delivered.push(...event.Records);
      return handler(event, context);
    },
    intervalMs: 50,
    retryDelayMs: 10,
    onFailure: (batch) => {
      failures.push(batch);
      console.error(`[events poller] ${batch.records.length} record(s) sent to the on-failure destination: ${batch.reason}`);
    },
  });
  return Object.assign(poller, { file, handler, delivered, failures });
}
