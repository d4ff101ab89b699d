/**
 * Canonical JSON: the one byte-exact text of a value that audit hashes are computed over.
 *
 * Rules (close to RFC 8785, JSON Canonicalization Scheme):
 * - object keys sorted recursively by UTF-16 code units (JavaScript's default string order);
 * - no whitespace anywhere;
 * - strings and numbers written exactly as `JSON.stringify` writes them (shortest round-trip
 *   number form, `-0` as `0`);
 * - object properties whose value is `undefined` are omitted, as JSON and the DynamoDB
 *   document client (removeUndefinedValues) both do, so a stored and re-read entry hashes the same;
 * - anything JSON cannot carry faithfully is rejected instead of silently changed: NaN and
 *   ±Infinity, bigint, functions, symbols, `undefined` inside arrays, and objects that are not
 *   plain (Date, Map, Set, class instances, typed arrays). Callers normalise those first.
 * - nesting is limited so a cyclic value fails fast instead of overflowing the stack.
 */
import { DomainError, ErrorKind } from '../kernel/errors';

/** DynamoDB allows 32 levels of nesting in an item; an audit entry wraps an item in two more. */
export const CANONICAL_JSON_MAX_DEPTH = 64;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class CanonicalJsonError extends DomainError {
  override readonly name: string = 'CanonicalJsonError';
  constructor(path: string, message: string) {
    super(ErrorKind.VALIDATION, 'audit_not_canonicalisable', `value at ${path || '(root)'} cannot be canonicalised: ${message}`, [{ path, message }]);
  }
}

export function canonicalJson(value: unknown): string {
  return write(value, '', 0);
}

function write(value: unknown, path: string, depth: number): string {
  if (depth > CANONICAL_JSON_MAX_DEPTH) throw new CanonicalJsonError(path, `nested deeper than ${CANONICAL_JSON_MAX_DEPTH} levels`);
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, `non-finite number ${String(value)}`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new CanonicalJsonError(path, `unsupported type ${typeof value}`);
  }
  if (Array.isArray(value)) {
    const parts = value.map((element, index) => {
      if (element === undefined) throw new CanonicalJsonError(`${path}.${index}`, 'undefined inside an array');
      return write(element, `${path}.${index}`, depth + 1);
    });
    return `[${parts.join(',')}]`;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalJsonError(path, `not a plain object (${(value as object).constructor?.name ?? 'unknown'})`);
  }
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${write(member, path ? `${path}.${key}` : key, depth + 1)}`);
  }
  return `{${parts.join(',')}}`;
}
