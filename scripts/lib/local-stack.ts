/**
 * The whole local stack in one process (plus DynamoDB Local's JVM): DynamoDB Local with the
 * project's table, s3rver with the buckets, the Lambda environment, the local API Gateway
 * stand-in in front of the real HTTP handlers, and the stream pollers feeding the real audit
 * handler and the domain-events handler (whose events go to a JSON Lines file). `npm start` (scripts/local-stack.ts) runs it; tests and the billing CLI reuse it.
 *
 * The handlers read their configuration from process.env once, at first import, so one
 * process holds one local stack.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { createTable } from '../../shared/adapters/dynamodb/create-table';
import { LOCAL_AWS, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { startLocalApi, type LocalApi, type LocalApiOptions } from './local-api';
import { JsonlEventSink } from './jsonl-event-sink';
import { startS3Local, type S3Local } from './s3-local';
import { startStreamPoller, type StreamHandler, type StreamPoller } from './stream-poller';

const root = resolve(import.meta.dirname, '..', '..');
export const DEFAULT_DATA_DIR = join(root, '.local-data');
const AUDIT_HANDLER = join(root, 'functions', 'audit', 'handler.ts');
const EVENTS_HANDLER = join(root, 'functions', 'events', 'handler.ts');
/** Where `npm start` appends the domain events, one JSON object per line (git-ignored). */
export const DEFAULT_EVENTS_FILE = join(DEFAULT_DATA_DIR, 'events.jsonl');

export interface LocalStackOptions {
  /** The API's port; 0 picks a free one. Default 3000. */
  port?: number;
  host?: string;
  /** Keep DynamoDB and S3 data in `dataDir` across restarts (DynamoDB Local is ~4x slower on disk). */
  persist?: boolean;
  dataDir?: string;
  tableName?: string;
  buckets?: Partial<LocalBuckets>;
  /** Feed the table's stream to functions/audit/handler.ts (when it exists). Default true. */
  audit?: boolean;
  /** Feed the table's stream to functions/events/handler.ts, publishing to `eventsFile`. Default: as `audit`. */
  events?: boolean;
  /** The JSON Lines file domain events are appended to. Default `.local-data/events.jsonl`. */
  eventsFile?: string;
  /** Progress and per-request lines; silent when absent. */
  log?: (line: string) => void;
  /**
   * Parts that need the configured environment before the API serves, e.g. the local billing
   * workflow executor registering itself with `useLocalBillingWorkflow`. Each may return its stop.
   */
  attach?: LocalStackAttachment[];
  /** Answers requests outside `/v1/` (the web console); see scripts/lib/web-console.ts. */
  outsideApi?: LocalApiOptions['outsideApi'];
  /** The API's handler timeout (API Gateway's 30 s when absent); benchmarks on a slow DynamoDB Local raise it. */
  integrationTimeoutMs?: number;
  /** Runs around each API request's handling (see LocalApiOptions.aroundRequest). */
  aroundRequest?: LocalApiOptions['aroundRequest'];
}

export interface LocalStackEnvironment {
  tableName: string;
  buckets: LocalBuckets;
  endpoints: { dynamodb: string; s3: string };
  log: (line: string) => void;
}

export type LocalStackAttachment = (environment: LocalStackEnvironment) => Promise<(() => Promise<void>) | void>;

export interface LocalBuckets {
  exports: string;
  usage: string;
  auditArchive: string;
}

export interface LocalStack {
  apiUrl: string;
  tableName: string;
  buckets: LocalBuckets;
  endpoints: { dynamodb: string; s3: string };
  /** DynamoDB Local's JVM, so callers can tell it is gone after stop(). */
  dynamoDbPid: number | undefined;
  /** Null when audit is off or its handler does not exist yet. */
  poller: StreamPoller | null;
  /** Why the poller is null, if it is. */
  auditDisabledReason: string | null;
  /** The domain-events poller, null when events are off. */
  eventsPoller: StreamPoller | null;
  /** Where domain events are appended (when eventsPoller is running). */
  eventsFile: string;
  stop(): Promise<void>;
}

async function ensureTable(endpoint: string, tableName: string): Promise<'created' | 'existing'> {
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return 'existing';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await createTable(client, tableName);
    return 'created';
  } finally {
    client.destroy();
  }
}

async function loadAuditHandler(): Promise<StreamHandler | string> {
  if (!existsSync(AUDIT_HANDLER)) return 'functions/audit/handler.ts does not exist yet';
  try {
    const module = (await import(/* @vite-ignore */ pathToFileURL(AUDIT_HANDLER).href)) as { handler?: unknown };
    if (typeof module.handler !== 'function') return 'functions/audit/handler.ts exports no "handler" function yet';
    return module.handler as StreamHandler;
  } catch (error) {
    console.error('[local-stack] the audit handler failed to load:', error);
    return `functions/audit/handler.ts failed to load (${(error as Error).message})`;
  }
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const tableName = options.tableName ?? 'ctv-billing-local';
  const buckets: LocalBuckets = { exports: 'exports', usage: 'usage', auditArchive: 'audit-archive', ...options.buckets };
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const scratchDir = options.persist ? undefined : mkdtempSync(join(tmpdir(), 'ctv-billing-s3-'));

  // Everything started so far, stopped in reverse order by stop() or when start-up fails.
  const stops: (() => Promise<void>)[] = [];
  let dynamo: DynamoDbLocal | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const step of stops.splice(0).reverse()) {
        try {
          await step();
        } catch (error) {
          console.error('[local-stack] stopping failed:', error);
        }
      }
      if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
    })());

  try {
    const [dynamoLocal, s3] = await Promise.all([
      startDynamoDbLocal(options.persist ? { dataDir: join(dataDir, 'dynamodb') } : {}),
      startS3Local({ directory: options.persist ? join(dataDir, 's3') : scratchDir!, buckets: Object.values(buckets) }),
    ]);
    dynamo = dynamoLocal;
    stops.push(() => dynamoLocal.stop(), () => (s3 as S3Local).stop());
    log(`DynamoDB Local on ${dynamo.endpoint} (pid ${dynamo.process.pid}, ${options.persist ? `data in ${join(dataDir, 'dynamodb')}` : 'in memory'})`);
    log(`s3rver on ${s3.endpoint} (${options.persist ? `data in ${join(dataDir, 's3')}` : 'temporary data'})`);

    const table = await ensureTable(dynamo.endpoint, tableName);
    log(`table ${tableName} ${table === 'created' ? 'created' : 'already there'}`);

    // The Lambda environment, exactly what the CDK stack sets in AWS plus the local endpoints.
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      EXPORTS_BUCKET: buckets.exports,
      USAGE_BUCKET: buckets.usage,
      AUDIT_ARCHIVE_BUCKET: buckets.auditArchive,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      S3_ENDPOINT: s3.endpoint,
      AWS_REGION: process.env.AWS_REGION ?? LOCAL_AWS.region,
      STAGE: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });

    let poller: StreamPoller | null = null;
    let auditDisabledReason: string | null = 'audit is switched off';
    if (options.audit ?? true) {
      const handler = await loadAuditHandler();
      if (typeof handler === 'string') {
        auditDisabledReason = handler;
      } else {
        poller = await startStreamPoller({ tableName, endpoint: dynamo.endpoint, handler, log });
        stops.push(() => poller!.stop());
        auditDisabledReason = null;
      }
    }
    log(poller ? 'audit: the table stream feeds functions/audit/handler.ts' : `audit disabled: ${auditDisabledReason}`);

    // The domain-events consumer reads the same stream with its own poller, as its own event
    // source mapping does in AWS; its bus is a JSON Lines file.
    const eventsFile = options.eventsFile ?? join(dataDir, 'events.jsonl');
    let eventsPoller: StreamPoller | null = null;
    if (options.events ?? options.audit ?? true) {
      const { eventsHandlerPublishingTo } = (await import(/* @vite-ignore */ pathToFileURL(EVENTS_HANDLER).href)) as typeof import('../../functions/events/handler');
      const handler = eventsHandlerPublishingTo(new JsonlEventSink(eventsFile, (line) => console.log(line)));
      eventsPoller = await startStreamPoller({ tableName, endpoint: dynamo.endpoint, handler, functionName: 'events', log });
      stops.push(() => eventsPoller!.stop());
      log(`domain events: the table stream feeds functions/events/handler.ts, events appended to ${eventsFile}`);
    }

    for (const attach of options.attach ?? []) {
      const detach = await attach({ tableName, buckets, endpoints: { dynamodb: dynamo.endpoint, s3: s3.endpoint }, log });
      if (detach) stops.push(detach);
    }

    const api: LocalApi = await startLocalApi({ port: options.port ?? 3000, host: options.host ?? '127.0.0.1', log, ...(options.outsideApi ? { outsideApi: options.outsideApi } : {}), ...(options.integrationTimeoutMs ? { integrationTimeoutMs: options.integrationTimeoutMs } : {}), ...(options.aroundRequest ? { aroundRequest: options.aroundRequest } : {}) });
    stops.push(() => api.stop());

    return {
      apiUrl: api.url,
      tableName,
      buckets,
      endpoints: { dynamodb: dynamo.endpoint, s3: s3.endpoint },
      dynamoDbPid: dynamo.process.pid,
      poller,
      auditDisabledReason,
      eventsPoller,
      eventsFile,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
