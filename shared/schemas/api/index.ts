/** Every group's operations, merged for the OpenAPI document. Each group adds its own line. */
import { PUBLIC_OPERATIONS } from './public';
import { USAGE_OPERATIONS } from './usage';

export const ALL_OPERATIONS = {
  ...PUBLIC_OPERATIONS,
  ...USAGE_OPERATIONS,
};

/** Schemas shown as named components (schemas built from '../zod-openapi' only). */
export const NAMED_SCHEMAS: Record<string, import('zod').ZodType> = {};
