/**
 * Roles, groups and route keys for the handlers. Routes are declared once, in shared/schemas/api
 * (see operation.ts there). The whole table (shared/schemas/api/routes.ts) is not re-exported:
 * importing it would build every route's schemas in every function at init.
 */
export { ALL_ROLES, FunctionGroup, Role, type HttpMethod, type RouteKey } from '../../shared/schemas/api/operation';
export { routeKey, routeOf, type RouteDef } from '../../shared/schemas/api/route-def';
