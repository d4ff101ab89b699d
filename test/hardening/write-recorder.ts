/**
 * What one request stored: every successful write the handlers' own DynamoDB and S3 clients
 * (functions/runtime/clients.ts) make, attributed to the request that made it through an
 * AsyncLocalStorage scope (in-process: around the handler call; over HTTP: around the local
 * server's handling, `aroundRequest`). The writes still go to DynamoDB Local and s3rver; this
 * only watches them, so the fuzz can run many requests at once and still say, for each refused
 * one, that it left nothing behind.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';

export interface StoredWrite {
  /** The SDK command, e.g. `PutCommand`, `TransactWriteItemsCommand`, `PutObjectCommand`. */
  command: string;
  op: 'put' | 'update' | 'delete';
  /** `pk|sk` of a table item, or `s3://bucket/key`. */
  key: string;
}

const scope = new AsyncLocalStorage<StoredWrite[]>();
/** Writes made outside any scope (none expected while the fuzz runs). */
export const unscopedWrites: StoredWrite[] = [];

type Attribute = string | { S?: string } | undefined;
const text = (value: Attribute): string => (typeof value === 'string' ? value : (value?.S ?? '?'));
const itemKey = (item: Record<string, Attribute> | undefined): string => `${text(item?.pk)}|${text(item?.sk)}`;

interface AnyInput {
  Item?: Record<string, Attribute>;
  Key?: Record<string, Attribute> | string;
  Bucket?: string;
  TransactItems?: Array<{ Put?: { Item: Record<string, Attribute> }; Update?: { Key: Record<string, Attribute> }; Delete?: { Key: Record<string, Attribute> } }>;
  RequestItems?: Record<string, Array<{ PutRequest?: { Item: Record<string, Attribute> }; DeleteRequest?: { Key: Record<string, Attribute> } }>>;
  Delete?: { Objects?: Array<{ Key?: string }> };
}

/** The items or objects a successful write command changed. */
export function writesOf(command: string, input: AnyInput): StoredWrite[] {
  const name = command.replace(/Command$/, '');
  switch (name) {
    case 'Put':
    case 'PutItem':
      return [{ command, op: 'put', key: itemKey(input.Item) }];
    case 'Update':
    case 'UpdateItem':
      return [{ command, op: 'update', key: itemKey(input.Key as Record<string, Attribute>) }];
    case 'Delete':
    case 'DeleteItem':
      return [{ command, op: 'delete', key: itemKey(input.Key as Record<string, Attribute>) }];
    case 'TransactWrite':
    case 'TransactWriteItems':
      return (input.TransactItems ?? []).flatMap((t): StoredWrite[] =>
        t.Put ? [{ command, op: 'put', key: itemKey(t.Put.Item) }] : t.Update ? [{ command, op: 'update', key: itemKey(t.Update.Key) }] : t.Delete ? [{ command, op: 'delete', key: itemKey(t.Delete.Key) }] : [],
      );
    case 'BatchWrite':
    case 'BatchWriteItem':
      return Object.values(input.RequestItems ?? {}).flatMap((requests) =>
        requests.map((r): StoredWrite => (r.PutRequest ? { command, op: 'put', key: itemKey(r.PutRequest.Item) } : { command, op: 'delete', key: itemKey(r.DeleteRequest?.Key) })),
      );
    case 'PutObject':
    case 'CopyObject':
    case 'CompleteMultipartUpload':
      return [{ command, op: 'put', key: `s3://${input.Bucket}/${String(input.Key)}` }];
    case 'DeleteObject':
      return [{ command, op: 'delete', key: `s3://${input.Bucket}/${String(input.Key)}` }];
    case 'DeleteObjects':
      return (input.Delete?.Objects ?? []).map((o) => ({ command, op: 'delete' as const, key: `s3://${input.Bucket}/${o.Key}` }));
    default:
      return [];
  }
}

interface Stack {
  middlewareStack: { add: (middleware: unknown, options: { step: string; name: string }) => void };
}

const installed = new WeakSet<object>();

/** Watches a client's successful writes (idempotent per client). */
export function recordWritesOf(sdkClient: { middlewareStack: object }): void {
  if (installed.has(sdkClient)) return;
  installed.add(sdkClient);
  const client = sdkClient as unknown as Stack;
  client.middlewareStack.add(
    (next: (args: { input: AnyInput }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: AnyInput }) => {
      const output = await next(args);
      const writes = writesOf(context.commandName ?? '', args.input);
      if (writes.length > 0) (scope.getStore() ?? unscopedWrites).push(...writes);
      return output;
    },
    { step: 'initialize', name: 'hardeningWriteRecorder' },
  );
}

/** Runs `fn` with its writes collected. */
export async function withWrites<T>(fn: () => Promise<T>): Promise<{ value: T; writes: StoredWrite[] }> {
  const writes: StoredWrite[] = [];
  const value = await scope.run(writes, fn);
  return { value, writes };
}

/** Writes of HTTP requests, by the `x-fuzz-request` header the fuzz sets on each. */
export const httpWrites = new Map<string, StoredWrite[]>();

/** The local server's `aroundRequest`: a scope per request carrying `x-fuzz-request`. */
export function aroundFuzzRequest<T>(req: IncomingMessage, handle: () => Promise<T>): Promise<T> {
  const id = req.headers['x-fuzz-request'];
  if (typeof id !== 'string') return handle();
  const writes: StoredWrite[] = [];
  httpWrites.set(id, writes);
  return scope.run(writes, handle);
}

const IDEMPOTENCY_ITEM = /^IDEMPOTENCY#/;

/**
 * What a request left stored: every key whose last write was not a delete, except an
 * idempotency record taken and released by the same request (a refused request forgets its
 * Idempotency-Key, so the client may retry it). Empty: nothing stored.
 */
export function leftStored(writes: readonly StoredWrite[]): string[] {
  const last = new Map<string, StoredWrite>();
  for (const write of writes) last.set(write.key, write);
  return [...last.values()].filter((w) => !(w.op === 'delete' && IDEMPOTENCY_ITEM.test(w.key))).map((w) => `${w.command} ${w.op} ${w.key}`);
}
