/** Every group's operations, merged for the OpenAPI document. Each group adds its own line. */
import type { ZodType } from 'zod';
import { PUBLIC_OPERATIONS } from './public';
import { DIRECTORY_OPERATIONS } from './directory';
import { CONTRACT_OPERATIONS } from './contracts';
import { CREDIT_OPERATIONS } from './credits';
import { USAGE_OPERATIONS } from './usage';
import { BILLING_RUN_OPERATIONS } from './billing-runs';
import { INVOICE_OPERATIONS } from './invoices';
import { FINANCE_OPERATIONS } from './finance';

export const ALL_OPERATIONS = {
  ...PUBLIC_OPERATIONS,
  ...DIRECTORY_OPERATIONS,
  ...CONTRACT_OPERATIONS,
  ...CREDIT_OPERATIONS,
  ...USAGE_OPERATIONS,
  ...BILLING_RUN_OPERATIONS,
  ...INVOICE_OPERATIONS,
  ...FINANCE_OPERATIONS,
};

/** Schemas shown as named components besides those named with `.openapi('Name')`. */
export const NAMED_SCHEMAS: Record<string, ZodType> = {};
