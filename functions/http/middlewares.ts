/**
 * The middy middlewares every HTTP Lambda runs, each of the same shape: a factory returning
 * `{ before?, after?, onError? }` that reads and writes `request.internal.http` (HttpState).
 * Order (see group.ts): request context -> error mapping -> route -> body size -> identity and
 * roles -> JSON -> validation -> idempotency -> handler. middy runs `after`/`onError` in reverse,
 * so the error mapper sees every failure and the request-context headers go on every response.
 */
import { createHash } from 'node:crypto';
import { cleanupMiddlewares } from '@aws-lambda-powertools/commons';
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import { IdempotencyMismatchError, TooLargeError, ValidationError, type ErrorDetail } from '../../shared/domain/kernel/errors';
import type { Clock } from '../../shared/domain/kernel/clock';
import type { IdempotencyStore, StoredResponse } from '../../shared/adapters/dynamodb/idempotency-store';
import type { Operation } from '../../shared/schemas/api/operation';
import { errorResponse, HttpError, mapError } from './errors';
import { identityOf, type Identity } from './identity';
import { logger } from './logger';
import { metrics, MetricUnit } from '../runtime/observability';
import { MetricName } from '../runtime/metric-names';
import { Role, type RouteDef } from './routes';

export const MAX_BODY_BYTES = 1024 * 1024;

export type HttpResult = APIGatewayProxyResultV2 & { statusCode: number; headers: Record<string, string>; body?: string };

/** What the middlewares learn about a request, handed to the route's handler. */
export interface HttpState {
  requestId: string;
  correlationId: string;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  route?: { def: RouteDef; op: Operation };
  identity?: Identity;
  rawBody?: unknown;
  body?: unknown;
  query?: unknown;
  params?: unknown;
  /** Set only when this request took the idempotency record (so only it may release it). */
  idempotency?: { scope: string; key: string };
}

type HttpRequest = Request<APIGatewayProxyEventV2, HttpResult, Error, import('aws-lambda').Context, { http: HttpState }>;
export type HttpMiddleware = MiddlewareObj<APIGatewayProxyEventV2, HttpResult, Error, import('aws-lambda').Context, { http: HttpState }>;

const state = (request: HttpRequest): HttpState => request.internal.http;

/** The handler proper only receives the event, so it finds the request's state through it. */
const stateOfEvent = new WeakMap<object, HttpState>();
export const httpStateOf = (event: object): HttpState | undefined => stateOfEvent.get(event);

function lowerCaseHeaders(headers: APIGatewayProxyEventV2['headers'] | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request and correlation ids, logger context, and the ids echoed on every response. */
export function requestContext(newId: () => string): HttpMiddleware {
  const stamp = (request: HttpRequest) => {
    const http = request.internal.http;
    if (request.response && http) {
      request.response.headers = { ...request.response.headers, 'x-request-id': http.requestId, 'x-correlation-id': http.correlationId };
    }
  };
  return {
    before: (request) => {
      const event = (request.event ?? {}) as Partial<APIGatewayProxyEventV2>;
      const headers = lowerCaseHeaders(event.headers);
      const gatewayId = event.requestContext?.requestId;
      const requestId = typeof gatewayId === 'string' && SAFE_ID.test(gatewayId) ? gatewayId : newId();
      const given = headers['x-correlation-id'];
      const correlationId = given && SAFE_ID.test(given) ? given : requestId;
      request.internal.http = { requestId, correlationId, headers };
      if (typeof request.event === 'object' && request.event !== null) stateOfEvent.set(request.event, request.internal.http);
      logger.resetKeys();
      logger.appendKeys({ requestId, correlationId, routeKey: typeof event.routeKey === 'string' ? event.routeKey : undefined });
      if (request.context && typeof request.context === 'object' && 'functionName' in request.context) logger.addContext(request.context);
    },
    after: stamp,
    onError: stamp,
  };
}

/**
 * Counts every response and the 5xx ones (0 or 1 per request, so the average is the 5xx rate).
 * Outside the request context and the error mapper, so it sees the final status of failures too.
 */
export function apiMetrics(): HttpMiddleware {
  const count = (request: HttpRequest) => countResponse(request.response?.statusCode ?? 500, request.internal.http);
  return { after: count, onError: count };
}

/** The ids go in as EMF metadata (searchable in the log line, not dimensions): a spike leads to its requests. */
function countResponse(status: number, http: HttpState | undefined): void {
  metrics.addMetric(MetricName.API_REQUESTS, MetricUnit.Count, 1);
  metrics.addMetric(MetricName.API_5XX, MetricUnit.Count, status >= 500 ? 1 : 0);
  if (http) {
    metrics.addMetadata('requestId', http.requestId);
    metrics.addMetadata('correlationId', http.correlationId);
  }
}

/** Turns any failure into the one error body; 5xx details go to the log only. */
export function errorMapping(): HttpMiddleware {
  return {
    onError: (request) => {
      const mapped = mapError(request.error);
      if (mapped.internal) logger.error('request failed', { error: request.error as Error });
      else logger.info('request rejected', { status: mapped.status, code: mapped.body.error.code });
      request.response = errorResponse(mapped);
    },
  };
}

/** Finds the route by API Gateway's routeKey; an unknown one is 404, not a crash. */
export function resolveRoute(routes: ReadonlyMap<string, { def: RouteDef; op: Operation }>): HttpMiddleware {
  return {
    before: (request) => {
      const routeKey = (request.event as Partial<APIGatewayProxyEventV2> | undefined)?.routeKey;
      const route = typeof routeKey === 'string' ? routes.get(routeKey) : undefined;
      if (!route) throw new HttpError(404, 'route_not_found', 'no such route');
      state(request).route = route;
    },
  };
}

function bodyBytes(event: APIGatewayProxyEventV2): number {
  if (typeof event.body !== 'string') return 0;
  return event.isBase64Encoded ? Math.floor((event.body.length * 3) / 4) : Buffer.byteLength(event.body, 'utf8');
}

/** 413 before anything reads a body over the limit. */
export function bodySizeGuard(maxBytes = MAX_BODY_BYTES): HttpMiddleware {
  return {
    before: (request) => {
      if (bodyBytes(request.event) > maxBytes) throw new TooLargeError(`request bodies are limited to ${maxBytes} bytes`);
    },
  };
}

/** 401 without a verified identity, 403 when none of the caller's roles may use the route. */
export function authorize(): HttpMiddleware {
  return {
    before: (request) => {
      const http = state(request);
      const roles = http.route!.def.roles;
      if (roles === null) return;
      const identity = identityOf(request.event);
      http.identity = identity;
      logger.appendKeys({ actor: identity.sub });
      // A token holding `advertiser` is confined to that advertiser whatever else it holds, and
      // only the routes open to advertisers check the tenant: its other roles open nothing.
      const usable = identity.advertiserId !== null ? [Role.ADVERTISER] : identity.roles;
      if (!usable.some((r) => roles.includes(r))) {
        throw new HttpError(403, 'forbidden', 'your roles do not allow this operation');
      }
    },
  };
}

/** Parses the JSON body of routes that take one (400 `invalid_json`); an empty body is `{}`. */
export function jsonBody(): HttpMiddleware {
  return {
    before: (request) => {
      const http = state(request);
      if (!http.route!.op.body) return;
      const { body, isBase64Encoded } = request.event;
      const text = typeof body === 'string' ? (isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body) : '';
      if (text.trim() === '') {
        http.rawBody = {};
        return;
      }
      try {
        http.rawBody = JSON.parse(text);
      } catch (error) {
        throw new HttpError(400, 'invalid_json', 'the request body is not valid JSON', [], { cause: error });
      }
      // JSON.parse takes any depth, but everything after it (canonical JSON for idempotency,
      // audit images) recurses: 1 MiB of `[[[...` would overflow the stack and answer 500.
      if (nestingDepth(text) > MAX_JSON_DEPTH) {
        throw new HttpError(400, 'invalid_json', `the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
      }
    },
  };
}

/** Far deeper than any request body of the API, far shallower than the stack. */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays and objects in valid JSON text, brackets inside strings skipped. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** zod issues as field paths; unknown keys (mass assignment) get one detail per key. */
export function issueDetails(issues: readonly z.core.$ZodIssue[], prefix: string): ErrorDetail[] {
  const join = (path: readonly PropertyKey[]) => [prefix, ...path.map(String)].filter((p) => p !== '').join('.');
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: join([...issue.path, key]), message: 'unknown field' }))
      : [{ path: join(issue.path) || prefix || '(root)', message: issue.message }],
  );
}

/** Validates body, query and path parameters against the route's zod schemas (400 with paths). */
export function validate(): HttpMiddleware {
  return {
    before: (request) => {
      const http = state(request);
      const op = http.route!.op;
      const details: ErrorDetail[] = [];
      const check = (schema: z.ZodType | undefined, input: unknown, prefix: string): unknown => {
        if (!schema) return undefined;
        const parsed = schema.safeParse(input);
        if (parsed.success) return parsed.data;
        details.push(...issueDetails(parsed.error.issues, prefix));
        return undefined;
      };
      http.body = check(op.body, http.rawBody, '');
      http.query = check(op.query, request.event.queryStringParameters ?? {}, 'query');
      http.params = check(op.params, request.event.pathParameters ?? {}, 'path');
      if (details.length > 0) throw new ValidationError('the request is not valid', details);
    },
  };
}

/** Canonical JSON (sorted keys), so the same body written differently hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Idempotency-Key on POSTs: the first request with a key executes and its response is stored;
 * the same key and body replays it (status, body, headers); a different body is 422; a request
 * arriving while the first still runs is 409 `idempotency_in_progress`. Keys are scoped to the
 * caller and the concrete path, so two users (or two versions' approve routes) never collide.
 */
export function idempotency(store: () => IdempotencyStore | null, clock: Clock): HttpMiddleware {
  return {
    before: async (request) => {
      const http = state(request);
      if (http.route!.def.method !== 'POST') return;
      const key = http.headers['idempotency-key'];
      if (key === undefined) return;
      if (!IDEMPOTENCY_KEY.test(key)) {
        throw new ValidationError('Idempotency-Key must be 1-255 visible ASCII characters', [{ path: 'header.idempotency-key', message: 'invalid' }]);
      }
      const target = store();
      if (!target) return;
      const caller = http.identity?.sub ?? 'anonymous';
      const scope = sha256(`${caller}\n${http.route!.def.method} ${request.event.rawPath ?? http.route!.def.path}`).slice(0, 32);
      const outcome = await target.begin(scope, key, sha256(canonicalJson(http.rawBody ?? null)), clock.now());
      switch (outcome.kind) {
        case 'started':
          http.idempotency = { scope, key };
          return;
        case 'mismatch':
          throw new IdempotencyMismatchError();
        case 'in_progress':
          throw new HttpError(409, 'idempotency_in_progress', 'a request with this Idempotency-Key is still being processed; retry shortly');
        case 'replay':
          // An early response skips the `after` phase: the request ids are stamped here, and the
          // response counted, its metrics flushed and its trace closed through Powertools' cleanup.
          countResponse(outcome.response.statusCode, http);
          await cleanupMiddlewares(request);
          return {
            ...outcome.response,
            headers: { ...outcome.response.headers, 'idempotency-replayed': 'true', 'x-request-id': http.requestId, 'x-correlation-id': http.correlationId },
          } satisfies StoredResponse;
      }
    },
    after: async (request) => {
      const taken = state(request).idempotency;
      const response = request.response;
      if (!taken || !response) return;
      const { 'x-request-id': _r, 'x-correlation-id': _c, ...headers } = response.headers;
      await store()!.complete(taken.scope, taken.key, { statusCode: response.statusCode, headers, body: response.body ?? '' });
      state(request).idempotency = undefined;
    },
    onError: async (request) => {
      const taken = request.internal.http?.idempotency;
      if (!taken) return;
      // A failed attempt is forgotten: the client may retry the same key after fixing the cause.
      await store()!.release(taken.scope, taken.key).catch((error: unknown) => logger.warn('idempotency release failed', { error: error as Error }));
    },
  };
}
