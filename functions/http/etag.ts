/**
 * ETags and If-Match. A mutable item's ETag is its optimistic-lock `version` in quotes
 * (`"7"`); resources without a version may use a content hash (`etagOfContent`). PUT requires
 * If-Match (428 when missing, 412 when stale); action routes accept it optionally.
 */
import { createHash } from 'node:crypto';
import { PreconditionFailedError, PreconditionRequiredError } from '../../shared/domain/kernel/errors';

export const etagOfVersion = (version: number): string => `"${version}"`;

export const etagOfContent = (value: unknown): string =>
  `"${createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 27)}"`;

/** The entity tags of an If-Match header without quotes or weak prefixes; `*` stays `*`. */
export function parseIfMatch(header: string | undefined): string[] | null {
  if (header === undefined || header.trim() === '') return null;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1'))
    .filter((tag) => tag.length > 0);
}

/**
 * The lock version the client expects, from If-Match. `undefined` when absent and optional;
 * 428 when absent and required. A tag that is not a version number can never match: 412.
 */
export function expectedVersion(headers: Record<string, string | undefined>, required: boolean): number | undefined {
  const tags = parseIfMatch(headers['if-match']);
  if (tags === null) {
    if (required) throw new PreconditionRequiredError();
    return undefined;
  }
  if (tags.includes('*')) return undefined;
  const versions = tags.filter((t) => /^\d{1,15}$/.test(t)).map(Number);
  if (versions.length !== 1) throw new PreconditionFailedError();
  return versions[0];
}
