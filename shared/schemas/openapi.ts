/**
 * The OpenAPI 3.1 document, generated from the route declarations (api/operation.ts): the same
 * zod schemas that validate requests, and the same roles that authorize them. Every route is
 * documented, since the route table is derived from the declarations.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import './zod-openapi';
import * as z from 'zod';
import { ErrorBodySchema } from './api/common';
import { NAMED_SCHEMAS } from './api/index';
import { ROUTES, declarationOf, routeKey } from './api/routes';

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad input; `details` names the fields',
  401: 'No valid bearer token',
  403: 'Your roles may not use this route',
  404: 'Not found, or another tenant\'s resource',
  409: 'State conflict or illegal transition',
  412: 'If-Match is stale',
  413: 'Body over 1 MiB',
  422: 'Idempotency-Key reused with a different body',
  428: 'If-Match is required',
  500: 'Unexpected failure (logged)',
};

function isObjectSchema(schema: z.ZodType | undefined): schema is z.ZodObject {
  return schema instanceof z.ZodObject;
}

let cached: unknown;

export function openApiDocument(): unknown {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  registry.register('Error', ErrorBodySchema);
  for (const [name, schema] of Object.entries(NAMED_SCHEMAS)) registry.register(name, schema);

  for (const def of ROUTES) {
    const op = declarationOf(routeKey(def))!;
    const roles = def.roles;
    const isPublic = roles === null;
    const errorStatuses = new Set<number>([400, 500, ...(isPublic ? [] : [401, 403]), ...(op.errors ?? [])]);
    if (def.method === 'POST') errorStatuses.add(422).add(409).add(413);
    if (op.ifMatch) errorStatuses.add(412);
    if (op.ifMatch === 'required') errorStatuses.add(428);
    const responses: Record<string, { description: string; content?: Record<string, { schema: z.ZodType }> }> = {};
    for (const [status, schema] of Object.entries(op.responses)) {
      responses[status] = schema ? { description: 'Success', content: { 'application/json': { schema } } } : { description: 'Success' };
    }
    for (const status of [...errorStatuses].sort()) {
      responses[String(status)] = { description: ERROR_TEXT[status] ?? 'Error', content: { 'application/json': { schema: ErrorBodySchema } } };
    }
    const headerShape: Record<string, z.ZodType> = {};
    if (def.method === 'POST') headerShape['idempotency-key'] = z.string().max(255).optional();
    if (op.ifMatch === 'required') headerShape['if-match'] = z.string();
    if (op.ifMatch === 'optional') headerShape['if-match'] = z.string().optional();
    registry.registerPath({
      method: def.method.toLowerCase() as 'get' | 'post' | 'put',
      path: def.path,
      summary: def.summary,
      description: [op.description, isPublic ? 'No token needed.' : `Roles: ${roles.join(', ')}.`].filter(Boolean).join(' '),
      tags: [def.group],
      security: isPublic ? [] : [{ [bearer.name]: [] }],
      request: {
        ...(isObjectSchema(op.params) ? { params: op.params } : {}),
        ...(isObjectSchema(op.query) ? { query: op.query } : {}),
        ...(Object.keys(headerShape).length > 0 ? { headers: z.object(headerShape) } : {}),
        ...(op.body ? { body: { required: true, content: { 'application/json': { schema: op.body } } } } : {}),
      },
      responses,
    });
  }

  cached = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'CTV contracts and billing API', version: '1.0.0', description: 'Contracts, approvals, usage, billing runs and invoices.' },
    servers: [{ url: '/' }],
  });
  return cached;
}
