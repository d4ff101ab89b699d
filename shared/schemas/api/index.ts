/**
 * Every group module's route declarations, merged: the source of the route table (./routes.ts)
 * and the OpenAPI document. Each module adds its own argument; a route key declared twice
 * fails at load.
 */
import type { ZodType } from 'zod';
import type { Operations } from './operation';
import { PUBLIC_OPERATIONS } from './public';
import { DIRECTORY_OPERATIONS } from './directory';
import { CONTRACT_OPERATIONS } from './contracts';
import { CREDIT_OPERATIONS } from './credits';
import { USAGE_OPERATIONS } from './usage';
import { BILLING_RUN_OPERATIONS } from './billing-runs';
import { INVOICE_OPERATIONS } from './invoices';
import { FINANCE_OPERATIONS } from './finance';
import { APPROVAL_INBOX_OPERATIONS, SPEND_OPERATIONS } from './daily-work';

type Merged<T extends readonly Operations[]> = T extends readonly [infer Head, ...infer Rest extends readonly Operations[]] ? Head & Merged<Rest> : unknown;

/** Merges group modules' declarations; a key in two modules is a programming error. */
export function mergeDeclarations<T extends readonly Operations[]>(...modules: T): Merged<T> {
  const merged: Record<string, unknown> = {};
  for (const module of modules) {
    for (const [key, op] of Object.entries(module)) {
      if (key in merged) throw new Error(`route ${key} is declared twice`);
      merged[key] = op;
    }
  }
  return merged as Merged<T>;
}

export const ALL_OPERATIONS = mergeDeclarations(
  PUBLIC_OPERATIONS,
  DIRECTORY_OPERATIONS,
  CONTRACT_OPERATIONS,
  CREDIT_OPERATIONS,
  USAGE_OPERATIONS,
  BILLING_RUN_OPERATIONS,
  INVOICE_OPERATIONS,
  FINANCE_OPERATIONS,
  APPROVAL_INBOX_OPERATIONS,
  SPEND_OPERATIONS,
);

/** Schemas shown as named components besides those named with `.openapi('Name')`. */
export const NAMED_SCHEMAS: Record<string, ZodType> = {};
