/**
 * A limit on the size of one version's terms. A version item holds its terms, and every later
 * change of that item is audited with its before and after images; a limit well under
 * DynamoDB's 400 KB item keeps the version item itself storable with room to spare, and keeps
 * each audit image of it small enough to handle (images over the item limit go to S3).
 * Measured as the UTF-8 bytes of the terms' canonical JSON, the text the audit log hashes, so
 * the figure does not depend on how a client spaced or ordered its JSON.
 */
import { canonicalJson } from '../audit/canonical-json';
import { TooLargeError } from '../kernel/errors';

export const MAX_TERMS_BYTES = 200 * 1024;

export function termsBytes(terms: unknown): number {
  return Buffer.byteLength(canonicalJson(terms), 'utf8');
}

/** 413 `terms_too_large`, naming the limit, before anything else looks at the terms. */
export function assertTermsSize(terms: unknown, path = 'terms'): void {
  const bytes = termsBytes(terms);
  if (bytes <= MAX_TERMS_BYTES) return;
  const message = `terms are limited to ${MAX_TERMS_BYTES} bytes (200 KB) of canonical JSON; these are ${bytes} bytes`;
  throw new TooLargeError(message, [{ path, message: `${bytes} bytes, limit ${MAX_TERMS_BYTES}` }], 'terms_too_large');
}
