/** Public routes: liveness and the OpenAPI document. No token, no table access. */
import { defineGroup, route } from '../http/group';
import { FunctionGroup } from '../http/routes';
import { PUBLIC_OPERATIONS as ops } from '../../shared/schemas/api/public';
import { openApiDocument } from '../../shared/schemas/openapi';

export const handler = defineGroup(
  FunctionGroup.PUBLIC,
  {
    'GET /v1/health': route(ops['GET /v1/health'], async () => ({ status: 200, body: { status: 'ok' } })),
    'GET /v1/openapi.json': route(ops['GET /v1/openapi.json'], async () => ({ status: 200, body: openApiDocument() })),
  },
  { idempotencyStore: null },
);
