/**
 * A route of the table as the HTTP kit and the infrastructure see it, derived from its
 * declaration's key and fields. Kept apart from ./routes.ts so a Lambda builds the entries of
 * its own group's declarations only, without evaluating every route's schemas at init.
 */
import type { FunctionGroup, HttpMethod, Operation, Role } from './operation';

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

export function routeOf(key: string, op: Operation): RouteDef {
  const match = /^(GET|POST|PUT) (\/\S*)$/.exec(key);
  if (!match) throw new Error(`route declaration "${key}" is not "METHOD /path"`);
  return { method: match[1] as HttpMethod, path: match[2]!, group: op.group, roles: op.roles, summary: op.summary };
}
