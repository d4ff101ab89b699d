/**
 * Who may call each route (`GET /v1/contracts` → its roles; null: no token needed), from the
 * API's route table. In the browser build this module is replaced by the same table as plain
 * JSON (the `route-roles` plugin in web/vite.config.ts), so the route declarations and their
 * zod schemas stay out of the first screen's JavaScript; tests and type checks read it here.
 */
import { ROUTES } from '../../../shared/schemas/api/routes';

export type RouteRoles = Readonly<Record<string, readonly string[] | null>>;

export const routeRolesOf = (routes: readonly { method: string; path: string; roles: readonly string[] | null }[]): RouteRoles =>
  Object.fromEntries(routes.map((r) => [`${r.method} ${r.path}`, r.roles]));

export const ROUTE_ROLES: RouteRoles = routeRolesOf(ROUTES);
