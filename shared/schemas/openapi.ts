/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. This is
 * Every ROUTES entry is documented: from its
 * group's operation when declared, else with a minimal entry (so the document never omits a route).
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import './zod-openapi';
import * as z from 'zod';
import { ROUTES, routeKey } from '../../functions/http/routes';
import { ErrorBodySchema } from './api/common';
import { ALL_OPERATIONS, NAMED_SCHEMAS } from './api/index';
import type { Operation } from './api/operation';

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
  const operations = ALL_OPERATIONS as Readonly<Record<string, Operation>>;

  for (const def of ROUTES) {
    const op: Operation = operations[routeKey(def)] ?? { responses: { 200: null } };
    const isPublic = def.roles === null;
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
      description: [op.description, isPublic ? 'No token needed.' : `Roles: ${def.roles.join(', ')}.`].filter(Boolean).join(' '),
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
