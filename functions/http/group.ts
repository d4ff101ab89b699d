/**
 * The HTTP kit: one Lambda per resource group, declared as a map of route key -> route.
 *
 * ```ts
 * // functions/invoices/handler.ts
 * import { defineGroup, route } from '../http/group';
 * import { FunctionGroup } from '../http/routes';
 * import { INVOICE_OPERATIONS as ops } from '../../shared/schemas/api/invoices';
 *
 * export const handler = defineGroup(FunctionGroup.INVOICES, {
 *   'GET /v1/invoices/{id}': route(ops['GET /v1/invoices/{id}'], async ({ identity, params, clock }) => {
 *     const invoice = await invoices().get(params.id);        // your repository
 *     if (!invoice) throw new NotFoundError('invoice', params.id);
 *     assertTenant(identity, invoice.advertiserId, 'invoice', params.id); // other tenant -> 404
 *     return { status: 200, body: invoice, etag: etagOfVersion(invoice.version) };
 *   }),
 *   'POST /v1/invoices/{id}/finalize': route(ops['POST /v1/invoices/{id}/finalize'], async (ctx) => {
 *     const expected = expectedVersion(ctx.headers, false);   // optional If-Match on actions
 *     ...
 *     return { status: 200, body: finalized };
 *   }),
 * });
 * ```
 *
 * Each route is declared once (shared/schemas/api/operation.ts): method and path (its key), group,
 * roles, summary, the zod schemas of body, query and path, and the documented responses. The
 * group's dispatch map is built here from the handlers and the declarations they are bound to;
 * a handler bound to another group's declaration makes defineGroup throw at cold start. That the
 * group serves every route declared for it, each bound to its own declaration, is checked against
 * the whole route table by test/unit/architecture/layering.test.ts: the function itself never
 * evaluates the other groups' schemas. The middlewares (middlewares.ts) then give each route:
 * a trace, the API metrics (requests, 5xx) flushed as EMF, request/correlation ids and logger context; 413 over 1 MiB; 401/403 from the JWT claims and the
 * route's roles; 400 `invalid_json`; 400 `validation_failed` with field paths (strict bodies, so
 * unknown fields such as `status` are rejected); Idempotency-Key on every POST; and one error
 * mapping (errors.ts). Handlers throw DomainErrors (shared/domain/kernel/errors.ts) and return
 * `{ status, body?, etag?, headers? }`. Lists: ListQuerySchema and Page in pagination.ts, cursors
 * via shared/adapters/dynamodb/cursor.ts. ETag/If-Match: etag.ts. Tenant isolation: tenant.ts.
 */
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import type { Clock } from '../../shared/domain/kernel/clock';
import { IdempotencyStore, type ResponseOverflow } from '../../shared/adapters/dynamodb/idempotency-store';
import type { Operation } from '../../shared/schemas/api/operation';
import { runtimeClock } from '../runtime/clock';
import { dynamo } from '../runtime/clients';
import { config } from '../runtime/config';
import type { Identity } from './identity';
import { metrics, tracer } from '../runtime/observability';
import {
  apiMetrics,
  authorize,
  bodySizeGuard,
  errorMapping,
  httpStateOf,
  idempotency,
  jsonBody,
  requestContext,
  resolveRoute,
  validate,
  type HttpResult,
} from './middlewares';
import { routeOf, type FunctionGroup, type RouteDef } from './routes';
import { logger } from './logger';

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<B, Q, P> {
  /** The verified caller; on public routes (roles null) an anonymous identity without roles. */
  identity: Identity;
  body: B;
  query: Q;
  params: P;
  /** Lower-cased request headers. */
  headers: Record<string, string | undefined>;
  clock: Clock;
  requestId: string;
  correlationId: string;
  event: APIGatewayProxyEventV2;
  logger: typeof logger;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  /** An ETag value, already quoted (etagOfVersion / etagOfContent). */
  etag?: string;
  headers?: Record<string, string>;
}

export interface RouteSpec {
  op: Operation;
  // The schemas' types are erased here (each route's own are checked in `route`).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handle: (ctx: RouteContext<any, any, any>) => Promise<RouteResult>;
}

/** Binds an operation's schemas to its handler; the context is typed from the schemas. */
export function route<B extends z.ZodType | undefined, Q extends z.ZodType | undefined, P extends z.ZodType | undefined>(
  op: Operation<B, Q, P>,
  handle: (ctx: RouteContext<Out<B>, Out<Q>, Out<P>>) => Promise<RouteResult>,
): RouteSpec {
  return { op: op as Operation, handle: handle as RouteSpec['handle'] };
}

export interface GroupOptions {
  /** Defaults to the runtime clock (functions/runtime/clock.ts): the system clock outside tests. */
  clock?: Clock;
  /** The idempotency store; defaults to the runtime table. `null` disables it (public routes). */
  idempotencyStore?: IdempotencyStore | null;
}

const ANONYMOUS: Identity = Object.freeze({ sub: 'anonymous', roles: [], advertiserId: null });

/**
 * The S3 overflow of the idempotency store, imported on its first use: few responses overflow
 * their record, so the S3 client is not loaded when the function starts.
 */
let overflowStore: Promise<ResponseOverflow> | undefined;
const lazyOverflow: ResponseOverflow = {
  put: async (sha256, text) => (await (overflowStore ??= loadOverflow())).put(sha256, text),
  get: async (key) => (await (overflowStore ??= loadOverflow())).get(key),
};
async function loadOverflow(): Promise<ResponseOverflow> {
  try {
    return (await import('../runtime/response-overflow')).responseOverflow();
  } catch (error) {
    overflowStore = undefined;
    throw error;
  }
}

let defaultStore: IdempotencyStore | undefined;
const runtimeStore = (): IdempotencyStore => (defaultStore ??= new IdempotencyStore(dynamo(), config().TABLE_NAME, { overflow: lazyOverflow }));

export function defineGroup(group: FunctionGroup, routes: Record<string, RouteSpec>, options: GroupOptions = {}) {
  const clock = options.clock ?? runtimeClock;
  const table = new Map<string, { def: RouteDef; op: Operation; handle: RouteSpec['handle'] }>();
  for (const [key, spec] of Object.entries(routes)) {
    if (spec.op.group !== group) throw new Error(`group ${group}: ${key} is declared for group ${spec.op.group}`);
    table.set(key, { def: routeOf(key, spec.op), op: spec.op, handle: spec.handle });
  }

  const store = (): IdempotencyStore | null => (options.idempotencyStore === undefined ? runtimeStore() : options.idempotencyStore);

  const dispatch = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const http = httpStateOf(event)!;
    const entry = table.get(event.routeKey)!;
    const result = await entry.handle({
      identity: http.identity ?? ANONYMOUS,
      body: http.body,
      query: http.query,
      params: http.params,
      headers: http.headers,
      clock,
      requestId: http.requestId,
      correlationId: http.correlationId,
      event,
      logger,
    });
    const headers: Record<string, string> = { ...(result.headers ?? {}) };
    if (result.etag) headers.etag = result.etag;
    if (result.body === undefined) return { statusCode: result.status, headers };
    return { statusCode: result.status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(result.body) };
  };

  const kit = middy<APIGatewayProxyEventV2, HttpResult>({ timeoutEarlyInMillis: 0 });
  // Outermost: the trace covers the whole request (responses hold amounts and names, so they
  // are not captured), and the metrics are flushed after everything else has run. Without a
  // tracer (tracing off, observability.ts) there is no trace to open.
  if (tracer) kit.use(captureLambdaHandler(tracer, { captureResponse: false }));
  kit
    .use(logMetrics(metrics))
    .use(apiMetrics())
    .use(requestContext(randomUUID))
    .use(errorMapping())
    .use(resolveRoute(table))
    .use(bodySizeGuard())
    .use(authorize())
    .use(jsonBody())
    .use(validate())
    .use(idempotency(store, clock))
    .handler(dispatch);
  // What the group serves, for the test that holds it to the route table.
  return Object.assign(kit, { served: Object.freeze(Object.fromEntries([...table].map(([key, entry]) => [key, entry.op]))) });
}
