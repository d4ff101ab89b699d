import '../zod-openapi';
import * as z from 'zod';
import { operation, type Operations } from './operation';

export const HealthSchema = z.object({ status: z.literal('ok') });

export const PUBLIC_OPERATIONS = {
  'GET /v1/health': operation({ responses: { 200: HealthSchema } }),
  'GET /v1/openapi.json': operation({ responses: { 200: z.record(z.string(), z.unknown()) }, description: 'This document.' }),
} as const satisfies Operations;
