/**
 * The route table, derived from the route declarations (./operation.ts, one per route in the
 * group modules merged by ./index.ts). It feeds the CDK HttpApi routes (infra/constructs/api.ts),
 * the local HTTP server (scripts/lib/local-api.ts), each group's dispatch (functions/http/group.ts)
 * and the OpenAPI document (../openapi.ts).
 */
import { ALL_OPERATIONS } from './index';
import type { FunctionGroup, HttpMethod, Operation, Role } from './operation';

export { ALL_ROLES, FunctionGroup, Role, type HttpMethod, type RouteKey } from './operation';

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway path template, e.g. `/v1/contracts/{id}`. */
  path: string;
  group: FunctionGroup;
  /** Roles allowed; `null` = no token needed. */
  roles: readonly Role[] | null;
  summary: string;
}

/** API Gateway's route key, e.g. `GET /v1/contracts/{id}`. */
export const routeKey = (route: Pick<RouteDef, 'method' | 'path'>) => `${route.method} ${route.path}`;

function routeOf(key: string, op: Operation): RouteDef {
  const match = /^(GET|POST|PUT) (\/\S*)$/.exec(key);
  if (!match) throw new Error(`route declaration "${key}" is not "METHOD /path"`);
  return { method: match[1] as HttpMethod, path: match[2]!, group: op.group, roles: op.roles, summary: op.summary };
}

export const ROUTES: readonly RouteDef[] = Object.freeze(
  Object.entries(ALL_OPERATIONS as Readonly<Record<string, Operation>>).map(([key, op]) => routeOf(key, op)),
);

/** A route's declaration (schemas, responses) by its route key. */
export const declarationOf = (key: string): Operation | undefined => (ALL_OPERATIONS as Readonly<Record<string, Operation>>)[key];

export const routesOf = (group: FunctionGroup): RouteDef[] => ROUTES.filter((r) => r.group === group);
