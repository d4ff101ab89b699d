/**
 * List conventions: `?limit=` (default 50, 1..200, else 400) and an opaque `?cursor=`; the body
 * is `{ items, nextCursor }`. Put ListQuery (or `ListQuery.extend({...filters})`) in an
 * operation's `query`; repositories encode/decode cursors with shared/adapters/dynamodb/cursor.ts,
 * which rejects tampered cursors as 400 `invalid_cursor`.
 */
export { DEFAULT_LIMIT, ListQuery, MAX_LIMIT, page as pageSchema } from '../../shared/schemas/api/common';
export { encodeCursor, decodeCursor } from '../../shared/adapters/dynamodb/cursor';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
