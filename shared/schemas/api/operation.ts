/**
 * A route declaration: everything about one route in one place. Its key in the group module's
 * map is the API Gateway route key (`METHOD /path/{param}`, method and path); the value holds the
 * Lambda group that serves it, the roles allowed, a summary, the zod schemas of body, query and
 * path, and the documented responses. From these declarations come the route table
 * (./routes.ts: CDK HttpApi routes and the local HTTP server), each group handler's dispatch map
 * (functions/http/group.ts: validation and authorization) and the OpenAPI document
 * (../openapi.ts), so none of them can drift from another.
 *
 * Adding a route: declare it in its module's map (e.g. BILLING_RUN_OPERATIONS in
 * billing-runs.ts; a new module is added to ./index.ts), then implement it in the group's handler
 * (`'POST /v1/x': route(ops['POST /v1/x'], async (ctx) => ...)`); defineGroup refuses to start
 * if a declared route of its group has no handler or a handler has no declaration.
 */
import type { z } from 'zod';

export const Role = {
  OPS: 'ops',
  APPROVER: 'approver',
  FINANCE: 'finance',
  ADMIN: 'admin',
  ADVERTISER: 'advertiser',
} as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ALL_ROLES: readonly Role[] = Object.values(Role);

/** One Lambda per resource group; the entry is functions/<group>/handler.ts. */
export const FunctionGroup = {
  PUBLIC: 'public',
  DIRECTORY: 'directory',
  CONTRACTS: 'contracts',
  APPROVALS: 'approvals',
  USAGE: 'usage',
  BILLING: 'billing',
  INVOICES: 'invoices',
} as const;
export type FunctionGroup = (typeof FunctionGroup)[keyof typeof FunctionGroup];

export type HttpMethod = 'GET' | 'POST' | 'PUT';

/** API Gateway's route key, e.g. `GET /v1/contracts/{id}`. */
export type RouteKey = `${HttpMethod} /${string}`;

export interface Operation<
  B extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  P extends z.ZodType | undefined = z.ZodType | undefined,
> {
  /** The Lambda (resource group) serving the route. */
  group: FunctionGroup;
  /** Roles allowed; `null` = no token needed. An advertiser token is further confined to its own data. */
  roles: readonly Role[] | null;
  /** One line for the OpenAPI summary. */
  summary: string;
  body?: B;
  query?: Q;
  params?: P;
  /** Success statuses and their body schemas (null: no body). */
  responses: Readonly<Record<number, z.ZodType | null>>;
  /** Error statuses this route can answer besides 400/401/403/500 (documented in OpenAPI). */
  errors?: readonly number[];
  /** Documents the If-Match header: 'required' on PUT, 'optional' on action routes. */
  ifMatch?: 'required' | 'optional';
  description?: string;
}

export const operation = <
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
>(op: Operation<B, Q, P>): Operation<B, Q, P> => op;

/** A group module's route declarations, keyed by route key. */
export type Operations = Readonly<Record<RouteKey, Operation>>;
