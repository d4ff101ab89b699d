/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0, JWT authorizer): a
 * node:http server that routes with the same route table as the CDK stack, verifies the
 * development token where the deployed authorizer would verify the Cognito token, builds the
 * `APIGatewayProxyEventV2WithJWTAuthorizer` the handler would receive in AWS, and calls the
 * group's real handler (`functions/<group>/handler.ts`).
 *
 * What it deliberately does like API Gateway:
 * - Authentication only: a missing, malformed, expired or badly signed token on a protected
 *   route is a 401 before any handler runs. ROLE checks are NOT done here (API Gateway does not
 *   do them either); the handlers authorize with the route table's `roles` and answer 403.
 * - Claims are flattened the way the HTTP API JWT authorizer flattens them (see `toApiGatewayClaims`).
 * - Public routes (`roles: null`) get no `authorizer` in their request context.
 * - Structured and non-structured handler results (see `toHttpResponse`); an exception or a
 *   malformed result is a 500; a handler slower than the integration timeout is a 503.
 *
 * What it adds: a 413 for bodies over the API's 1 MiB limit before the handler is called. In
 * AWS, API Gateway itself accepts up to 10 MB (and Lambda 6 MB), so the deployed handlers must
 * enforce the 1 MiB limit themselves; this early check only keeps the local server honest.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ROUTES, routeKey, type HttpMethod, type RouteDef } from '../../shared/schemas/api/routes';
import { verifyDevToken } from './dev-auth';
import { lambdaContext } from './lambda-context';

/** The API's request body limit (API.md); larger bodies answer 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** API Gateway HTTP API's maximum integration timeout; past it the client gets 503. */
const INTEGRATION_TIMEOUT_MS = 30_000;
/** Past this many bytes an oversized upload is cut off instead of drained. */
const DRAIN_LIMIT_BYTES = 16 * MAX_BODY_BYTES;

const root = resolve(import.meta.dirname, '..', '..');

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

export type RouteMatch =
  | { kind: 'matched'; route: RouteDef; pathParameters: Record<string, string> }
  | { kind: 'method_not_allowed'; allowed: HttpMethod[] }
  | { kind: 'not_found' };

/** A route template split once: literal segments to compare, `{param}` segments to capture. */
interface CompiledRoute {
  route: RouteDef;
  /** Per segment: the literal to equal, or null for a parameter. */
  literals: (string | null)[];
  /** Per segment: the parameter's name, or null for a literal. */
  params: (string | null)[];
  literalCount: number;
}

function compile(route: RouteDef): CompiledRoute {
  const segments = route.path.split('/');
  const params = segments.map((segment) => /^\{(\w+)\}$/.exec(segment)?.[1] ?? null);
  return { route, literals: segments.map((segment, i) => (params[i] === null ? segment : null)), params, literalCount: params.filter((p) => p === null).length };
}

/** Route tables compiled once, grouped by their number of path segments. */
const compiledTables = new WeakMap<readonly RouteDef[], Map<number, CompiledRoute[]>>();

function compiledTable(routes: readonly RouteDef[]): Map<number, CompiledRoute[]> {
  let table = compiledTables.get(routes);
  if (!table) {
    table = new Map();
    for (const route of routes) {
      const compiled = compile(route);
      const list = table.get(compiled.literals.length) ?? [];
      list.push(compiled);
      table.set(compiled.literals.length, list);
    }
    compiledTables.set(routes, table);
  }
  return table;
}

function matchTemplate(compiled: CompiledRoute, segments: readonly string[]): Record<string, string> | null {
  for (let i = 0; i < segments.length; i++) {
    const literal = compiled.literals[i];
    if (literal !== null) {
      if (literal !== segments[i]) return null;
    } else if (segments[i] === '') {
      return null;
    }
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const name = compiled.params[i];
    if (name !== null && name !== undefined) params[name] = safeDecode(segments[i]!);
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Finds the route for a request the way API Gateway does: the most specific template wins
 * (literal segments beat `{param}` segments); a known path with another method is 405.
 */
export function matchRoute(method: string, rawPath: string, routes: readonly RouteDef[] = ROUTES): RouteMatch {
  const segments = rawPath.split('/');
  const upper = method.toUpperCase();
  let best: { compiled: CompiledRoute; params: Record<string, string> } | undefined;
  const allowed = new Set<HttpMethod>();
  for (const compiled of compiledTable(routes).get(segments.length) ?? []) {
    const params = matchTemplate(compiled, segments);
    if (params === null) continue;
    allowed.add(compiled.route.method);
    // The first of equally specific templates wins, as the table's order had it.
    if (compiled.route.method === upper && (!best || compiled.literalCount > best.compiled.literalCount)) best = { compiled, params };
  }
  if (best) return { kind: 'matched', route: best.compiled.route, pathParameters: best.params };
  if (allowed.size === 0) return { kind: 'not_found' };
  return { kind: 'method_not_allowed', allowed: [...allowed] };
}

// ---------------------------------------------------------------------------------------------
// Claims, as API Gateway hands them to the Lambda
// ---------------------------------------------------------------------------------------------

/**
 * Flattens verified JWT claims the way the HTTP API JWT authorizer does in
 * `requestContext.authorizer.jwt.claims`: every value becomes a STRING.
 * - strings stay as they are: `sub: "alice"`, `advertiserId: "ADV123"`;
 * - numbers and booleans are stringified: `exp: "1795667201"`;
 * - arrays become `[` + items joined by single spaces + `]`: `roles: ["ops","approver"]`
 *   arrives as `"[ops approver]"`, and `["ops"]` as `"[ops]"` (never JSON text);
 * - null claims are left out; nested objects arrive as JSON text.
 * Handlers must read identity only through functions/http/identity.ts, which parses this form.
 */
export function toApiGatewayClaims(payload: Record<string, unknown>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) claims[name] = `[${value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(' ')}]`;
    else if (typeof value === 'object') claims[name] = JSON.stringify(value);
    else claims[name] = String(value);
  }
  return claims;
}

/**
 * Tokens already verified, with their flattened claims. A client sends the same token on every
 * request, and checking its HS256 signature and claims each time was a large share of the
 * local authorizer's cost per request. An entry serves only while `now` is before the token's
 * `exp` (jose's own rule, no tolerance); after that the token is verified again, and refused as
 * expired. Tokens with `nbf` are not kept. Each request gets its own copy of the claims.
 */
const verifiedTokens = new Map<string, { claims: Record<string, string>; expiresAtMs: number }>();
const MAX_VERIFIED_TOKENS = 10_000;

export async function verifiedClaims(token: string, now: Date): Promise<Record<string, string>> {
  const known = verifiedTokens.get(token);
  if (known && now.getTime() < known.expiresAtMs) return { ...known.claims };
  verifiedTokens.delete(token);
  const payload = await verifyDevToken(token, { now });
  const claims = toApiGatewayClaims(payload);
  if (payload.nbf === undefined && Number.isFinite(payload.exp)) {
    if (verifiedTokens.size >= MAX_VERIFIED_TOKENS) verifiedTokens.clear();
    verifiedTokens.set(token, { claims, expiresAtMs: payload.exp * 1000 });
  }
  return { ...claims };
}

// ---------------------------------------------------------------------------------------------
// Event
// ---------------------------------------------------------------------------------------------

export interface RequestFacts {
  method: string;
  /** Path exactly as sent, without the query string. */
  rawPath: string;
  rawQueryString: string;
  /** `IncomingMessage.rawHeaders`: alternating names and values, duplicates kept. */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  protocol: string;
  now: Date;
  requestId: string;
}

const TEXT_CONTENT_TYPE = /^(text\/|application\/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|x-www-form-urlencoded|javascript))/i;

function isUtf8(body: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}

/** `25/Nov/2026:20:30:00 +0000`, API Gateway's `requestContext.time`. */
function clfTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

/**
 * Builds the payload-format-2.0 event API Gateway would send for this request. `claims` is
 * undefined on public routes, which then carry no `authorizer` (as in AWS).
 */
export function buildEvent(
  facts: RequestFacts,
  route: RouteDef,
  pathParameters: Record<string, string>,
  claims: Record<string, string> | undefined,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  // Header names are lower-cased and repeated headers joined with commas; cookies move to `cookies`.
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (let i = 0; i + 1 < facts.rawHeaders.length; i += 2) {
    const name = facts.rawHeaders[i]!.toLowerCase();
    const value = facts.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies = cookies.concat(value.split(';').map((c) => c.trim()).filter(Boolean));
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${facts.sourceIp}` : facts.sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  const host = headers.host ?? 'localhost';
  headers['x-forwarded-port'] ??= host.includes(':') ? host.slice(host.lastIndexOf(':') + 1) : '80';
  headers['x-amzn-trace-id'] ??= `Root=1-${Math.floor(facts.now.getTime() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`;

  // Repeated query parameters are joined with commas, as in payload format 2.0.
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(facts.rawQueryString)) {
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  }

  const contentType = headers['content-type'] ?? '';
  const textual = contentType === '' || TEXT_CONTENT_TYPE.test(contentType);
  const base64 = facts.body.length > 0 && !(textual && isUtf8(facts.body));
  const domainName = host.replace(/:\d+$/, '');

  const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: facts.rawPath,
    rawQueryString: facts.rawQueryString,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: facts.method.toUpperCase(),
        path: facts.rawPath,
        protocol: facts.protocol,
        sourceIp: facts.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: facts.requestId,
      routeKey: routeKey(route),
      stage: '$default',
      time: clfTime(facts.now),
      timeEpoch: facts.now.getTime(),
      // Replaced below for protected routes; removed for public ones.
      authorizer: undefined as never,
    },
    isBase64Encoded: base64,
  };
  if (claims) {
    // No route declares authorization scopes, and then API Gateway passes `scopes: null`.
    event.requestContext.authorizer = { principalId: '', integrationLatency: 0, jwt: { claims, scopes: null } };
  } else {
    delete (event.requestContext as { authorizer?: unknown }).authorizer;
  }
  if (cookies.length > 0) event.cookies = cookies;
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  if (Object.keys(pathParameters).length > 0) event.pathParameters = { ...pathParameters };
  if (facts.body.length > 0) event.body = facts.body.toString(base64 ? 'base64' : 'utf8');
  return event;
}

// ---------------------------------------------------------------------------------------------
// Result
// ---------------------------------------------------------------------------------------------

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * Turns a handler's return value into the HTTP response, with payload format 2.0 rules: an
 * object with `statusCode` is a structured result; anything else (a string, an object without
 * `statusCode`) is a 200 `application/json` whose body is the string itself or the JSON text.
 */
export function toHttpResponse(result: unknown): HttpResponse {
  const isStructured = typeof result === 'object' && result !== null && 'statusCode' in result;
  if (!isStructured) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(body, 'utf8') };
  }
  const structured = result as APIGatewayProxyStructuredResultV2;
  const statusCode = Number(structured.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new Error(`handler returned an invalid statusCode: ${String(structured.statusCode)}`);
  }
  if (structured.body !== undefined && typeof structured.body !== 'string') {
    throw new Error('handler returned a non-string body (payload format 2.0 requires a string)');
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name.toLowerCase()] = String(value);
  const text = structured.body ?? '';
  return {
    statusCode,
    headers,
    cookies: (structured.cookies ?? []).map(String),
    body: structured.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
  };
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

const handlers = new Map<string, LambdaHandler>();

class HandlerMissingError extends Error {
  override readonly name = 'HandlerMissingError';
}

/** Imports `functions/<group>/handler.ts` once; a group whose handler is not written yet is a 501. */
async function loadHandler(group: string): Promise<LambdaHandler> {
  const cached = handlers.get(group);
  if (cached) return cached;
  const entry = join(root, 'functions', group, 'handler.ts');
  if (!existsSync(entry)) {
    throw new HandlerMissingError(`the "${group}" Lambda (functions/${group}/handler.ts) is not implemented yet`);
  }
  // The entry is only known at run time (tsx and vitest both load .ts from a file URL).
  const module = (await import(/* @vite-ignore */ pathToFileURL(entry).href)) as { handler?: unknown };
  if (typeof module.handler !== 'function') {
    throw new HandlerMissingError(`functions/${group}/handler.ts does not export a "handler" function yet`);
  }
  const handler = module.handler as LambdaHandler;
  handlers.set(group, handler);
  return handler;
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

export interface LocalApiOptions {
  /** 0 or absent: a free port. */
  port?: number;
  host?: string;
  /** One line per request (`GET /v1/health 200 3 ms`); silent when absent. */
  log?: (line: string) => void;
  maxBodyBytes?: number;
  integrationTimeoutMs?: number;
  /**
   * Requests outside the API (paths not under `/v1/`) go here first, e.g. the web console's
   * static files; it answers and returns true, or returns false for the usual 404.
   */
  outsideApi?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /**
   * Runs around each request's handling (tests use it to attribute what a request did, e.g. an
   * AsyncLocalStorage scope per request); absent: the request is handled as it is.
   */
  aroundRequest?: <T>(req: IncomingMessage, handle: () => Promise<T>) => Promise<T>;
}

export interface LocalApi {
  url: string;
  stop(): Promise<void>;
}

function errorBody(code: string, message: string): Buffer {
  return Buffer.from(JSON.stringify({ error: { code, message, details: [] } }), 'utf8');
}

function errorResponse(statusCode: number, code: string, message: string, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, cookies: [], body: errorBody(code, message) };
}

/** Reads the body; past `limit` it keeps draining (so the client reads our 413) and returns null. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolvePromise, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT_BYTES) {
        req.destroy();
        return;
      }
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolvePromise(tooLarge ? null : Buffer.concat(chunks)));
    req.on('close', () => resolvePromise(tooLarge ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((r) => { timer = setTimeout(() => r(TIMED_OUT), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
const TIMED_OUT = Symbol('timed out');

async function respondTo(req: IncomingMessage, options: Required<Pick<LocalApiOptions, 'maxBodyBytes' | 'integrationTimeoutMs'>>): Promise<{ response: HttpResponse; requestId: string }> {
  const requestId = randomUUID();
  const now = new Date();
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : url.slice(queryAt + 1);
  const method = (req.method ?? 'GET').toUpperCase();

  const body = await readBody(req, options.maxBodyBytes);
  const match = matchRoute(method, rawPath);
  if (match.kind === 'not_found') {
    return { requestId, response: errorResponse(404, 'not_found', `no route for ${method} ${rawPath}`) };
  }
  if (match.kind === 'method_not_allowed') {
    return {
      requestId,
      response: errorResponse(405, 'method_not_allowed', `${method} is not allowed on ${rawPath} (allowed: ${match.allowed.join(', ')})`, { allow: match.allowed.join(', ') }),
    };
  }
  const { route, pathParameters } = match;

  let claims: Record<string, string> | undefined;
  if (route.roles !== null) {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    const unauthorized = (why: string) => ({
      requestId,
      response: errorResponse(401, 'unauthenticated', `Unauthorized: ${why}`, { 'www-authenticate': 'Bearer' }),
    });
    if (!token) return unauthorized(header ? 'the Authorization header is not "Bearer <token>"' : 'a bearer token is required');
    try {
      claims = await verifiedClaims(token, now);
    } catch (error) {
      return unauthorized((error as Error).message);
    }
  }

  if (body === null) {
    return { requestId, response: errorResponse(413, 'payload_too_large', `request bodies are limited to ${options.maxBodyBytes} bytes`) };
  }

  let handler: LambdaHandler;
  try {
    handler = await loadHandler(route.group);
  } catch (error) {
    if (error instanceof HandlerMissingError) return { requestId, response: errorResponse(501, 'not_implemented', error.message) };
    console.error(`[local-api] could not load the "${route.group}" handler:`, error);
    return { requestId, response: errorResponse(500, 'internal_error', 'Internal Server Error') };
  }

  const facts: RequestFacts = {
    method,
    rawPath,
    rawQueryString,
    rawHeaders: req.rawHeaders,
    body,
    sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    protocol: `HTTP/${req.httpVersion}`,
    now,
    requestId,
  };
  const event = buildEvent(facts, route, pathParameters, claims);
  try {
    const context = lambdaContext(route.group, requestId, options.integrationTimeoutMs);
    const result = await withTimeout(Promise.resolve(handler(event, context)), options.integrationTimeoutMs);
    if (result === TIMED_OUT) return { requestId, response: errorResponse(503, 'service_unavailable', 'Service Unavailable: the handler timed out') };
    return { requestId, response: toHttpResponse(result) };
  } catch (error) {
    // API Gateway hides the failure from the client; the Lambda's log shows it.
    console.error(`[local-api] ${routeKey(route)} failed:`, error);
    return { requestId, response: errorResponse(500, 'internal_error', 'Internal Server Error') };
  }
}

function write(res: ServerResponse, response: HttpResponse, requestId: string): void {
  const headers: Record<string, string | string[]> = { ...response.headers, 'apigw-requestid': requestId };
  if (response.cookies.length > 0) headers['set-cookie'] = response.cookies;
  headers['content-length'] = String(response.body.length);
  res.writeHead(response.statusCode, headers);
  res.end(response.body);
}

export async function startLocalApi(options: LocalApiOptions = {}): Promise<LocalApi> {
  const settings = {
    maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    integrationTimeoutMs: options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS,
  };
  const host = options.host ?? '127.0.0.1';
  const around = options.aroundRequest ?? (<T>(_req: IncomingMessage, handle: () => Promise<T>) => handle());
  const server = createServer((req, res) => {
    const started = Date.now();
    if (options.outsideApi && !(req.url ?? '/').startsWith('/v1/')) {
      options.outsideApi(req, res).then(
        (handled) => {
          if (handled) options.log?.(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started} ms`);
          else write(res, errorResponse(404, 'not_found', `no route for ${req.method} ${(req.url ?? '/').split('?')[0]}`), randomUUID());
        },
        (error: unknown) => {
          console.error('[local-api] request outside the API failed:', error);
          if (!res.headersSent) write(res, errorResponse(500, 'internal_error', 'Internal Server Error'), randomUUID());
          else res.end();
        },
      );
      return;
    }
    around(req, () => respondTo(req, settings))
      .catch((error: unknown) => {
        console.error('[local-api] request failed:', error);
        return { requestId: randomUUID(), response: errorResponse(500, 'internal_error', 'Internal Server Error') };
      })
      .then(({ response, requestId }) => {
        write(res, response, requestId);
        options.log?.(`${req.method} ${req.url} ${response.statusCode} ${Date.now() - started} ms`);
      });
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolvePromise());
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    stop: () =>
      new Promise<void>((resolvePromise, reject) => {
        server.close((error) => (error ? reject(error) : resolvePromise()));
        server.closeAllConnections();
      }),
  };
}
