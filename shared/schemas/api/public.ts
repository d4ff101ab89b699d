import '../zod-openapi';
import * as z from 'zod';
import { FunctionGroup, operation, type Operations } from './operation';

export const HealthSchema = z.object({ status: z.literal('ok') });

export const PUBLIC_OPERATIONS = {
  'GET /v1/health': operation({
    group: FunctionGroup.PUBLIC,
    roles: null,
    summary: 'Liveness',
    responses: { 200: HealthSchema },
  }),
  'GET /v1/openapi.json': operation({
    group: FunctionGroup.PUBLIC,
    roles: null,
    summary: 'The OpenAPI 3.1 document',
    responses: { 200: z.record(z.string(), z.unknown()) },
    description: 'This document.',
  }),
} as const satisfies Operations;
