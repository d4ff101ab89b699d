/**
 * The event schemas in schemas/events/ (the source of truth for ERP consumers), compiled with
 * ajv (JSON Schema 2020-12, strict mode), and a check that a detail follows its type's schema.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { DetailType, schemaFileOf } from '../../shared/domain/events/domain-events';

const ROOT = resolve(import.meta.dirname, '..', '..');

export function readEventSchema(type: DetailType): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, schemaFileOf(type)), 'utf8')) as Record<string, unknown>;
}

let validators: Map<DetailType, ValidateFunction> | undefined;

export function eventValidators(): Map<DetailType, ValidateFunction> {
  if (!validators) {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    validators = new Map(Object.values(DetailType).map((type) => [type, ajv.compile(readEventSchema(type))]));
  }
  return validators;
}

/** The schema's errors for this detail, as readable lines; empty when it is valid. */
export function schemaErrors(type: string, detail: unknown): string[] {
  const validate = eventValidators().get(type as DetailType);
  if (!validate) return [`no schema for detail-type ${type}`];
  if (validate(detail)) return [];
  return (validate.errors ?? []).map((e) => `${type}${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
