/** Public routes: liveness and the OpenAPI document. No token, no table access. */
import { defineGroup, route } from '../http/group';
import { FunctionGroup } from '../http/routes';
import { PUBLIC_OPERATIONS as ops } from '../../shared/schemas/api/public';

export const handler = defineGroup(
  FunctionGroup.PUBLIC,
  {
    'GET /v1/health': route(ops['GET /v1/health'], async () => ({ status: 200, body: { status: 'ok' } })),
    // The generator is imported by the one route that needs it, not when the function starts.
    'GET /v1/openapi.json': route(ops['GET /v1/openapi.json'], async () => ({ status: 200, body: (await import('../../shared/schemas/openapi')).openApiDocument() })),
  },
  { idempotencyStore: null },
);
