/**
 * The route table, derived from the route declarations (./operation.ts, one per route in the
 * group modules merged by ./index.ts). It feeds the CDK HttpApi routes (infra/constructs/api.ts),
 * the local HTTP server (scripts/lib/local-api.ts), the OpenAPI document (../openapi.ts) and the
 * tests that each group's handler serves its routes. The Lambdas do not import it: evaluating it
 * builds every route's schemas, and each function needs its own group's only.
 */
import { ALL_OPERATIONS } from './index';
import type { FunctionGroup, Operation } from './operation';
import { routeOf, type RouteDef } from './route-def';

export { ALL_ROLES, FunctionGroup, Role, type HttpMethod, type RouteKey } from './operation';
export { routeKey, routeOf, type RouteDef } from './route-def';

export const ROUTES: readonly RouteDef[] = Object.freeze(
  Object.entries(ALL_OPERATIONS as Readonly<Record<string, Operation>>).map(([key, op]) => routeOf(key, op)),
);

/** A route's declaration (schemas, responses) by its route key. */
export const declarationOf = (key: string): Operation | undefined => (ALL_OPERATIONS as Readonly<Record<string, Operation>>)[key];

export const routesOf = (group: FunctionGroup): RouteDef[] => ROUTES.filter((r) => r.group === group);
