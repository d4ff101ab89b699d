/**
 * Opaque list cursors: base64url of DynamoDB's LastEvaluatedKey. A cursor comes back from the
 * client, so it is validated like any input: it must decode to string key attributes only, and
 * its partition key must be the one of the query it is used with (a cursor from another list,
 * or another tenant's list, is bad input: 400, never a DynamoDB error turned 500).
 */
import { ValidationError } from '../../domain/kernel/errors';

const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']);
const MAX_CURSOR_CHARS = 2048;

export type StartKey = Record<string, string>;

export function encodeCursor(lastEvaluatedKey: Record<string, unknown> | undefined): string | null {
  if (!lastEvaluatedKey) return null;
  return Buffer.from(JSON.stringify(lastEvaluatedKey), 'utf8').toString('base64url');
}

function invalid(): ValidationError {
  return new ValidationError('the cursor is not valid for this list', [{ path: 'cursor', message: 'unrecognised cursor' }], 'invalid_cursor');
}

/** Decodes a cursor; `expected` names the attributes that must hold exactly these values. */
export function decodeCursor(cursor: string | undefined, expected: Record<string, string>): StartKey | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  if (cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length === 0 || entries.length > 6) throw invalid();
  for (const [name, value] of entries) {
    if (!KEY_ATTRIBUTES.has(name) || typeof value !== 'string' || value.length === 0 || value.length > 1024) throw invalid();
  }
  const key = parsed as StartKey;
  for (const [name, value] of Object.entries(expected)) {
    if (key[name] !== value) throw invalid();
  }
  if (!('pk' in key) || !('sk' in key)) throw invalid();
  return key;
}
