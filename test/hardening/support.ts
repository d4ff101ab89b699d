/**
 * Shared pieces of the hardening tests: calling a group's Lambda in-process with the very event
 * the local API Gateway stand-in builds (the HTTP path calls the same handler with the same
 * event), the error-body contract, and a byte-exact snapshot of a test table.
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { ROUTES, type RouteDef } from '../../shared/schemas/api/routes';
import { buildEvent, toApiGatewayClaims, toHttpResponse } from '../../scripts/lib/local-api';
import { verifyDevToken } from '../../scripts/lib/dev-auth';
import { lambdaContext } from '../../scripts/lib/lambda-context';
import { documentClient } from '../support/aws';
import type { TestApi } from '../support/api';

const root = resolve(import.meta.dirname, '..', '..');

type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown>;
const loaded = new Map<string, LambdaHandler>();

/** The group's real handler, imported the way the local API imports it (after startTestApi()). */
export async function groupHandler(group: string): Promise<LambdaHandler> {
  let handler = loaded.get(group);
  if (!handler) {
    const module = (await import(/* @vite-ignore */ pathToFileURL(join(root, 'functions', group, 'handler.ts')).href)) as { handler: LambdaHandler };
    handler = module.handler;
    loaded.set(group, handler);
  }
  return handler;
}

/** API Gateway's flattened claims of a verified development token. */
export async function claimsOf(token: string): Promise<Record<string, string>> {
  return toApiGatewayClaims(await verifyDevToken(token));
}

export interface InvokeRequest {
  route: RouteDef;
  pathParameters?: Record<string, string>;
  rawQueryString?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  claims?: Record<string, string>;
}

export interface InvokeResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any;
}

/** A concrete path for a template, each parameter percent-encoded as a client would send it. */
export function concretePath(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => percentEncode(params[name] ?? ''));
}

/** encodeURIComponent that also takes lone surrogates (sent as U+FFFD, as a client's UTF-8 encoder would). */
export const percentEncode = (text: string): string =>
  encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** One request through the group's Lambda, in-process, with a payload-format-2.0 event. */
export async function invoke(request: InvokeRequest): Promise<InvokeResult> {
  const params = request.pathParameters ?? {};
  const rawHeaders: string[] = ['host', '127.0.0.1:3000', 'user-agent', 'hardening-fuzz'];
  for (const [name, value] of Object.entries(request.headers ?? {})) rawHeaders.push(name, value);
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
  const requestId = randomUUID();
  const event = buildEvent(
    {
      method: request.route.method,
      rawPath: concretePath(request.route.path, params),
      rawQueryString: request.rawQueryString ?? '',
      rawHeaders,
      body,
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
      now: new Date(),
      requestId,
    },
    request.route,
    params,
    request.route.roles === null ? undefined : request.claims,
  );
  const handler = await groupHandler(request.route.group);
  const response = toHttpResponse(await handler(event, lambdaContext(request.route.group, requestId, 30_000)));
  const text = response.body.toString('utf8');
  // Parsed on first use: the fuzz only reads error bodies, and some successes are large.
  let parsed: { json: unknown } | undefined;
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    get json() {
      if (!parsed) {
        try {
          parsed = { json: text ? JSON.parse(text) : undefined };
        } catch {
          parsed = { json: undefined };
        }
      }
      return parsed.json;
    },
  };
}

/** `{ error: { code, message, details: [{ path, message }] } }` and nothing else. */
export function isErrorBody(json: unknown): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const keys = Object.keys(json);
  if (keys.length !== 1 || keys[0] !== 'error') return false;
  const error = (json as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, details } = error as Record<string, unknown>;
  return (
    typeof code === 'string' &&
    /^[a-z][a-z0-9_]*$/.test(code) &&
    typeof message === 'string' &&
    Array.isArray(details) &&
    details.every((d) => typeof d === 'object' && d !== null && typeof (d as { path?: unknown }).path === 'string' && typeof (d as { message?: unknown }).message === 'string')
  );
}

export function expectErrorBody(result: { status: number; json: unknown; text: string }, context = ''): void {
  expect(isErrorBody(result.json), `${context} ${result.status} ${result.text.slice(0, 300)}`).toBe(true);
}

/** Every item of a test table, canonical and sorted: tests may Scan their own fresh table. */
export async function tableSnapshot(tableName: string): Promise<string[]> {
  const client = documentClient();
  const items: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) items.push(stableJson(item));
    start = page.LastEvaluatedKey;
  } while (start);
  client.destroy();
  return items.sort();
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value instanceof Set) return `set(${[...value].map(String).sort().join(',')})`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** Runs `tasks` with at most `width` in flight. */
export async function pool<T>(items: readonly T[], width: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/**
 * api.request with one retry when the connection is reset: after a long in-process phase the
 * client may reuse a kept-alive connection the server has just closed (nothing was received).
 */
export function requestRetrying(api: TestApi, ...args: Parameters<TestApi['request']>): ReturnType<TestApi['request']> {
  return api.request(...args).catch((error: unknown) => {
    if (String((error as Error).cause ?? '').includes('ECONNRESET')) return api.request(...args);
    throw error;
  });
}

export const routeByKey = (key: string): RouteDef => {
  const found = ROUTES.find((r) => `${r.method} ${r.path}` === key);
  if (!found) throw new Error(`no route ${key}`);
  return found;
};

/** Quiets the per-request logs of the handlers (a fuzz run would print hundreds of thousands). */
export function quietHandlerLogs(): void {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
}
